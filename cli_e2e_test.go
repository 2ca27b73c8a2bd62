package main

// The command line as a user meets it: the built binary's help, usage
// errors, completion, man page and version, with and without a terminal.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

// runBinary runs the built binary without a terminal.
func runBinary(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// onTerminal runs the built binary on a 80x24 pty and returns its exit code
// and everything it wrote to the terminal.
func onTerminal(t *testing.T, env []string, args ...string) (code int, screen string) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	// fang asks the terminal its background; answer as a dark one would.
	var out bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			out.Write(buf[:n])
			if bytes.Contains(buf[:n], []byte("\x1b]11;?")) { // and the device attributes (DA1) after it
				_, _ = tty.Write([]byte("\x1b]11;rgb:1818/1818/1818\x07\x1b[?62;22c"))
			}
			if err != nil {
				return
			}
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%q did not end on a terminal; it wrote:\n%s", args, out.String())
	}
	<-read
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	}
	return code, out.String()
}

var ansiSequence = regexp.MustCompile(`\x1b(\[[0-9;?<>=$ ]*[A-Za-z~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>])`)

// plainText is what a person reads: the text without escape sequences.
func plainText(s string) string {
	return strings.ReplaceAll(ansiSequence.ReplaceAllString(s, ""), "\r", "")
}

func TestHelpIsOnStdoutWithTheCommandsAndExamples(t *testing.T) {
	env, _ := cleanEnv(t)
	code, stdout, stderr := runBinary(t, env, "--help")
	if code != 0 || stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"COMMANDS", "simulator", "completion", "help [command]", "EXAMPLES",
		"basiq-onboard --demo", "basiq-onboard --demo --events | jq -c .", `basiq-onboard --user-id "$USER_ID"`, "FLAGS", "--timeout"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "\x1b") {
		t.Errorf("escape codes in piped help: %q", stdout)
	}
	_, sim, _ := runBinary(t, env, "simulator", "--help")
	if _, topic, _ := runBinary(t, env, "help", "simulator"); topic != sim || !strings.Contains(sim, "--step-delay") {
		t.Errorf("help simulator and simulator --help differ:\n%s\n---\n%s", topic, sim)
	}
}

func TestHelpOnATerminalIsStyledUnlessNoColor(t *testing.T) {
	env, _ := cleanEnv(t)
	code, screen := onTerminal(t, env, "--help")
	if code != 0 || !strings.Contains(plainText(screen), "basiq-onboard --demo --events | jq -c .") {
		t.Fatalf("--help on a terminal: exit %d\n%s", code, plainText(screen))
	}
	if !strings.Contains(screen, "\x1b[38;") {
		t.Errorf("no colour in help on a terminal: %q", screen)
	}
	_, plain := onTerminal(t, append(env, "NO_COLOR=1"), "--help")
	if strings.Contains(plain, "\x1b[38;") {
		t.Errorf("colour with NO_COLOR=1: %q", plain)
	}
}

func TestUsageErrorsExitTwoInAtMostThreeLinesNamingTheFlag(t *testing.T) {
	env, _ := cleanEnv(t)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--frobnicate"}, "--frobnicate"},               // unknown flag
		{[]string{"--timeout", "soon"}, "--timeout"},             // bad value
		{[]string{"--email"}, "--email"},                         // missing value
		{[]string{"--demo", "extra"}, `"extra"`},                 // extra argument
		{[]string{"simulator", "--demo"}, "--demo"},              // a flag of another command
		{[]string{"simulator", "--addr", "0.0.0.0:1"}, "--addr"}, // a value refused after parsing
		{[]string{"-demo"}, "--demo"},                            // one dash
	} {
		code, stdout, stderr := runBinary(t, env, c.args...)
		lines := flowtest.NonBlankLines(stderr)
		if code != 2 || stdout != "" || len(lines) == 0 || len(lines) > 3 || !strings.Contains(lines[0], c.flag) || !strings.Contains(stderr, "--help") {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and at most three lines naming %s and --help", c.args, code, stdout, stderr, c.flag)
		}
		// On a terminal the same, styled.
		code, screen := onTerminal(t, env, c.args...)
		lines = flowtest.NonBlankLines(plainText(screen))
		if code != 2 || len(lines) == 0 || len(lines) > 3 || !strings.Contains(lines[0], c.flag) {
			t.Errorf("%q on a terminal: exit %d:\n%s", c.args, code, plainText(screen))
		}
	}
}

func TestCompletionScriptLoadsInBash(t *testing.T) {
	flowtest.RequireProgram(t, "bash", "bash")
	env, _ := cleanEnv(t)
	cmd := exec.Command("bash", "-c", `source <("$0" completion bash) && complete -p basiq-onboard`, binary(t))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "complete -o default -F __start_basiq-onboard basiq-onboard") {
		t.Errorf("bash did not load the completion: %v\n%s", err, out)
	}
	for _, shell := range []string{"zsh", "fish"} {
		if code, script, stderr := runBinary(t, env, "completion", shell); code != 0 || !strings.Contains(script, "__complete") {
			t.Errorf("completion %s: exit %d, %s", shell, code, stderr)
		}
	}
}

func TestCompletionOfPersonaListsTheSandboxLogins(t *testing.T) {
	env, _ := cleanEnv(t)
	code, stdout, stderr := runBinary(t, env, "__complete", "--persona", "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, login := range []string{"Wentworth-Smith", "bighead", "erlich", "jianYang"} {
		if !strings.Contains(stdout, login+"\t") {
			t.Errorf("--persona does not offer %s:\n%s", login, stdout)
		}
	}
}

func TestManPageIsValidRoff(t *testing.T) {
	mandoc := flowtest.RequireProgram(t, "mandoc", "mandoc")
	env, _ := cleanEnv(t)
	code, page, stderr := runBinary(t, env, "man")
	if code != 0 || !strings.HasPrefix(page, ".TH BASIQ-ONBOARD 1") {
		t.Fatalf("man: exit %d, %s\n%s", code, stderr, page)
	}
	path := filepath.Join(t.TempDir(), "basiq-onboard.1")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(mandoc, "-T", "lint", path).CombinedOutput(); err != nil {
		t.Errorf("mandoc -T lint: %v\n%s", err, out)
	}
	rendered, err := exec.Command(mandoc, "-T", "ascii", path).Output()
	text := regexp.MustCompile(".\b").ReplaceAllString(string(rendered), "") // no overstrike bold
	for _, want := range []string{"--step-delay DURATION", "--api-url URL", "-h, --help", "EXIT STATUS"} {
		if err != nil || !strings.Contains(text, want) {
			t.Errorf("the page as mandoc shows it lacks %q (%v):\n%s", want, err, text)
		}
	}
}

// TestVersionOfACloneNamesItsRevision installs the program as README says,
// from a clone into a GOBIN of its own, with the VCS stamp these machines
// turn off by default (GOFLAGS=-buildvcs=false). A clone, not this checkout:
// Go finds no repository in a git worktree, whose .git is a file.
func TestVersionOfACloneNamesItsRevision(t *testing.T) {
	flowtest.RequireProgram(t, "git", "git")
	if err := exec.Command("git", "rev-parse", "HEAD").Run(); err != nil {
		t.Skipf("not a git checkout (%v): no revision to name", err)
	}
	clone, gobin := t.TempDir(), t.TempDir()
	if out, err := exec.Command("git", "clone", "--quiet", "--no-hardlinks", ".", clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	rev, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	install := exec.Command("go", "install", "-buildvcs=true", ".")
	install.Dir = clone
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "basiq-onboard"), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Go stamps a clean clone's module with a pseudo-version ending in the
	// revision (v0.0.0-20261203113243-53bd939f7c62); older Go, only vcs.revision.
	if !strings.HasPrefix(string(out), "basiq-onboard ") || !strings.Contains(string(out), string(rev[:12])) {
		t.Errorf("--version says %q, want it to name revision %s", out, rev[:12])
	}
	// The tests' own build has no VCS stamp: it says so rather than a made-up version.
	env, _ := cleanEnv(t)
	if _, dev, _ := runBinary(t, env, "--version"); !strings.Contains(dev, "development build") {
		t.Errorf("a -buildvcs=false build says %q", dev)
	}
}

func TestSimulatorExitsZeroWhenStoppedBySignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(binary(t), "simulator", "--addr", "127.0.0.1:0")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout := flowtest.Start(t, cmd)
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || !strings.HasPrefix(lines.Text(), "export BASIQ_API_URL=") {
				_ = cmd.Process.Kill()
				t.Fatalf("no export line: %q", lines.Text())
			}
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("after %v: %v, want exit 0\n%s", sig, err, &stderr)
			}
		})
	}
}
