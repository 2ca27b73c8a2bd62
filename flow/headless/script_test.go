package headless

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

var update = flag.Bool("update", false, "rewrite README's generated quickstart")

// simBasiq is the simulator in this process, and a client on it that notes
// every token /token hands out, so a test can search files for them.
type simBasiq struct {
	srv       *simulator.Server
	base      string
	transport *http.Transport

	mu     sync.Mutex
	tokens []string
}

func newSimBasiq(t *testing.T) *simBasiq {
	t.Helper()
	srv := simulator.New(simulator.Options{}) // every job step is done at once
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &simBasiq{srv: srv, base: base, transport: &http.Transport{}}
	t.Cleanup(func() {
		b.transport.CloseIdleConnections()
		srv.Close()
	})
	return b
}

// RoundTrip sends req, keeping the access_token of a /token answer.
func (b *simBasiq) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.transport.RoundTrip(req)
	if err != nil || req.URL.Path != "/token" {
		return resp, err
	}
	token, err := flowtest.AccessToken(resp)
	if err != nil {
		return nil, err
	}
	if token != "" {
		b.mu.Lock()
		b.tokens = append(b.tokens, token)
		b.mu.Unlock()
	}
	return resp, nil
}

func (b *simBasiq) client(t *testing.T) *basiq.Client {
	t.Helper()
	c, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: b.base, HTTPClient: &http.Client{Transport: b}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// consent does what a person does on the consent page: log in at Hooli.
func (b *simBasiq) consent(ctx context.Context, clientToken, login string) ([]string, error) {
	password, _ := simulator.Persona(login)
	return b.srv.CompleteConsent(ctx, clientToken, qs.SandboxInstitution, login, password)
}

// demoSession runs the headless demo on this simulator, as --demo does with
// its own, saving the session as a script at scriptPath. It returns the
// accounts the session showed, one line each as the script prints them.
func (b *simBasiq) demoSession(t *testing.T, scriptPath string) []string {
	t.Helper()
	return b.session(t, flow.Config{
		Demo:    true,
		Persona: qs.SandboxPersona,
		StartDemo: func() (flow.Demo, error) {
			return flow.Demo{API: b.client(t), APIURL: b.base, ConsentBase: b.srv.ConsentBase(),
				AutoConsent: func(ctx context.Context, token, _, login, _ string) ([]string, error) {
					return b.consent(ctx, token, login)
				}}, nil
		},
		ExportScript: scriptPath,
	})
}

// existingUserSession makes a user with a connection at Hooli, then runs a
// headless session on it (--api-url, --consent-url, --user-id, --job-id) as
// with the standalone simulator. It returns the user and the accounts.
func (b *simBasiq) existingUserSession(t *testing.T, scriptPath string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	c := b.client(t)
	userID, jobID := flowtest.ConsentedUser(t, ctx, c, b.srv, "gavin@example.com")
	return userID, b.session(t, flow.Config{
		NewAPI:       func(string) (flow.API, error) { return b.client(t), nil },
		EnvKey:       simulator.DemoAPIKey,
		APIURL:       b.base,
		ConsentBase:  b.srv.ConsentBase(),
		UserID:       userID,
		JobIDs:       []string{jobID},
		ExportScript: scriptPath,
	})
}

func (b *simBasiq) session(t *testing.T, cfg flow.Config) []string {
	t.Helper()
	cfg.Clock, cfg.Jitter, cfg.Timeout = basiqtest.NewClock(), func() float64 { return 0.5 }, time.Minute
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), cfg, OutputJSON, &stdout, &stderr); code != qs.ExitOK {
		t.Fatalf("the session ended with exit %d:\n%s", code, &stderr)
	}
	var result qs.Result
	if err := json.Unmarshal(stdout.Bytes(), &result); err != nil || len(result.Accounts) == 0 {
		t.Fatalf("the session showed no accounts (%v):\n%s", err, &stdout)
	}
	var lines []string
	for _, a := range result.Accounts {
		lines = append(lines, strings.Join([]string{a.Name, a.AccountNo, a.Balance, a.AvailableFunds, a.Currency}, "\t"))
	}
	return lines
}

// runAsPerson runs an exported script or program as a person would: when it
// prints the consent link, logs in on the consent page as login (none: the
// person never consents). It returns stdout, stderr and how it exited.
func (b *simBasiq) runAsPerson(t *testing.T, login string, name string, args []string, env ...string) (string, string, error) {
	t.Helper()
	if login == "" {
		return b.runConsenting(t, nil, name, args, env...)
	}
	return b.runConsenting(t, func(ctx context.Context, link *url.URL) error {
		_, err := b.consent(ctx, link.Query().Get("token"), login)
		return err
	}, name, args, env...)
}

// runConsenting runs an exported script or program, doing what consent (nil:
// nothing) does with each consent link it prints.
func (b *simBasiq) runConsenting(t *testing.T, consent func(context.Context, *url.URL) error, name string, args []string, env ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a script that never ends fails, not hangs
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(withoutBasiqEnv(), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	lines := bufio.NewScanner(errPipe)
	for lines.Scan() {
		line := lines.Text()
		stderr.WriteString(line + "\n")
		link, err := url.Parse(line)
		if err != nil || consent == nil || link.Query().Get("token") == "" {
			continue
		}
		if err := consent(ctx, link); err != nil {
			t.Errorf("consent at %s: %v", link.Host, err)
		}
	}
	err = cmd.Wait()
	return stdout.String(), stderr.String(), err
}

// withoutBasiqEnv is this process's environment less any BASIQ_ variable, so
// a developer's own key or URL cannot reach a test run.
func withoutBasiqEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BASIQ_") {
			env = append(env, kv)
		}
	}
	return env
}

// requireScriptTools are what the exported bash script runs.
func requireScriptTools(t *testing.T) string {
	t.Helper()
	bash := flowtest.RequireProgram(t, "bash", "bash")
	flowtest.RequireProgram(t, "curl", "curl")
	flowtest.RequireProgram(t, "jq", "jq")
	return bash
}

// buildProgram vets and builds the exported Go program as its reader would,
// with nothing but the Go toolchain, and returns the binary.
func buildProgram(t *testing.T, src string) string {
	t.Helper()
	goTool := flowtest.RequireProgram(t, "go", "golang-go")
	bin := filepath.Join(t.TempDir(), "quickstart")
	for _, args := range [][]string{{"vet", filepath.Base(src)}, {"build", "-o", bin, filepath.Base(src)}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = filepath.Dir(src) // no go.mod there: the standard library only
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", args[0], err, out)
		}
	}
	return bin
}

// simulatorEnv points an exported file at this simulator, polling fast.
func (b *simBasiq) simulatorEnv() []string {
	return []string{"BASIQ_API_KEY=" + simulator.DemoAPIKey, "BASIQ_API_URL=" + b.base,
		"BASIQ_CONSENT_URL=" + b.srv.ConsentBase(), "BASIQ_POLL_SECONDS=0.01"}
}

func outputLines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

func TestTheExportedScriptAndProgramGetTheSessionsAccountsFromTheSimulator(t *testing.T) {
	bash := requireScriptTools(t)
	b := newSimBasiq(t)
	script := filepath.Join(t.TempDir(), "quickstart.sh")
	want := b.demoSession(t, script)

	// The demo's files point at Basiq: the environment points them here, the files unchanged.
	stdout, stderr, err := b.runAsPerson(t, qs.SandboxPersona, bash, []string{script}, b.simulatorEnv()...)
	if err != nil {
		t.Fatalf("bash %s: %v\n%s", script, err, stderr)
	}
	if got := outputLines(stdout); !slices.Equal(got, want) {
		t.Errorf("the script's accounts:\n%q\nthe session's:\n%q", got, want)
	}
	for _, step := range []string{"verify-credentials: success", "retrieve-accounts: success", "Job "} {
		if !strings.Contains(stderr, step) {
			t.Errorf("the script's progress lacks %q:\n%s", step, stderr)
		}
	}

	program := buildProgram(t, qs.ProgramPathFor(script))
	stdout, stderr, err = b.runAsPerson(t, qs.SandboxPersona, program, nil, b.simulatorEnv()...)
	if err != nil {
		t.Fatalf("the Go program: %v\n%s", err, stderr)
	}
	if got := outputLines(stdout); !slices.Equal(got, want) {
		t.Errorf("the program's accounts:\n%q\nthe session's:\n%q", got, want)
	}
}

func TestForAnExistingUserTheFilesReuseItAndDefaultToTheSessionsURLs(t *testing.T) {
	bash := requireScriptTools(t)
	b := newSimBasiq(t)
	script := filepath.Join(t.TempDir(), "quickstart.sh")
	userID, want := b.existingUserSession(t, script)
	slices.Sort(want)
	// Only the key and the pace come from the environment: the URLs are the session's.
	env := []string{"BASIQ_API_KEY=" + simulator.DemoAPIKey, "BASIQ_POLL_SECONDS=0.01"}
	for _, form := range []struct{ name, path string }{{"script", bash}, {"program", buildProgram(t, qs.ProgramPathFor(script))}} {
		var args []string
		if form.name == "script" {
			args = []string{script}
		}
		stdout, stderr, err := b.runAsPerson(t, qs.SandboxPersona, form.path, args, env...)
		if err != nil {
			t.Fatalf("the %s: %v\n%s", form.name, err, stderr)
		}
		if !strings.Contains(stderr, "User "+userID) {
			t.Errorf("the %s did not use the session's user %s:\n%s", form.name, userID, stderr)
		}
		// The user has one more connection to the same bank each run: the same accounts again.
		got := slices.Compact(slices.Sorted(slices.Values(outputLines(stdout))))
		if !slices.Equal(got, want) {
			t.Errorf("the %s's accounts:\n%q\nthe session's:\n%q", form.name, got, want)
		}
	}
}

func TestTheExportedFilesStopWithBasiqsWords(t *testing.T) {
	bash := requireScriptTools(t)
	b := newSimBasiq(t)
	script := filepath.Join(t.TempDir(), "quickstart.sh")
	facts := flow.ScriptFacts{APIURL: b.base, ConsentURL: b.srv.ConsentBase(), NewUser: basiq.NewUser{Email: "a@b.co"}}
	if _, err := flow.ExportScript(facts, script); err != nil {
		t.Fatal(err)
	}
	program := buildProgram(t, qs.ProgramPathFor(script))
	cases := []struct {
		what, login, key, timeout, want string
	}{
		{"an unknown key", "", "bm90LWEta2V5", "60", "Basiq answered 404: We have encountered an error: Unable to authenticate. Please, check your API key (correlation id "},
		{"a bank login that fails", "bighead", simulator.DemoAPIKey, "60", "verify-credentials failed: Cannot login to target institution, check credentials.: Account is locked"},
		{"no consent in time", "", simulator.DemoAPIKey, "0", "did consent finish?"},
	}
	for _, c := range cases {
		env := []string{"BASIQ_API_KEY=" + c.key, "BASIQ_POLL_SECONDS=0.01", "BASIQ_TIMEOUT_SECONDS=" + c.timeout}
		for name, run := range map[string][]string{"script": {bash, script}, "program": {program}} {
			stdout, stderr, err := b.runAsPerson(t, c.login, run[0], run[1:], env...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Errorf("%s, the %s: %v, stderr:\n%s\nwant exit 1 and %q", c.what, name, err, stderr, c.want)
			}
		}
	}
}

// jwt is what a Basiq token looks like: a base64 JSON header, then a dot.
var jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.`)

func TestTheExportedFilesHoldNoKeyAndNoToken(t *testing.T) {
	b := newSimBasiq(t)
	dir := t.TempDir()
	demo := filepath.Join(dir, "demo.sh")
	b.demoSession(t, demo)
	existing := filepath.Join(dir, "existing.sh")
	b.existingUserSession(t, existing)
	b.mu.Lock()
	secrets := append([]string{simulator.DemoAPIKey}, b.tokens...)
	b.mu.Unlock()
	if len(secrets) < 5 {
		t.Fatalf("only %d secrets seen: the sessions should have minted server and client tokens", len(secrets))
	}
	for _, path := range []string{demo, qs.ProgramPathFor(demo), existing, qs.ProgramPathFor(existing)} {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range secrets {
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("%s holds a secret (%.12s…)", filepath.Base(path), secret)
			}
		}
		if m := jwt.Find(body); m != nil {
			t.Errorf("%s holds something like a token: %s", filepath.Base(path), m)
		}
		if !bytes.Contains(body, []byte("BASIQ_API_KEY")) {
			t.Errorf("%s does not take the key from $BASIQ_API_KEY", filepath.Base(path))
		}
		if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 0600", filepath.Base(path), info.Mode().Perm())
		}
	}
}

func TestAnExportNeverWritesOverAFileNorThroughALink(t *testing.T) {
	dir := t.TempDir()
	facts := flow.ReadmeScriptFacts()
	script := filepath.Join(dir, "quickstart.sh")
	if err := os.WriteFile(script, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.ExportScript(facts, script); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("an existing file: %v", err)
	}
	if b, _ := os.ReadFile(script); string(b) != "mine" {
		t.Errorf("the existing file was changed: %q", b)
	}

	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.sh")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.ExportScript(facts, link); err == nil {
		t.Error("an export went through a symbolic link")
	}
	if b, _ := os.ReadFile(target); string(b) != "mine" {
		t.Errorf("the link's target was changed: %q", b)
	}

	// The Go program's name is taken: neither file is left.
	taken := filepath.Join(dir, "taken.sh")
	if err := os.WriteFile(qs.ProgramPathFor(taken), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.ExportScript(facts, taken); err == nil {
		t.Error("an export wrote over the Go program's file")
	}
	if _, err := os.Lstat(taken); !errors.Is(err, os.ErrNotExist) {
		t.Error("half an export was left: the script without its program")
	}
	for _, p := range []string{script, link, taken, filepath.Join(dir, "x.go")} {
		if flow.CheckScriptPath(p) == nil {
			t.Errorf("CheckScriptPath(%s) allows it", filepath.Base(p))
		}
	}
	if err := flow.CheckScriptPath(filepath.Join(dir, "new.sh")); err != nil {
		t.Errorf("a new name: %v", err)
	}
}

func TestTheGoProgramGoesBesideTheScript(t *testing.T) {
	for in, want := range map[string]string{"quickstart.sh": "quickstart.go", "dir/run": "dir/run.go", "a.sh.sh": "a.sh.go"} {
		if got := qs.ProgramPathFor(in); got != want {
			t.Errorf("ProgramPathFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValuesReachBashAsTheyAre(t *testing.T) {
	bash := flowtest.RequireProgram(t, "bash", "bash")
	for _, v := range []string{"https://au-api.basiq.io", "max@example.com", `o'brien+"x"@example.com`, "$(touch /tmp/no) `x` ; & | * ?", "a b\\c", ""} {
		out, err := exec.Command(bash, "-c", "x="+basiq.ShellWord(v)+`; y=${UNSET:-`+basiq.ShellWord(v)+`}; printf '%s|%s' "$x" "$y"`).Output()
		if err != nil || string(out) != v+"|"+v {
			t.Errorf("%q came back as %q (%v)", v, out, err)
		}
	}
}

// readmeBlock is README's text between a marker and the end of its sh block.
func readmeBlock(t *testing.T, readme, marker string) (start, end int) {
	t.Helper()
	open := marker + "\n```sh\n"
	i := strings.Index(readme, open)
	if i < 0 {
		t.Fatalf("README has no %q block", marker)
	}
	start = i + len(open)
	n := strings.Index(readme[start:], "```")
	if n < 0 {
		t.Fatalf("README's %q block never ends", marker)
	}
	return start, start + n
}

// TestREADMEQuickstartIsTheScriptsCalls keeps README's quickstart by hand
// what the templates make (go test ./flow/headless -run README -update rewrites it),
// and its excerpt of an exported script a true one.
func TestREADMEQuickstartIsTheScriptsCalls(t *testing.T) {
	const path = "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start, end := readmeBlock(t, readme, "<!-- quickstart -->")
	want := string(flow.ReadmeQuickstart())
	if readme[start:end] != want {
		if !*update {
			t.Fatalf("README's quickstart is not what assets/script makes; run go test ./flow/headless -run README -update\nwant:\n%s", want)
		}
		readme = readme[:start] + want + readme[end:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start, end = readmeBlock(t, readme, "<!-- exported script, an excerpt -->")
	script, _, err := flow.ScriptFiles(flow.ReadmeScriptFacts(), "quickstart.sh", "quickstart.go")
	if err != nil {
		t.Fatal(err)
	}
	if excerpt := readme[start:end]; !strings.Contains(string(script), excerpt) {
		t.Errorf("README's excerpt is not in an exported script:\n%s\nthe script:\n%s", excerpt, script)
	}
}

func TestHeadlessSavesTheScriptWhenTheRunEndsOrSaysWhyNot(t *testing.T) {
	dir := t.TempDir()
	done := func(r *headlessRig) {
		r.watching(flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess))
	}

	r := newHeadless()
	done(r)
	r.cfg.ExportScript = filepath.Join(dir, "quickstart.sh")
	if code := r.run(t, OutputEvents); code != qs.ExitOK {
		t.Fatalf("exit %d:\n%s", code, &r.stdout)
	}
	events := outputLines(r.stdout.String())
	if saved := events[len(events)-2]; !strings.Contains(saved, `"message":"Saved the session as `+r.cfg.ExportScript+`, .go and -webhooks/ (mode 0600)"`) {
		t.Errorf("the event before done is %s, want the saved files", saved)
	}
	script, _ := os.ReadFile(r.cfg.ExportScript)
	if !strings.Contains(string(script), `NEW_USER='{"email":"a@b.co"}'`) {
		t.Errorf("the script does not create a user like the session's:\n%s", script)
	}

	// The files appeared during the run: a run that went well fails, saying so.
	r = newHeadless()
	done(r)
	r.cfg.ExportScript = filepath.Join(dir, "quickstart.sh")
	if code := r.run(t, OutputTable); code != qs.ExitFailed || !strings.Contains(r.stderr.String(), "quickstart.sh exists") {
		t.Errorf("exit %d, stderr:\n%s", code, &r.stderr)
	}

	// No user, no script: the run's own failure stands.
	r = newHeadless()
	r.cfg.EnvKey = "wrong-key"
	r.cfg.ExportScript = filepath.Join(dir, "never.sh")
	if code := r.run(t, OutputTable); code != qs.ExitFailed || !strings.Contains(r.stderr.String(), "ended before it had a user") {
		t.Errorf("exit %d, stderr:\n%s", code, &r.stderr)
	}
	if _, err := os.Lstat(filepath.Join(dir, "never.sh")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a script was written for a run with no user")
	}
}
