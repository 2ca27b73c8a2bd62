package main

// End-to-end tests: the real binary, built from this checkout, run as a user
// would run it: without a terminal (plain and JSON output), and in tmux.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds basiq-onboard once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "basiq-onboard-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "basiq-onboard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cleanEnv is a user with no saved key, no display and no Basiq variables,
// whose home is a fresh directory the test can search afterwards.
func cleanEnv(t *testing.T, extra ...string) (env []string, home string) {
	home = t.TempDir()
	env = []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
		"BASIQ_DEMO_STEP_DELAY=0",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", // no keyring: the 0600 file fallback
	}
	return append(env, extra...), home
}

func TestDemoJSONWithoutATerminal(t *testing.T) {
	env, _ := cleanEnv(t)
	cmd := exec.Command(binary(t), "--demo", "--persona", "Wentworth-Smith", "--email", "a@b.co", "--json")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	var doc struct {
		User     struct{ ID, Email string }
		Jobs     []struct{ ID string }
		Accounts []struct{ Name, Balance string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if doc.User.ID == "" || doc.User.Email != "a@b.co" || len(doc.Jobs) != 1 || len(doc.Accounts) != 4 {
		t.Errorf("document: user %+v, %d jobs, %d accounts; want 1 job and Wentworth-Smith's 4 accounts", doc.User, len(doc.Jobs), len(doc.Accounts))
	}
}

func TestDemoPlainUnderAPipeDrawsNoEscapeCodes(t *testing.T) {
	env, _ := cleanEnv(t)
	cmd := exec.Command("sh", "-c", `"$0" --demo --persona Wentworth-Smith --email a@b.co --plain 2>&1 | cat`, binary(t))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("\x1b")) {
		t.Errorf("escape codes in plain output:\n%q", out)
	}
	for _, want := range []string{"Verifying credentials", "Transaction 14000", "-299292.25"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("plain output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoFailurePersonaExitsOneWithTheReason(t *testing.T) {
	env, _ := cleanEnv(t)
	cmd := exec.Command(binary(t), "--demo", "--persona", "bighead", "--email", "a@b.co", "--plain")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want code 1\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Account is locked") {
		t.Errorf("stderr does not say why:\n%s", stderr.String())
	}
}

func TestMissingFlagWithoutATerminalIsAUsageError(t *testing.T) {
	// With a key (unchecked: usage comes before any request) and no --email.
	env, _ := cleanEnv(t, "BASIQ_API_KEY=some-key", "BASIQ_API_URL=http://127.0.0.1:1")
	cmd := exec.Command(binary(t))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want code 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "--email") {
		t.Errorf("the usage error does not name --email:\n%s", out)
	}
}

// tmuxSession runs the binary in a detached tmux session of the given size.
type tmuxSession struct {
	t      *testing.T
	socket string // socket path, private to the test so servers never collide
	name   string
	exit   string // file the exit code is written to
}

func startTmux(t *testing.T, env []string, width, height int, args ...string) *tmuxSession {
	t.Helper()
	flowtest.RequireProgram(t, "tmux", "tmux")
	dir := t.TempDir()
	// The socket gets a short directory of its own: unix socket paths stop at
	// 108 bytes, and t.TempDir's carries the (long) test name.
	sockDir, err := os.MkdirTemp("", "bo-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &tmuxSession{t: t, socket: filepath.Join(sockDir, "s"), name: "wizard", exit: filepath.Join(dir, "exit")}
	script := filepath.Join(dir, "run.sh")
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "echo $$ > %q\n", s.exit+".pid")
	for _, kv := range env {
		fmt.Fprintf(&b, "export %q\n", kv)
	}
	fmt.Fprintf(&b, "%q", binary(t))
	for _, a := range args {
		fmt.Fprintf(&b, " %q", a)
	}
	// The script's pid, so a test can signal the program (its child); after
	// the program, the terminal's echo setting, to see it was restored.
	fmt.Fprintf(&b, "\necho $? > %q\nstty -a > %q 2>&1\nsleep 600\n", s.exit, s.exit+".stty")
	if err := os.WriteFile(script, []byte(b.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tmux", "-S", s.socket, "-f", "/dev/null", "new-session", "-d", "-s", s.name,
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height), script)
	cmd.Env = append(env, "TMUX=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"-S", s.socket, "send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys %q: %v\n%s", keys, err, out)
	}
}

// The answers to quit's question about the user the session made.
const (
	keepTheUser   = "n"
	deleteTheUser = "y"
)

// quit presses q and answers the question about the user the session made.
func (s *tmuxSession) quit(answer string) {
	s.t.Helper()
	s.keys("q")
	s.waitFor("Delete the user this session made")
	s.keys(answer)
}

// text types literal text (no key names).
func (s *tmuxSession) text(text string) { s.keys("-l", text) }

// pane is what the screen shows now, with the scrollback.
func (s *tmuxSession) pane() string {
	out, err := exec.Command("tmux", "-S", s.socket, "capture-pane", "-p", "-S", "-200", "-t", s.name).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitFor polls the pane until it shows want, failing after a generous
// deadline with what the screen showed.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		p := s.pane()
		if strings.Contains(p, want) {
			return p
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", want, p)
		}
		<-tick.C
	}
}

// signal sends sig to the program (the child of the session's script).
func (s *tmuxSession) signal(sig syscall.Signal) {
	s.t.Helper()
	script, err := os.ReadFile(s.exit + ".pid")
	if err != nil {
		s.t.Fatal(err)
	}
	out, err := exec.Command("pgrep", "-P", strings.TrimSpace(string(script))).Output()
	if err != nil {
		s.t.Fatalf("no program under the script: %v", err)
	}
	var pid int
	if _, err := fmt.Sscan(string(out), &pid); err != nil {
		s.t.Fatal(err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		s.t.Fatal(err)
	}
}

// terminal is the pane's state after the program: alternate screen, cursor
// shown, and whether the tty echoes again.
func (s *tmuxSession) terminal() (altScreen, cursorShown, echo bool) {
	s.t.Helper()
	out, err := exec.Command("tmux", "-S", s.socket, "display", "-p", "-t", s.name, "#{alternate_on} #{cursor_flag}").Output()
	if err != nil {
		s.t.Fatalf("tmux display: %v", err)
	}
	f := strings.Fields(string(out))
	stty, _ := os.ReadFile(s.exit + ".stty")
	return f[0] == "1", f[1] == "1", strings.Contains(" "+string(stty)+" ", " echo ")
}

// exitCode waits for the program to end and returns its exit code.
func (s *tmuxSession) exitCode() string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(s.exit); err == nil && len(b) > 0 {
			s.waitForFile(s.exit + ".stty")
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the program did not exit; the screen shows:\n%s", s.pane())
		}
		<-tick.C
	}
}

// exits waits for the program to end and fails the test unless its exit
// code is want; when tells which run or key it was ("" for none).
func (s *tmuxSession) exits(want, when string) {
	s.t.Helper()
	if code := s.exitCode(); code != want {
		s.t.Errorf("%sexit code %s, want %s; the screen:\n%s", when, code, want, s.pane())
	}
}

// leftTheTerminalAsItWas fails the test unless the program, once ended,
// left the alternate screen, showed the cursor and made the tty echo again.
func (s *tmuxSession) leftTheTerminalAsItWas(after string) {
	s.t.Helper()
	if alt, cursor, echo := s.terminal(); alt || !cursor || !echo {
		s.t.Errorf("after %s: alternate screen %v, cursor shown %v, echo %v; want the terminal as it was", after, alt, cursor, echo)
	}
}

// holds fails the test for each of wants the pane p lacks; what names the
// screen for the message ("the accounts table").
func (s *tmuxSession) holds(p, what string, wants ...string) {
	s.t.Helper()
	for _, want := range wants {
		if !strings.Contains(p, want) {
			s.t.Errorf("%s lacks %q:\n%s", what, want, p)
		}
	}
}

// demoUserOnToConsent takes the demo's made-up user (enter on the empty
// form) and goes on to consent.
func (s *tmuxSession) demoUserOnToConsent() {
	s.t.Helper()
	s.waitFor("Email")
	s.keys("Enter")
	s.waitFor("Created user")
	s.keys("Enter")
}

// seeTheAccounts waits for the finished job's offer, takes it, and waits
// for want on the accounts; it returns the pane that shows it.
func (s *tmuxSession) seeTheAccounts(want string) string {
	s.t.Helper()
	s.waitFor("Press enter to see them")
	s.keys("Enter")
	return s.waitFor(want)
}

func TestTmuxDemoFromTheKeyScreenToTheAccounts(t *testing.T) {
	env, _ := cleanEnv(t, "BASIQ_DEMO_STEP_DELAY=300ms")
	s := startTmux(t, env, 100, 30)
	s.waitFor("API key")
	s.keys("C-d")
	s.waitFor("Email")
	s.text("max@example.com")
	s.keys("Enter")
	s.waitFor("Created user")
	s.keys("Enter")
	s.waitFor("Hooli")
	s.keys("a")
	s.waitFor("Verifying credentials")
	s.seeTheAccounts("Transaction 14000")
	s.holds(s.waitFor("-$232,914.02"), "the accounts table", "$34,076.00", "-$299,292.25")
	s.quit(keepTheUser)
	s.exits("0", "")
	s.holds(s.pane(), "after quitting the scrollback", "Transaction 14000", "User ")
}

func TestTmuxFailurePersonaIsExplainedAndExitsOne(t *testing.T) {
	env, _ := cleanEnv(t)
	s := startTmux(t, env, 100, 30, "--demo", "--persona", "bighead", "--email", "a@b.co")
	s.demoUserOnToConsent()
	s.holds(s.waitFor("Account is locked"), "the failure's explanation", "consent again")
	s.quit(keepTheUser)
	s.exits("1", "")
}

func (s *tmuxSession) waitForFile(path string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a file another process writes; not a timing assumption
	}
}

func TestTmuxUnknownPastedJobLeadsBackToConsentAndThePersonaFinishes(t *testing.T) {
	env, _ := cleanEnv(t)
	s := startTmux(t, env, 100, 30, "--demo", "--no-browser")
	s.demoUserOnToConsent()
	s.waitFor("Waiting for a connection")
	s.keys("p")
	s.text("deadbeef-0000-4000-8000-000000000000")
	s.keys("Enter")
	s.holds(s.waitFor("Basiq has no job deadbeef-0000-4000-8000-000000000000"), "the help line (the way back)", "esc back")
	s.keys("Escape")
	s.waitFor("Waiting for a connection")
	s.keys("a")
	s.seeTheAccounts("Transaction 14000")
	s.quit(keepTheUser)
	s.exits("0", "")
}

func TestTmuxSignalsExitWithTheirCodeAndRestoreTheTerminal(t *testing.T) {
	flowtest.RequireProgram(t, "pgrep", "procps")
	for _, c := range []struct {
		sig  syscall.Signal
		code string
	}{{syscall.SIGTERM, "143"}, {syscall.SIGHUP, "129"}, {syscall.SIGINT, "130"}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			env, _ := cleanEnv(t, "BASIQ_DEMO_STEP_DELAY=1h") // the job never ends on its own
			s := startTmux(t, env, 100, 30, "--demo", "--persona", "Wentworth-Smith")
			s.demoUserOnToConsent()
			s.waitFor("Verifying credentials") // mid-job
			s.signal(c.sig)
			s.exits(c.code, "")
			s.leftTheTerminalAsItWas(c.sig.String())
		})
	}
}

// startSimulator runs `basiq-onboard simulator` and returns its exports.
func startSimulator(t *testing.T) (apiURL, apiKey string) {
	t.Helper()
	cmd := exec.Command(binary(t), "simulator", "--addr", "127.0.0.1:0", "--step-delay", "0s")
	lines := bufio.NewScanner(flowtest.Start(t, cmd))
	for lines.Scan() && (apiURL == "" || apiKey == "") {
		line := lines.Text()
		if v, ok := strings.CutPrefix(line, "export BASIQ_API_URL="); ok {
			apiURL = strings.Trim(v, `'"`)
		}
		if v, ok := strings.CutPrefix(line, "export BASIQ_API_KEY="); ok {
			apiKey = strings.Trim(v, `'"`)
		}
	}
	if apiURL == "" || apiKey == "" {
		t.Fatal("the simulator did not print its exports")
	}
	go func() { // keep draining so the simulator never blocks on a full pipe
		for lines.Scan() {
		}
	}()
	return apiURL, apiKey
}

func TestTmuxWrongKeyThenTheRightOneNeverShowsTheKey(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	env, home := cleanEnv(t, "BASIQ_API_URL="+apiURL)
	s := startTmux(t, env, 100, 30)
	s.waitFor("API key")
	s.text("not-a-real-key")
	s.keys("Enter")
	s.waitFor("did not recognise")
	for range len("not-a-real-key") {
		s.keys("BSpace")
	}
	s.text(apiKey)
	s.keys("Enter")
	s.waitFor("Save")
	s.keys("y")
	s.waitFor("Email")
	s.text("max@example.com")
	s.keys("Enter")
	s.waitFor("Created user")
	s.keys("Enter")
	s.waitFor("token=")
	s.keys("C-c")
	s.exits("130", "ctrl+c: ")
	if p := s.pane(); strings.Contains(p, apiKey) {
		t.Fatalf("the API key is on screen or in the scrollback:\n%s", p)
	}
	// The key is in the one file the user accepted, owner-only, and nowhere else.
	var holders []string
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(apiKey)) {
			info, _ := d.Info()
			holders = append(holders, fmt.Sprintf("%s %o", strings.TrimPrefix(path, home), info.Mode().Perm()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) != 1 || !strings.HasSuffix(holders[0], "/.config/basiq-onboard/secrets.json 600") {
		t.Errorf("files holding the key: %q; want only the accepted 0600 file", holders)
	}
}

// BenchmarkDemoJSONRun times a whole `--demo --json` run with zero step
// delays, process start to exit, and reports its peak memory (max RSS).
func BenchmarkDemoJSONRun(b *testing.B) {
	bin := binary(b)
	env := []string{"HOME=" + b.TempDir(), "PATH=" + os.Getenv("PATH"), "BASIQ_DEMO_STEP_DELAY=0"}
	var peakKB int64
	for b.Loop() {
		cmd := exec.Command(bin, "--demo", "--persona", "Wentworth-Smith", "--email", "a@b.co", "--json")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peakKB = max(peakKB, ru.Maxrss)
		}
	}
	b.ReportMetric(float64(peakKB)/1024, "peak-MB")
}

func TestDeleteUserAtTheEndOfAHeadlessRun(t *testing.T) {
	env, _ := cleanEnv(t)
	cmd := exec.Command(binary(t), "--demo", "--json", "--delete-user")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, &stderr)
	}
	var doc struct {
		User        struct{ ID string }
		Connections []struct{ ID, Status string }
		Deleted     bool
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || !doc.Deleted || len(doc.Connections) != 1 {
		t.Errorf("document %s (%v): want the connection and deleted", &stdout, err)
	}
	if !strings.Contains(stderr.String(), "User "+doc.User.ID+" deleted") {
		t.Errorf("the run does not say it deleted the user:\n%s", &stderr)
	}
}

func TestStateFileKeepsTheUserAndNoSecret(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	env, home := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_API_KEY="+apiKey)
	trace := filepath.Join(t.TempDir(), "trace.log")
	cmd := exec.Command(binary(t), "--email", "max@example.com", "--plain", "--no-browser", "--timeout", "2s", "--debug", trace)
	cmd.Env = env
	out, _ := cmd.CombinedOutput() // no consent comes: it ends at --timeout, the user kept
	state, err := os.ReadFile(filepath.Join(home, ".config", "basiq-onboard", "state.json"))
	if err != nil {
		t.Fatalf("no state.json: %v\n%s", err, out)
	}
	if info, _ := os.Stat(filepath.Join(home, ".config", "basiq-onboard", "state.json")); info.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode %o", info.Mode().Perm())
	}
	if !strings.Contains(string(state), apiURL) || !strings.Contains(string(state), `"userId"`) {
		t.Errorf("state.json does not keep the user for this API:\n%s", state)
	}
	// Every token the simulator minted this run (the consent link carries one) and the key.
	secrets := []string{apiKey}
	for _, line := range strings.Split(string(out), "token=")[1:] {
		secrets = append(secrets, strings.Fields(line)[0])
	}
	if len(secrets) < 2 {
		t.Fatalf("no consent link to take a token from:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(string(state), s) {
			t.Errorf("state.json holds a secret (%.12s…):\n%s", s, state)
		}
	}
	if strings.Contains(string(state), "eyJ") {
		t.Errorf("state.json holds something token-shaped:\n%s", state)
	}
}
