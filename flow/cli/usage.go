package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// usageError is a command line the program cannot run with: it exits 2,
// after one line that names the flag and says what it wants, and one that
// points at the command's --help.
type usageError struct {
	command string // "basiq-onboard" or "basiq-onboard simulator"
	msg     string
}

func (e usageError) Error() string { return e.msg }

// usageWithList is a usage error whose way forward is a list too long for
// its line (Basiq's 15 event types): a line of its own, between the
// message and the pointer to --help.
type usageWithList struct {
	usageError
	list string
}

func (e usageWithList) Unwrap() error { return e.usageError }

// A flag's value: its name in the man page (URL, FILE) and what it should
// be, for the message when it is missing or wrong.
type value struct{ name, want string }

// Annotations on a flag that hold its value's name and what it should be.
const (
	valueNameAnnotation = "basiq-onboard/value-name"
	expectsAnnotation   = "basiq-onboard/expects"
)

// describeValues notes, for each flag named, its value.
func describeValues(cmd *cobra.Command, values map[string]value) {
	for flag, v := range values {
		for annotation, text := range map[string]string{valueNameAnnotation: v.name, expectsAnnotation: v.want} {
			if err := cmd.Flags().SetAnnotation(flag, annotation, []string{text}); err != nil {
				panic(err) // a flag renamed without its entry here: a bug the tests meet at once
			}
		}
	}
}

// valueName is what the man page calls a flag's value ("" for a switch).
func valueName(f *pflag.Flag) string {
	if n := f.Annotations[valueNameAnnotation]; len(n) > 0 {
		return n[0]
	}
	if f.Value.Type() == "bool" {
		return ""
	}
	return strings.ToUpper(f.Value.Type())
}

// flagError turns pflag's words into ours: which flag, what it wants, and
// the flag the user may have meant.
func flagError(cmd *cobra.Command, err error) error {
	name := cmd.CommandPath()
	var (
		notExist *pflag.NotExistError
		missing  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &missing):
		f := missing.GetFlag()
		return usageError{name, "--" + f.Name + " needs a value: " + wanted(f)}
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		if f.Value.Type() == "bool" {
			return usageError{name, "--" + f.Name + " takes no value (or =true, =false), not " + quote(invalid.GetValue())}
		}
		return usageError{name, "--" + f.Name + " " + quote(invalid.GetValue()) + " is not " + wanted(f)}
	case errors.As(err, &notExist):
		return usageError{name, unknownFlag(cmd, notExist)}
	}
	return usageError{name, err.Error()}
}

// wanted is what a flag's value should be, from its annotation or its type.
func wanted(f *pflag.Flag) string {
	if w := f.Annotations[expectsAnnotation]; len(w) > 0 {
		return w[0]
	}
	switch f.Value.Type() {
	case "duration":
		return "a duration, e.g. --" + f.Name + " 10m"
	case "int":
		return "a whole number"
	}
	return "a value"
}

// unknownFlag says which flag is not known, and what the user may have
// meant: the flag with two dashes, one of the same command spelled nearly
// so, or the one of another command.
func unknownFlag(cmd *cobra.Command, e *pflag.NotExistError) string {
	if short := e.GetSpecifiedShortnames(); short != "" {
		if cmd.Flags().Lookup(short) != nil {
			return "-" + short + ": a long flag takes two dashes: --" + short
		}
		var shorts []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Shorthand != "" {
				shorts = append(shorts, "-"+f.Shorthand)
			}
		})
		if len(shorts) == 1 {
			return "-" + short + " is not a flag of " + cmd.Name() + ": its only short one is " + shorts[0] + ", the others start with --"
		}
		return "-" + short + " is not a flag of " + cmd.Name() + ": its short ones are " + joinAnd(shorts) + ", the others start with --"
	}
	given := e.GetSpecifiedName()
	if other := flagOfAnother(cmd, given); other != nil {
		return "--" + given + " is " + other.CommandPath() + "'s flag, not " + cmd.Name() + "'s"
	}
	if near := nearestFlag(cmd, given); near != "" {
		return "unknown flag --" + given + "; did you mean --" + near + "?"
	}
	return "unknown flag --" + given + " (not one of " + cmd.CommandPath() + "'s)"
}

// flagOfAnother is the command (the root or another subcommand) that has
// the flag name where cmd does not.
func flagOfAnother(cmd *cobra.Command, name string) *cobra.Command {
	root := cmd.Root()
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		if c != cmd && c.Flags().Lookup(name) != nil && name != "help" {
			return c
		}
	}
	return nil
}

// nearestFlag is the command's flag spelled nearest to name, within two
// edits or as its start, "" if none is.
func nearestFlag(cmd *cobra.Command, name string) string {
	best, bestDist := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		d := webhook.EditDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = 1
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// cobraUsage recognises the usage errors of the commands cobra adds itself
// (completion's), which carry no type.
func cobraUsage(err error) bool {
	for _, prefix := range []string{"unknown command", "unknown flag", "invalid argument", "accepts ", "requires ", "flag needs"} {
		if strings.HasPrefix(err.Error(), prefix) {
			return true
		}
	}
	return false
}

// printError is fang's error handler: at most two lines on stderr, styled
// in a terminal and plain elsewhere (fang's writer drops what the terminal,
// or NO_COLOR, does not take).
func (a *app) printError(w io.Writer, _ fang.Styles, err error) {
	st := theme.New(a.isDark)
	var u usageError
	var listed usageWithList
	switch {
	case errors.As(err, &listed):
		fmt.Fprintln(w, st.Error.Bold(true).Render(listed.command+":"), oneLine(listed.msg))
		fmt.Fprintln(w, oneLine(listed.list))
		printHelpHint(w, st, listed.command)
		return
	case errors.As(err, &u):
	case cobraUsage(err):
		u = usageError{"basiq-onboard", firstLine(err.Error())}
	default:
		fmt.Fprintln(w, st.Error.Bold(true).Render("basiq-onboard:"), oneLine(err.Error()))
		return
	}
	fmt.Fprintln(w, st.Error.Bold(true).Render(u.command+":"), oneLine(u.msg))
	printHelpHint(w, st, u.command)
}

// printHelpHint is a usage error's last line: where the flags are.
func printHelpHint(w io.Writer, st *theme.Styles, command string) {
	fmt.Fprintln(w, st.Muted.Render("See")+" "+st.Code.Render(command+" --help")+" "+st.Muted.Render("for the flags and examples."))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// oneLine keeps a message on its line: a newline inside it would break the
// two-line promise.
func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

// quote is a user's word in a message: Go-quoted, so nothing in it is hidden.
func quote(s string) string { return strconv.Quote(s) }

// joinAnd lists words for a sentence: "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
