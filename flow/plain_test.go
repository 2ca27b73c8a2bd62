package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

func plainRig() (*rig, *bytes.Buffer, *bytes.Buffer) {
	r := newRig()
	r.cfg.EnvKey = goodKey
	r.cfg.OpenBrowser = nil
	r.api.accounts = []basiq.Account{
		{ID: "acc-1", Name: "Transaction 14000", AccountNo: "600000-157000002", Currency: "AUD", Balance: "34076.00", AvailableFunds: "34076.00", Status: "available", Class: basiq.AccountClass{Type: "transaction"}},
		{ID: "acc-2", Name: "Credit Card 13000", AccountNo: "600000-157000001", Currency: "AUD", Balance: "-6081.50", AvailableFunds: "13918.50", Status: "available", Class: basiq.AccountClass{Type: "credit-card"}},
	}
	return r, &bytes.Buffer{}, &bytes.Buffer{}
}

func TestPlainJSONHasTheUserTheJobAndTheAccounts(t *testing.T) {
	r, stdout, stderr := plainRig()
	r.cfg.Email = "a@b.co"
	r.cfg.JobIDs = []string{testJobID}
	r.api.jobs[testJobID] = []basiq.Job{
		job(testJobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending),
		job(testJobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess),
	}
	if code := RunPlain(context.Background(), r.cfg, stdout, stderr, true); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var doc struct {
		User     map[string]any   `json:"user"`
		Jobs     []map[string]any `json:"jobs"`
		Accounts []map[string]any `json:"accounts"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if doc.User["id"] != testUserID || len(doc.Jobs) != 1 || len(doc.Accounts) != 2 || doc.Accounts[1]["availableFunds"] != "13918.50" {
		t.Errorf("document = %+v", doc)
	}
	for _, want := range []string{"Verifying credentials", "Key accepted", "2 accounts"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr.String(), goodKey) || strings.Contains(stdout.String(), goodKey) {
		t.Error("the API key was printed")
	}
}

func TestPlainTableHasNoEscapeCodes(t *testing.T) {
	r, stdout, stderr := plainRig()
	r.cfg.Email = "a@b.co"
	r.cfg.JobIDs = []string{testJobID}
	r.api.jobs[testJobID] = []basiq.Job{job(testJobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	if code := RunPlain(context.Background(), r.cfg, stdout, stderr, false); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	out := stdout.String()
	if strings.Contains(out+stderr.String(), "\x1b") {
		t.Errorf("plain output has escape codes:\n%q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "-6081.50") || !strings.Contains(lines[1], "••0002") {
		t.Errorf("table =\n%s", out)
	}
	// Balances are right-aligned: they end in the same column.
	if strings.Index(lines[1], "34076.00")+len("34076.00") != strings.Index(lines[2], "-6081.50")+len("-6081.50") {
		t.Errorf("balances are not right-aligned:\n%s", out)
	}
}

func TestPlainMissingAnswersAreUsageErrorsThatNameTheFlag(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no user details", func(c *Config) {}, "--email"},
		{"bad email", func(c *Config) { c.Email = "max@" }, "--email"},
		{"bad user id", func(c *Config) { c.UserID = "nope" }, "--user-id"},
		{"no key", func(c *Config) { c.EnvKey = ""; c.Keys = nil; c.Email = "a@b.co" }, "BASIQ_API_KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, stdout, stderr := plainRig()
			tc.change(&r.cfg)
			if code := RunPlain(context.Background(), r.cfg, stdout, stderr, true); code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr does not name %s:\n%s", tc.want, stderr)
			}
			if len(r.api.Calls()) != 0 {
				t.Errorf("calls made before the usage error: %q", r.api.Calls())
			}
		})
	}
}

func TestPlainFailedJobExitsOneWithItsExplanation(t *testing.T) {
	r, stdout, stderr := plainRig()
	r.cfg.Email = "a@b.co"
	r.cfg.JobIDs = []string{testJobID}
	failed := job(testJobID, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	failed.Steps[0].Result = &basiq.StepResult{Code: "invalid-credentials", Title: "Cannot login to target institution using supplied credentials", Detail: "Account is locked"}
	r.api.jobs[testJobID] = []basiq.Job{failed}
	if code := RunPlain(context.Background(), r.cfg, stdout, stderr, false); code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"Account is locked", "consent again"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestPlainWrongKeyExitsOne(t *testing.T) {
	r, stdout, stderr := plainRig()
	r.cfg.EnvKey = "wrong"
	r.cfg.Email = "a@b.co"
	if code := RunPlain(context.Background(), r.cfg, stdout, stderr, false); code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "did not recognise this key") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func TestPlainDemoWithNoBrowserConsentsAsTheSandboxPersona(t *testing.T) {
	r, stdout, stderr := plainRig()     // plainRig has no browser
	r.cfg.EnvKey, r.cfg.Demo = "", true // and no --email: the demo makes its user up
	consentedAs := ""
	r.cfg.StartDemo = func() (Demo, error) {
		return Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home",
			AutoConsent: func(ctx context.Context, token, inst, login string) ([]string, error) {
				consentedAs = login
				return []string{testJobID}, nil
			}}, nil
	}
	r.api.jobs[testJobID] = []basiq.Job{job(testJobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	if code := RunPlain(context.Background(), r.cfg, stdout, stderr, true); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !slices.Contains(r.api.Calls(), "POST /users "+user.ExampleEmail) {
		t.Errorf("the demo made %q, want the example user created", r.api.Calls())
	}
	if consentedAs != sandboxPersona || !strings.Contains(stderr.String(), "--persona") {
		t.Errorf("consented as %q; stderr:\n%s\nwant the sandbox persona, and a word on --persona", consentedAs, stderr)
	}
}
