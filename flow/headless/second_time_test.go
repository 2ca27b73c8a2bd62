package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// Issue 19's headless items, each test named after its item.

// problemFields are the fields --events' problem lines and --json's problem share.
var problemFields = []string{"code", "what", "meaning", "next", "correlation_id", "title", "detail"}

func TestItem9JSONAfterAFailureHasTheProblemWithBasiqsWords(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Failed(flowtest.JobID, "invalid-credentials"))
	if code := r.run(t, OutputJSON); code != qs.ExitFailed {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Problem map[string]any `json:"problem"`
	}
	if err := json.Unmarshal(r.stdout.Bytes(), &doc); err != nil || doc.Problem == nil {
		t.Fatalf("no problem in the document (%v):\n%s", err, &r.stdout)
	}
	for _, f := range problemFields {
		if _, ok := doc.Problem[f]; !ok {
			t.Errorf("the problem lacks %q: %v", f, doc.Problem)
		}
	}
	if doc.Problem["code"] != "invalid-credentials" || doc.Problem["title"] != "Cannot login to target institution" || doc.Problem["detail"] != "Account is locked." {
		t.Errorf("problem %v", doc.Problem)
	}
	// A run that went well has none.
	ok := newHeadless()
	ok.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	ok.run(t, OutputJSON)
	if strings.Contains(ok.stdout.String(), `"problem"`) {
		t.Errorf("a good run's document has a problem:\n%s", &ok.stdout)
	}
}

func TestItem9EventsProblemLinesHaveTitleAndDetailAndKeepWhat(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Failed(flowtest.JobID, "invalid-credentials"))
	r.run(t, OutputEvents)
	var problem, done map[string]any
	for sc := bufio.NewScanner(&r.stdout); sc.Scan(); {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		switch e["event"] {
		case "problem":
			problem = e
		case "done":
			done = e
		}
	}
	if problem == nil || done == nil {
		t.Fatalf("no problem or done line:\n%s", &r.stdout)
	}
	for _, f := range problemFields {
		if _, ok := problem[f]; !ok {
			t.Errorf("the problem line lacks %q: %v", f, problem)
		}
	}
	if problem["title"] != "Cannot login to target institution" || problem["detail"] != "Account is locked." || !strings.Contains(problem["what"].(string), "Account is locked") {
		t.Errorf("problem line %v", problem)
	}
	result := done["result"].(map[string]any)
	if p, _ := result["problem"].(map[string]any); p["what"] != problem["what"] || p["code"] != problem["code"] {
		t.Errorf("the last line's result has problem %v, the problem line %v", p, problem)
	}
}

func TestItem9APlainTimeoutNamesItsLastCause(t *testing.T) {
	r := newHeadless()
	r.cfg.Timeout = 20 * time.Second
	r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	html := &basiq.Error{Status: 502, Method: "GET", Path: "/jobs/" + flowtest.JobID, Body: "an HTML page instead of JSON (a proxy or gateway answered)"}
	for range 40 {
		r.api.JobErrs[flowtest.JobID] = append(r.api.JobErrs[flowtest.JobID], html)
	}
	if code := r.run(t, OutputTable); code != qs.ExitFailed {
		t.Fatalf("exit %d\n%s", code, &r.stderr)
	}
	lines := strings.Split(r.stderr.String(), "\n")
	var after []string
	for i, l := range lines {
		if strings.Contains(l, "(--timeout)") {
			after = lines[i:]
		}
	}
	if !strings.Contains(strings.Join(after, "\n"), "Basiq's last answer: 502 with an HTML page") {
		t.Errorf("the timeout does not name the 502 page:\n%s", &r.stderr)
	}
}

func TestItem6AFailedHeadlessDemoAdvisesANewDemoNotItsDeadUser(t *testing.T) {
	r := newHeadless()
	r.cfg.EnvKey, r.cfg.Demo, r.cfg.Persona = "", true, "bighead"
	r.cfg.StartDemo = func() (flow.Demo, error) {
		return flow.Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home",
			AutoConsent: func(ctx context.Context, token, inst, login, connectionID string) ([]string, error) {
				return []string{flowtest.JobID}, nil
			}}, nil
	}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Failed(flowtest.JobID, "invalid-credentials")}
	if code := r.run(t, OutputTable); code != qs.ExitFailed {
		t.Fatalf("exit %d", code)
	}
	if err := r.stderr.String(); strings.Contains(err, "--user-id") || !strings.Contains(err, "basiq-onboard --demo") {
		t.Errorf("after a failed demo:\n%s\nwant a new demo, no --user-id of a user that went with the simulator", err)
	}
}

func TestItem17PlainLinesSayAFailedStepsReasonOnce(t *testing.T) {
	r := newHeadless()
	r.watching(flowtest.Failed(flowtest.JobID, "invalid-credentials"))
	r.run(t, OutputTable)
	out := r.stderr.String()
	if n := strings.Count(out, "Account is locked"); n != 1 {
		t.Errorf("the reason is said %d times:\n%s", n, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Count(line, "failed") > 1 {
			t.Errorf("a line says failed twice: %q", line)
		}
	}
	if !strings.Contains(out, "✗ Verifying credentials") {
		t.Errorf("the failed step is not named:\n%s", out)
	}
}

// Issue 19 item 18: the exported files go through every consent of the
// session: here Hooli, then another bank (Pied Piper, with its question).
func TestItem18TheExportedFilesConnectEveryBankTheSessionDid(t *testing.T) {
	bash := requireScriptTools(t)
	b := newSimBasiq(t)
	facts := flow.ScriptFacts{APIURL: b.base, ConsentURL: b.srv.ConsentBase(), NewUser: basiq.NewUser{Email: "max@example.com"}, TimeoutSeconds: 60,
		Consents: []qs.BankConsent{{Bank: "Hooli Bank"}, {Action: basiq.ConsentConnect, Bank: "Pied Piper Bank"}}}
	script := filepath.Join(t.TempDir(), "quickstart.sh")
	if _, err := flow.ExportScript(facts, script); err != nil {
		t.Fatal(err)
	}
	person := func(ctx context.Context, link *url.URL) error {
		login := qs.SandboxPersona
		password, _ := simulator.Persona(login)
		bank := qs.SandboxInstitution
		var opts []simulator.ConsentOption
		if link.Query().Get("action") == basiq.ConsentConnect {
			answers, _ := simulator.PersonaMFA(login)
			bank, opts = flowtest.PiedPiper, append(opts, simulator.MFAResponse(answers...))
		}
		_, err := b.srv.CompleteConsent(ctx, link.Query().Get("token"), bank, login, password, opts...)
		return err
	}
	env := []string{"BASIQ_API_KEY=" + simulator.DemoAPIKey, "BASIQ_POLL_SECONDS=0.01"}
	for _, form := range []struct{ name, path string }{{"script", bash}, {"program", buildProgram(t, qs.ProgramPathFor(script))}} {
		var args []string
		if form.name == "script" {
			args = []string{script}
		}
		stdout, stderr, err := b.runConsenting(t, person, form.path, args, env...)
		if err != nil {
			t.Fatalf("the %s: %v\n%s", form.name, err, stderr)
		}
		if !strings.Contains(stderr, "connect Hooli Bank") || !strings.Contains(stderr, "connect another bank, Pied Piper Bank") {
			t.Errorf("the %s does not name the banks:\n%s", form.name, stderr)
		}
		userID := regexp.MustCompile(`User (\S+)`).FindStringSubmatch(stderr)
		if userID == nil {
			t.Fatalf("the %s named no user:\n%s", form.name, stderr)
		}
		accts, err := b.client(t).ListAccounts(context.Background(), userID[1])
		if err != nil {
			t.Fatal(err)
		}
		banks := map[string]bool{}
		for _, a := range accts {
			banks[a.Institution] = true
		}
		if !banks[qs.SandboxInstitution] || !banks[flowtest.PiedPiper] || len(outputLines(stdout)) != len(accts) {
			t.Errorf("the %s connected %v and printed %d accounts of %d:\n%s", form.name, banks, len(outputLines(stdout)), len(accts), stdout)
		}
	}
}
