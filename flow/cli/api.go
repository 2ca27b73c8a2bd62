package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// What every command that calls the API shares with the wizard: --api-url
// (else BASIQ_API_URL, else Basiq's own), the key from BASIQ_API_KEY, then
// the key saved for that API's origin, then a prompt on a terminal (never a
// flag), --debug's redacted trace, and one redactor for all it prints.

// apiOptions are the flags of a command that calls the API.
type apiOptions struct {
	apiURL    string
	debugFile string
	// traceFileOnly: the command has no request inspector (listen, which
	// runs for days), so its exchanges go to --debug's file only.
	traceFileOnly bool
}

// addAPIFlags gives cmd --api-url and --debug, as the wizard has them.
func addAPIFlags(cmd *cobra.Command, o *apiOptions) {
	fs := cmd.Flags()
	fs.StringVar(&o.apiURL, "api-url", "", "the Basiq API, or BASIQ_API_URL\n(default "+basiq.DefaultBaseURL+"; http on loopback)")
	fs.StringVar(&o.debugFile, "debug", "", "write a redacted trace of each HTTP exchange to FILE")
	describeValues(cmd, map[string]value{
		"api-url": {"URL", "a URL, e.g. --api-url http://127.0.0.1:8080"},
		"debug":   {"FILE", "a file to write, e.g. --debug trace.log"},
	})
	register(cmd, "api-url", cobra.NoFileCompletions)
}

// apiURL is the API the command line points at ("" for Basiq's own) and
// what named it, for a message.
func (o apiOptions) apiURLFrom(getenv func(string) string) (url, from string) {
	if o.apiURL != "" {
		return o.apiURL, "--api-url"
	}
	if u := getenv("BASIQ_API_URL"); u != "" {
		return u, "BASIQ_API_URL"
	}
	return "", ""
}

// clientClock times the client's waits between retries, and trigger's for
// a job's step: nil, the real clock; tests set one whose waits end at once
// (and give the simulator the same, so its jobs move with it).
var clientClock basiq.Clock

// commandClock is clientClock, or the real one.
func commandClock() basiq.Clock {
	if clientClock != nil {
		return clientClock
	}
	return basiq.RealClock{}
}

// apiConn is a command's way to the API.
type apiConn struct {
	client *basiq.Client
	url    string          // the API's base URL
	redact *basiq.Redactor // everything printed goes through it (but a webhook's secret, once)
	close  func()
}

// where names the API for a sentence: its host.
func (c *apiConn) where() string { return whereLabel(c.url) }

// ifNotFound is what to do next when Basiq answered a call 404: next then,
// "" for any other failure (whose own advice failCall gives).
func ifNotFound(err error, next string) string {
	if basiq.IsNotFound(err) {
		return next
	}
	return ""
}

// connect checks the command line's API, finds the key and makes the
// client. Bad usage (a URL refused, no key to be had, a --debug file that
// cannot be written) is a usageError; a key that cannot be read is said
// on stderr and code 1 set (ok false).
func (a *app) connect(cmd *cobra.Command, o apiOptions) (*apiConn, bool, error) {
	name := cmd.CommandPath()
	raw, from := o.apiURLFrom(a.getenv)
	if raw != "" {
		if err := basiq.CheckBaseURL(raw); err != nil {
			return nil, false, usageError{name, from + ": " + strings.TrimPrefix(err.Error(), "basiq: ")}
		}
	}
	apiURL := apiURLOf(options{apiURL: raw})
	var keys flow.KeyStore
	if store, err := openStore(); err == nil {
		keys = store
	}
	var prompt flow.Prompter
	if term.IsTerminal(a.stdin.Fd()) {
		prompt = flow.NewTerminalPrompter(a.stdin, a.stderr)
	}
	key, err := flow.KeyFor(cmd.Context(), apiURL, a.getenv("BASIQ_API_KEY"), keys, prompt)
	switch {
	case errors.Is(err, flow.ErrNoAPIKey):
		return nil, false, usageError{name, err.Error()}
	case err != nil && signalled(cmd.Context()) != 0:
		a.code = signalled(cmd.Context())
		return nil, false, nil
	case err != nil:
		a.fail(cmd, nil, "the API key cannot be read: "+err.Error())
		return nil, false, nil
	}
	traces, closeTrace, err := flow.NewTraceLog(o.debugFile)
	if err != nil {
		return nil, false, usageError{name, "--debug: " + err.Error()}
	}
	redact := basiq.NewRedactor()
	trace := traces.Add
	if o.traceFileOnly {
		trace = traces.WriteOnly
	}
	client, err := basiq.New(basiq.Config{APIKey: key, BaseURL: apiURL, UserAgent: userAgent(), Trace: trace, Redactor: redact, Clock: clientClock})
	if err != nil {
		closeTrace()
		return nil, false, usageError{name, "--api-url: " + strings.TrimPrefix(err.Error(), "basiq: ")}
	}
	return &apiConn{client: client, url: client.BaseURL(), redact: redact, close: closeTrace}, true, nil
}

// withAPI runs do with a connection to the command line's API, closed
// after; a usage problem (or a key that cannot be read) ends it first.
func (a *app) withAPI(cmd *cobra.Command, o apiOptions, do func(*apiConn) error) error {
	conn, ok, err := a.connect(cmd, o)
	if !ok {
		return err
	}
	defer conn.close()
	return do(conn)
}

// fail says on stderr why the command failed, the first line after the
// command's name, each line through the redactor (nil: the shapes of
// secrets only), and sets exit 1.
func (a *app) fail(cmd *cobra.Command, redact *basiq.Redactor, lines ...string) {
	w := a.stderr
	for i, line := range lines {
		if i == 0 {
			line = cmd.CommandPath() + ": " + line
		}
		fmt.Fprintln(w, redact.String(line))
	}
	a.code = qs.ExitFailed
}

// apiFailure is a failed call in words: what happened (Basiq's answer, its
// correlation id), what it means and what to do, from the one advice
// table, unless next says better what to do here.
func apiFailure(doing string, err error, next string) []string {
	var e *basiq.Error
	if !errors.As(err, &e) {
		return []string{doing + ": " + safe(err.Error())}
	}
	what := doing + ": " + safe(e.Answer())
	if e.CorrelationID != "" {
		what += " (correlation id " + safe(e.CorrelationID) + ")"
	}
	lines := []string{what}
	advice := basiq.AdviceFor(e.Code())
	switch {
	case basiq.IsNotBasiq(err):
		lines = append(lines, "That is not Basiq's API, nor the simulator's: check --api-url (or BASIQ_API_URL); Basiq's is "+basiq.DefaultBaseURL+".")
		return lines
	case basiq.IsBadAPIKey(err):
		lines = append(lines, "Basiq did not accept the API key (BASIQ_API_KEY, or the one saved for this API): check it in the Basiq dashboard, under API Keys.")
		return lines
	case basiq.IsNetwork(err):
		lines = append(lines, "No answer came: check the API's address (--api-url, BASIQ_API_URL) and the network, then try again.")
		return lines
	case e.Code() != "":
		lines = append(lines, advice.Meaning)
	}
	if next == "" {
		next = advice.Next
	}
	return append(lines, next)
}

// safe is a server's (or a user's) words made fit for the terminal: no
// escape sequence or control character, cut to a field's length.
func safe(s string) string { return text.Field(sanitized(s)) }

// sanitized is s without escape sequences or control characters, whole.
func sanitized(s string) string { return text.Safe(s) }

// printLines writes lines through the redactor.
func printLines(w io.Writer, redact *basiq.Redactor, lines ...string) {
	for _, line := range lines {
		fmt.Fprintln(w, redact.String(line))
	}
}
