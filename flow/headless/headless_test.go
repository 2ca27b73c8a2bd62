package headless

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/charmbracelet/x/ansi"
)

// headlessRig is a run with BASIQ_API_KEY set, no browser, on a fake Basiq.
type headlessRig struct {
	api            *flowtest.API
	cfg            flow.Config
	stdout, stderr bytes.Buffer
}

func newHeadless() *headlessRig {
	r := &headlessRig{api: flowtest.New()}
	r.api.Accounts = []basiq.Account{
		{ID: "acc-1", Name: "Transaction 14000", AccountNo: "600000-157000002", Currency: "AUD", Balance: "34076.00", AvailableFunds: "34076.00", Status: "available", Class: basiq.AccountClass{Type: "transaction"}},
		{ID: "acc-2", Name: "Credit Card 13000", AccountNo: "600000-157000001", Currency: "AUD", Balance: "-6081.50", AvailableFunds: "13918.50", Status: "available", Class: basiq.AccountClass{Type: "credit-card"}},
	}
	r.cfg = flow.Config{
		NewAPI: func(key string) (flow.API, error) {
			if key != flowtest.GoodKey {
				return &flowtest.API{AuthErr: flowtest.BadKey}, nil
			}
			return r.api, nil
		},
		Clock:   basiqtest.NewClock(),
		Jitter:  func() float64 { return 0.5 },
		EnvKey:  flowtest.GoodKey,
		Email:   "a@b.co",
		Timeout: 10 * time.Minute,
	}
	return r
}

func (r *headlessRig) run(t *testing.T, out Output) int {
	t.Helper()
	return Run(context.Background(), r.cfg, out, &r.stdout, &r.stderr)
}

func (r *headlessRig) watching(jobs ...basiq.Job) {
	r.cfg.JobIDs = []string{flowtest.JobID}
	r.api.Jobs[flowtest.JobID] = jobs
}

func TestJSONHasTheUserTheJobAndTheAccounts(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending),
		flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	if code := r.run(t, OutputJSON); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &r.stderr)
	}
	var doc struct {
		User     map[string]any   `json:"user"`
		Jobs     []map[string]any `json:"jobs"`
		Accounts []map[string]any `json:"accounts"`
	}
	if err := json.Unmarshal(r.stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, &r.stdout)
	}
	if doc.User["id"] != flowtest.UserID || len(doc.Jobs) != 1 || len(doc.Accounts) != 2 || doc.Accounts[1]["availableFunds"] != "13918.50" {
		t.Errorf("document = %+v", doc)
	}
	for _, want := range []string{"… Verifying credentials", "Key accepted", "2 accounts"} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, &r.stderr)
		}
	}
	if strings.Contains(r.stderr.String()+r.stdout.String(), flowtest.GoodKey) {
		t.Error("the API key was printed")
	}
	if n := r.api.Count("GET /users/" + flowtest.UserID + "/accounts"); n != 1 {
		t.Errorf("accounts fetched %d times headless, want once", n)
	}
}

func TestPlainTableIsAlignedAndHasNoEscapeCodes(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	if code := r.run(t, OutputTable); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &r.stderr)
	}
	out := r.stdout.String()
	if strings.Contains(out+r.stderr.String(), "\x1b") {
		t.Errorf("plain output has escape codes:\n%q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "-6081.50") || !strings.Contains(lines[1], "••0002") {
		t.Fatalf("table =\n%s", out)
	}
	if strings.Index(lines[1], "34076.00")+len("34076.00") != strings.Index(lines[2], "-6081.50")+len("-6081.50") {
		t.Errorf("balances are not right-aligned:\n%s", out)
	}
}

func TestMissingAnswersAreUsageErrorsThatNameTheFlag(t *testing.T) {
	cases := []struct {
		name   string
		change func(*flow.Config)
		want   string
	}{
		{"no user details", func(c *flow.Config) { c.Email = "" }, "--email"},
		{"bad email", func(c *flow.Config) { c.Email = "max@" }, "--email"},
		{"bad user id", func(c *flow.Config) { c.UserID = "nope" }, "--user-id"},
		{"no key", func(c *flow.Config) { c.EnvKey = "" }, "BASIQ_API_KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newHeadless()
			tc.change(&r.cfg)
			if code := r.run(t, OutputJSON); code != qs.ExitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(r.stderr.String(), tc.want) {
				t.Errorf("stderr does not name %s:\n%s", tc.want, &r.stderr)
			}
			if len(r.api.Calls()) != 0 {
				t.Errorf("calls made before the usage error: %q", r.api.Calls())
			}
		})
	}
}

func TestFailedJobExitsOneWithItsExplanationAndHowToGoOn(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Failed(flowtest.JobID, "invalid-credentials"))
	if code := r.run(t, OutputTable); code != qs.ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"Account is locked", "consent again", "Consent again for the same user: basiq-onboard --user-id " + flowtest.UserID} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, &r.stderr)
		}
	}
	if r.api.Count("GET /users/"+flowtest.UserID+"/accounts") != 0 || r.stdout.Len() != 0 {
		t.Errorf("after the failed job: calls %q, stdout %q", r.api.Calls(), &r.stdout)
	}
}

func TestUnknownJobIDExitsOneAndNothingRunsAfter(t *testing.T) {
	r := newHeadless()
	r.cfg.JobIDs = []string{flowtest.JobID} // the fake has no such job: 404
	if code := r.run(t, OutputJSON); code != qs.ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(r.stderr.String(), "Basiq has no job "+flowtest.JobID) {
		t.Errorf("stderr:\n%s", &r.stderr)
	}
	var doc qs.Result
	if err := json.Unmarshal(r.stdout.Bytes(), &doc); err != nil || len(doc.Jobs) != 0 || len(doc.Accounts) != 0 {
		t.Errorf("document %s: no made-up job, no accounts", &r.stdout)
	}
}

func TestWrongKeyExitsOne(t *testing.T) {
	r := newHeadless()
	r.cfg.EnvKey = "wrong"
	if code := r.run(t, OutputTable); code != qs.ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(r.stderr.String(), "did not recognise it") || len(r.api.Calls()) != 0 {
		t.Errorf("stderr:\n%s\ncalls %q", &r.stderr, r.api.Calls())
	}
}

func TestDemoWithNoBrowserConsentsAsTheSandboxPersona(t *testing.T) {
	r := newHeadless()
	r.cfg.EnvKey, r.cfg.Email, r.cfg.Demo = "", "", true // no --email: the demo makes its user up
	consentedAs := ""
	var made basiq.NewUser
	r.cfg.StartDemo = func() (flow.Demo, error) {
		return flow.Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home",
			AutoConsent: func(ctx context.Context, token, inst, login, _ string) ([]string, error) {
				consentedAs = login
				return []string{flowtest.JobID}, nil
			}}, nil
	}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	if code := r.run(t, OutputJSON); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &r.stderr)
	}
	var doc qs.Result
	_ = json.Unmarshal(r.stdout.Bytes(), &doc)
	made.Email = doc.User.Email
	if made.Email != qs.ExampleEmail {
		t.Errorf("the demo made %q, want the example user", made.Email)
	}
	if consentedAs != qs.SandboxPersona || !strings.Contains(r.stderr.String(), "--persona") {
		t.Errorf("consented as %q; stderr:\n%s\nwant the sandbox persona, and a word on --persona", consentedAs, &r.stderr)
	}
}

func TestEventsComeInTheOrderOfTheQuickstartAndEndWithDone(t *testing.T) {
	r := newHeadless()
	r.api.UserJobs = [][]basiq.Job{nil, {flowtest.Job(flowtest.JobID, basiq.StepPending, basiq.StepPending, basiq.StepPending)}}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{
		flowtest.Job(flowtest.JobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending),
		flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess),
	}
	if code := r.run(t, OutputEvents); code != 0 {
		t.Fatalf("exit %d\n%s", code, &r.stdout)
	}
	var kinds []string
	var last map[string]any
	sc := bufio.NewScanner(&r.stdout)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not one JSON object a line: %q", sc.Text())
		}
		if e["event"] != "progress" {
			kinds = append(kinds, e["event"].(string))
		}
		last = e
	}
	want := []string{"user", "consent_link", "job_step", "job_step", "job_step", "job_step", "accounts", "done"}
	if !slices.Equal(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	result, _ := last["result"].(map[string]any)
	if last["exit"] != 0.0 || result == nil || len(result["accounts"].([]any)) != 2 {
		t.Errorf("last event %v: done, exit 0, the --json result", last)
	}
	if r.stderr.Len() != 0 {
		t.Errorf("--events wrote to stderr:\n%s", &r.stderr)
	}
}

func TestDeleteUserAfterTheTimeoutEndsOnce(t *testing.T) {
	r := newHeadless()
	r.cfg.DeleteUser, r.cfg.Timeout = true, 5*time.Second
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)) // never ends
	if code := r.run(t, OutputJSON); code != qs.ExitFailed {
		t.Fatalf("exit %d\n%s", code, &r.stderr)
	}
	if n := r.api.Count("DELETE /users/" + flowtest.UserID); n != 1 || !strings.Contains(r.stderr.String(), "deleted") {
		t.Errorf("%d deletes; stderr:\n%s", n, &r.stderr)
	}
}

// TestThePlainTableIsAlignedInCellsWithWideCharacters: an account named
// 储蓄账户 (four characters, eight cells) keeps every balance in line; the
// table measures in cells, not runes.
func TestThePlainTableIsAlignedInCellsWithWideCharacters(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	r.api.Accounts[0].Name = "储蓄账户"
	if code := r.run(t, OutputTable); code != qs.ExitOK {
		t.Fatalf("exit %d:\n%s", code, &r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "储蓄账户") {
		t.Fatalf("the table:\n%s", &r.stdout)
	}
	end := func(line, cell string) int { // the cell where cell ends on the line
		i := strings.Index(line, cell)
		if i < 0 {
			t.Fatalf("%q lacks %q", line, cell)
		}
		return ansi.StringWidth(line[:i+len(cell)])
	}
	header, wide, plain := lines[0], lines[1], lines[2]
	if b := end(header, "Balance"); end(wide, "34076.00") != b || end(plain, "-6081.50") != b {
		t.Errorf("the balances do not end under Balance (column %d):\n%s", b, &r.stdout)
	}
	if s := strings.Index(header, "Type"); ansi.StringWidth(wide[:strings.Index(wide, "transaction")]) != ansi.StringWidth(header[:s]) {
		t.Errorf("the type after the wide name is not under Type:\n%s", &r.stdout)
	}
}
