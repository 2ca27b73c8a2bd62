package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

const verifyLong = `Check a delivery your handler captured: does its signature verify with the webhook's secret, and if not, why? It reads the delivery on stdin, either the raw HTTP request (as nc -l or a proxy shows it) or {"headers": {"name": "value", …}, "body": "<the exact body as a string>"}, and the secret from BASIQ_WEBHOOK_SECRET, --secret-file or --secret.

Exit 0 and "verified", or exit 1 and why: the body differs from what was signed (said plainly when it is the same JSON written again: a framework re-serialised it), a timestamp more than 5 minutes from now, a signature another secret made, headers missing. With --computed, the signature your code computed, it names your code's mistake: "v1," not stripped, "whsec_" not removed, the secret not base64-decoded, the wrong signed content, a hex digest.`

const verifyExamples = `# The secret in the environment, the capture on stdin
export BASIQ_WEBHOOK_SECRET=whsec_...
basiq-onboard webhooks verify < captured-request.txt
# And what your handler computed for it
basiq-onboard webhooks verify --computed 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' < captured.json
# listen's secret, from a file of your own
basiq-onboard listen --print-secret > secret.txt
basiq-onboard webhooks verify --secret-file secret.txt < captured-request.txt`

type verifyOptions struct {
	secretFile, secret, computed string
	json                         bool
}

func (a *app) webhooksVerifyCommand() *cobra.Command {
	var o verifyOptions
	cmd := a.flagsOnly(&cobra.Command{
		Use:     "verify",
		Short:   "Check a captured delivery's signature",
		Long:    verifyLong,
		Example: verifyExamples,
	}, func(cmd *cobra.Command) (int, error) { return a.runVerify(cmd, o) })
	fs := cmd.Flags()
	fs.StringVar(&o.secretFile, "secret-file", "", "read the webhook's secret from FILE\n(else BASIQ_WEBHOOK_SECRET)")
	fs.StringVar(&o.secret, "secret", "", "the webhook's secret (shows in ps: prefer\nBASIQ_WEBHOOK_SECRET or --secret-file)")
	fs.StringVar(&o.computed, "computed", "", "the signature your handler computed, to name its mistake")
	fs.BoolVar(&o.json, "json", false, "print the diagnosis as JSON on stdout")
	describeValues(cmd, map[string]value{
		"secret-file": {"FILE", "a file that holds the secret, e.g. --secret-file secret.txt"},
		"secret":      {"SECRET", "a webhook secret, e.g. --secret whsec_…"},
		"computed":    {"SIG", "a signature, e.g. --computed 'v1,g0hM9SsE…='"},
	})
	register(cmd, "secret", cobra.NoFileCompletions)
	register(cmd, "computed", cobra.NoFileCompletions)
	return cmd
}

// verifySecret is the secret verify checks with, from the one place given,
// and a warning for a secret given as a flag.
func verifySecret(name string, o verifyOptions, getenv func(string) string) (webhook.Secret, string, error) {
	var raw, from, warning string
	switch {
	case o.secretFile != "" && o.secret != "":
		return webhook.Secret{}, "", usageError{name, "--secret-file and --secret are two secrets; give one"}
	case o.secretFile != "":
		b, err := os.ReadFile(o.secretFile)
		if err != nil {
			return webhook.Secret{}, "", usageError{name, "--secret-file: " + err.Error()}
		}
		raw, from = string(b), "--secret-file "+o.secretFile
	case o.secret != "":
		raw, from = o.secret, "--secret"
		warning = name + ": warning: --secret shows in ps and your shell's history; BASIQ_WEBHOOK_SECRET or --secret-file keep it out of both"
	default:
		raw, from = getenv("BASIQ_WEBHOOK_SECRET"), "BASIQ_WEBHOOK_SECRET"
		if strings.TrimSpace(raw) == "" {
			return webhook.Secret{}, "", usageError{name, "no webhook secret: set BASIQ_WEBHOOK_SECRET (webhooks create showed it; listen --print-secret prints listen's), or give --secret-file FILE"}
		}
	}
	secret, err := webhook.ParseSecret(raw)
	if err != nil {
		return webhook.Secret{}, "", usageError{name, from + ": " + err.Error()}
	}
	return secret, warning, nil
}

func (a *app) runVerify(cmd *cobra.Command, o verifyOptions) (int, error) {
	name := cmd.CommandPath()
	secret, warning, err := verifySecret(name, o, a.getenv)
	if err != nil {
		return qs.ExitUsage, err
	}
	redact := basiq.NewRedactor()
	redact.Remember(secret.Reveal())
	if warning != "" {
		fmt.Fprintln(a.stderr, warning)
	}
	if term.IsTerminal(a.stdin.Fd()) {
		fmt.Fprintln(a.stderr, `Paste the captured delivery (the raw HTTP request, or {"headers": {…}, "body": "…"}), then ctrl+d on a line of its own.`)
	}
	data, err := readAll(cmd.Context(), io.LimitReader(a.stdin, webhook.MaxCapture+1))
	if c := signalled(cmd.Context()); c != 0 {
		return c, nil // ctrl+c while it waited for the paste
	}
	if err != nil {
		fmt.Fprintln(a.stderr, name+": the capture cannot be read:", err)
		return qs.ExitFailed, nil
	}
	capture, err := webhook.ParseCapture(data)
	if err != nil {
		printLines(a.stderr, redact, name+": "+err.Error())
		return qs.ExitFailed, nil
	}
	d := webhook.Diagnose(capture, secret, o.computed, time.Now())
	ok := d.Verified && (d.Computed == nil || d.Computed.Right && len(d.Computed.Mistakes) == 0)
	if o.json {
		if err := a.printJSON(&apiConn{redact: redact}, verifyJSON(d, ok)); err != nil {
			return qs.ExitFailed, err
		}
	} else {
		printLines(a.stdout, redact, d.Explain()...)
	}
	if !ok {
		return qs.ExitFailed, nil
	}
	return qs.ExitOK, nil
}

// verifyResult is verify's --json.
type verifyResult struct {
	OK          bool            `json:"ok"` // verified, and the computed signature (if given) right
	Verified    bool            `json:"verified"`
	Problem     webhook.Problem `json:"problem,omitempty"`
	Missing     []string        `json:"missing,omitempty"`
	SignatureOK bool            `json:"signatureOk"`
	Timestamp   string          `json:"timestamp,omitempty"`
	AgeSeconds  *int64          `json:"ageSeconds,omitempty"`
	Entries     int             `json:"entries"`
	SignedForm  string          `json:"signedForm,omitempty"`
	SameJSON    bool            `json:"sameJson,omitempty"`
	BodyAsJSON  bool            `json:"bodyAsJson,omitempty"`
	Computed    *computedResult `json:"computed,omitempty"`
	Explanation []string        `json:"explanation"`
}

type computedResult struct {
	Right         bool              `json:"right"`
	Mistakes      []webhook.Mistake `json:"mistakes"`
	SignedContent string            `json:"signedContent,omitempty"`
	Form          string            `json:"form,omitempty"`
}

func verifyJSON(d webhook.Diagnosis, ok bool) verifyResult {
	r := verifyResult{OK: ok, Verified: d.Verified, Problem: d.Problem, Missing: d.Missing, SignatureOK: d.SignatureOK,
		Entries: d.Entries, BodyAsJSON: d.BodyAsJSON, Explanation: d.Explain()}
	if !d.Timestamp.IsZero() {
		r.Timestamp = d.Timestamp.UTC().Format(time.RFC3339)
		age := int64(d.Age / time.Second)
		r.AgeSeconds = &age
	}
	if d.Signed != nil {
		r.SignedForm, r.SameJSON = d.Signed.Form, d.Signed.SameJSON
	}
	if c := d.Computed; c != nil {
		r.Computed = &computedResult{Right: c.Right, Mistakes: nonNil(c.Mistakes), SignedContent: c.SignedContent, Form: c.Form}
	}
	return r
}

// readAll reads r to its end, or until ctx ends (ctrl+c while a person
// pastes): the read is left behind, as the process is ending.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	type read struct {
		data []byte
		err  error
	}
	done := make(chan read, 1)
	go func() {
		data, err := io.ReadAll(r)
		done <- read{data, err}
	}()
	select {
	case got := <-done:
		return got.data, got.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}
