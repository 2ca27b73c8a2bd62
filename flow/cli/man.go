package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { addCommand(manCommand) }

// manCommand is the hidden `man`: one page, in roff, for the whole tree.
// It stands in for fang's (mango's), which lists flags alphabetically,
// without their defaults, and writes -h as --h.
func manCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the manual page (roff)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeManPage(cmd.OutOrStdout(), cmd.Root(), time.Now())
		},
	}
}

const manEnvironment = `.TP
.B BASIQ_API_KEY
the API key; it is never a flag, since flags show up in ps
.TP
.B BASIQ_API_URL
the API base URL, as \-\-api\-url
.TP
.B BASIQ_CONSENT_URL
the consent page, as \-\-consent\-url (the simulator prints its own)
.TP
.B BASIQ_DEMO_STEP_DELAY
how long each job step takes in \-\-demo, e.g. 0s (default 1.5s)
.TP
.B NO_COLOR
no colours (every state also has a symbol or a word)
.TP
.B BASIQ_WEBHOOK_SECRET
the secret webhooks verify checks a delivery with, unless \-\-secret\-file says
`

const manExitStatus = `0 done; 1 the API or a job failed; 2 bad usage; 130 interrupted (SIGINT);
143 terminated (SIGTERM); 129 hung up (SIGHUP).
The terminal is restored in every case.
The simulator exits 0 when ctrl+c or SIGTERM stops it.
`

// writeManPage writes the page: each command's synopsis, description,
// flags (in --help's order, with defaults) and examples.
func writeManPage(w io.Writer, root *cobra.Command, now time.Time) error {
	var b strings.Builder
	name := root.Name()
	fmt.Fprintf(&b, ".TH %s 1 %s %q %q\n", strings.ToUpper(name), now.Format("2006-01-02"), name+" "+shortVersion(), "User Commands")
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", name, roffText(root.Short))
	b.WriteString(".SH SYNOPSIS\n")
	commands := manCommands(root)
	for _, c := range commands {
		fmt.Fprintf(&b, ".B %s\n[\\fIflags\\fP]\n.br\n", c.CommandPath())
	}
	b.WriteString(".B " + name + " completion\n\\fIbash\\fP|\\fIzsh\\fP|\\fIfish\\fP|\\fIpowershell\\fP\n")
	b.WriteString(".SH DESCRIPTION\n" + roffParagraphs(root.Long))
	b.WriteString(".SH OPTIONS\n" + roffFlags(root))
	b.WriteString(".SH COMMANDS\n")
	for _, c := range commands[1:] {
		fmt.Fprintf(&b, ".SS %s\n%s", c.CommandPath(), roffParagraphs(c.Long))
		b.WriteString(roffFlags(c))
	}
	fmt.Fprintf(&b, ".SS %s completion\nPrints the completion script for a shell;\nsee %s completion \\-\\-help for where to put it.\n", name, name)
	b.WriteString(".SH EXAMPLES\n")
	var examples strings.Builder
	for _, c := range commands {
		examples.WriteString(roffExample(c.Example))
	}
	b.WriteString(strings.TrimPrefix(examples.String(), ".PP\n")) // a section starts a paragraph
	b.WriteString(".SH ENVIRONMENT\n" + manEnvironment)
	b.WriteString(".SH EXIT STATUS\n" + manExitStatus)
	_, err := io.WriteString(w, b.String())
	return err
}

// manCommands are the root and the commands a user runs, in help's order,
// each followed by its own (webhooks create, …).
func manCommands(root *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && c.Name() != "completion" {
			cmds = append(cmds, manCommands(c)...)
		}
	}
	return cmds
}

func roffFlags(c *cobra.Command) string {
	var b strings.Builder
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		b.WriteString(".TP\n")
		if f.Shorthand != "" {
			fmt.Fprintf(&b, "\\fB\\-%s\\fP, ", f.Shorthand)
		}
		fmt.Fprintf(&b, "\\fB\\-\\-%s\\fP", roffText(f.Name))
		if v := valueName(f); v != "" {
			fmt.Fprintf(&b, " \\fI%s\\fP", roffText(v))
		}
		usage := strings.ReplaceAll(f.Usage, "\n", " ")
		if f.DefValue != "" && f.Value.Type() != "bool" {
			usage += " (default " + f.DefValue + ")"
		}
		b.WriteString("\n" + roffWrap(roffText(usage)) + "\n")
	})
	return b.String()
}

// roffExample is an Example block: its comments as text, its commands as
// lines left as they are.
func roffExample(example string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(example), "\n") {
		if comment, ok := strings.CutPrefix(line, "# "); ok {
			b.WriteString(".PP\n" + roffText(comment) + ":\n")
			continue
		}
		b.WriteString(".RS 4\n.nf\n" + roffText(line) + "\n.fi\n.RE\n")
	}
	return b.String()
}

// roffParagraphs is help text whose blank lines part paragraphs.
func roffParagraphs(s string) string {
	var b strings.Builder
	for i, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roffWrap(roffText(strings.ReplaceAll(p, "\n", " "))) + "\n")
	}
	return b.String()
}

// roffText escapes text for roff: backslashes and dashes, and a line that
// would start with a control character.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffWrap breaks roff text into lines of at most 72 bytes, where it can
// (roff fills them again).
func roffWrap(s string) string {
	var b strings.Builder
	width := 0
	for i, word := range strings.Fields(s) {
		switch {
		case i == 0:
		case width+1+len(word) > 72:
			b.WriteByte('\n')
			width = 0
		default:
			b.WriteByte(' ')
			width++
		}
		if width == 0 && (strings.HasPrefix(word, ".") || strings.HasPrefix(word, "'")) {
			word = `\&` + word
		}
		b.WriteString(word)
		width += len(word)
	}
	return b.String()
}
