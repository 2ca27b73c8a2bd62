package cli

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// result is one run of the command line: its exit code and what it wrote.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line in this process with env as its whole
// environment, files (not terminals) for its output and nothing on stdin.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runWithInput(t, env, nil, args...)
}

func create(t testing.TB, path string) *os.File {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func read(t testing.TB, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUsageErrorsNameTheFlagInTwoLinesAndExitTwo(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // in the first line
		help string   // the --help the second line points at
	}{
		{[]string{"--frobnicate"}, []string{"unknown flag --frobnicate"}, "basiq-onboard --help"},
		{[]string{"--emial", "a@b.co"}, []string{"--emial", "did you mean --email?"}, "basiq-onboard --help"},
		{[]string{"-demo"}, []string{"-demo", "two dashes: --demo"}, "basiq-onboard --help"},
		{[]string{"-x"}, []string{"-x is not a flag", "-v and -h"}, "basiq-onboard --help"},
		{[]string{"simulator", "-v"}, []string{"-v is not a flag of simulator", "only short one is -h"}, "basiq-onboard simulator --help"},
		{[]string{"--email"}, []string{"--email needs a value", "an email address"}, "basiq-onboard --help"},
		{[]string{"--timeout", "soon"}, []string{`--timeout "soon"`, "a duration"}, "basiq-onboard --help"},
		{[]string{"--timeout=0s"}, []string{"--timeout must be positive"}, "basiq-onboard --help"},
		{[]string{"--demo=perhaps"}, []string{"--demo takes no value"}, "basiq-onboard --help"},
		{[]string{"demo"}, []string{`unexpected argument "demo"`, "simulator", "flags start with --"}, "basiq-onboard --help"},
		{[]string{"simulater"}, []string{`no command "simulater"`, "did you mean simulator?"}, "basiq-onboard --help"},
		{[]string{"--demo", "--api-url", "http://127.0.0.1:1"}, []string{"--demo runs the built-in simulator; it cannot be combined with --api-url"}, "basiq-onboard --help"},
		{[]string{"--json", "--events"}, []string{"--json and --events both write stdout"}, "basiq-onboard --help"},
		{[]string{"--persona", "bighead"}, []string{"--persona completes consent in the built-in simulator only; add --demo"}, "basiq-onboard --help"},
		{[]string{"--demo", "--persona", "nobody"}, []string{`--persona "nobody" is not a sandbox login`}, "basiq-onboard --help"},
		{[]string{"--job-id", "not an id"}, []string{"--job-id"}, "basiq-onboard --help"},
		{[]string{"--api-url", "http://example.com"}, []string{"--api-url"}, "basiq-onboard --help"},
		{[]string{"--addr", "127.0.0.1:0"}, []string{"--addr is basiq-onboard simulator's flag"}, "basiq-onboard --help"},
		{[]string{"simulator", "--demo"}, []string{"basiq-onboard simulator:", "--demo is basiq-onboard's flag, not simulator's"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "now"}, []string{"basiq-onboard simulator:", `unexpected argument "now"`}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--step-delay", "fast"}, []string{`--step-delay "fast" is not a duration`}, "basiq-onboard simulator --help"},
		{[]string{"--demo", "--forward-to", ""}, []string{"--forward-to is empty"}, "basiq-onboard --help"}, // an unset $PORT
		{[]string{"simulator", "--max-users"}, []string{"--max-users needs a value"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--max-users", "0"}, []string{"--max-users 0: keep at least 1"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--faults", "503=2"}, []string{"--faults:", "503=2"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--webhook-time-scale", "0"}, []string{"--webhook-time-scale 0: want a number above 0"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--webhook-time-scale", "fast"}, []string{"--webhook-time-scale", "fast"}, "basiq-onboard simulator --help"},
		{[]string{"simulator", "--webhook-faults", "user.creatd#1=duplicate"}, []string{"--webhook-faults:", "did you mean user.created?"}, "basiq-onboard simulator --help"},
		{[]string{"help", "nosuch"}, []string{`help: no command "nosuch"`}, "basiq-onboard --help"},
		{[]string{"completion", "tcsh"}, []string{`no shell "tcsh"`}, "basiq-onboard completion --help"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runCLI(t, nil, c.args...)
			lines := flowtest.NonBlankLines(r.stderr)
			if r.code != qs.ExitUsage || len(lines) != 2 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and two lines on stderr only", r.code, r.stdout, r.stderr)
			}
			for _, want := range c.want {
				if !strings.Contains(lines[0], want) {
					t.Errorf("the message lacks %q:\n%s", want, lines[0])
				}
			}
			if !strings.Contains(lines[1], c.help) {
				t.Errorf("the second line does not point at %s:\n%s", c.help, lines[1])
			}
		})
	}
}

func TestTheSimulatorsAddressIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "127.evil.example:0", "192.168.1.10:8080", "example.com:80", "127.0.0.1"} {
		if r := runCLI(t, nil, "simulator", "--addr", addr); r.code != qs.ExitUsage || !strings.Contains(r.stderr, "--addr "+addr) {
			t.Errorf("--addr %s: exit %d, stderr %q; want a usage error naming it", addr, r.code, r.stderr)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "127.1.2.3:0", "[::1]:0", "localhost:8080"} {
		if err := loopback(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}

func TestHelpIsOnStdoutWithExamplesAndTheSameEveryWay(t *testing.T) {
	root := runCLI(t, nil, "--help")
	if root.code != 0 || root.stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q", root.code, root.stderr)
	}
	for _, want := range []string{"USAGE", "EXAMPLES", "basiq-onboard --demo --events | jq -c .", "COMMANDS", "simulator", "completion", "--api-url", "--user-id", "-v --version", "-h --help"} {
		if !strings.Contains(root.stdout, want) {
			t.Errorf("--help lacks %q:\n%s", want, root.stdout)
		}
	}
	if strings.Contains(root.stdout, "\x1b") {
		t.Errorf("escape codes in help written to a file:\n%q", root.stdout)
	}
	if short := runCLI(t, nil, "-h"); short.stdout != root.stdout {
		t.Errorf("-h and --help differ:\n%s\n---\n%s", short.stdout, root.stdout)
	}
	if help := runCLI(t, nil, "help"); help.code != 0 || !strings.Contains(help.stdout, "basiq-onboard --demo --events | jq -c .") {
		t.Errorf("help: exit %d\n%s", help.code, help.stdout)
	}
	sim := runCLI(t, nil, "simulator", "--help")
	if sim.code != 0 || !strings.Contains(sim.stdout, "--faults") || !strings.Contains(sim.stdout, "basiq-onboard simulator --addr 127.0.0.1:8080 --step-delay 0s") {
		t.Errorf("simulator --help: exit %d:\n%s", sim.code, sim.stdout)
	}
	if strings.Contains(sim.stdout, "--demo") {
		t.Errorf("the simulator's help lists the wizard's flags:\n%s", sim.stdout)
	}
	if topic := runCLI(t, nil, "help", "simulator"); topic.stdout != sim.stdout || topic.code != 0 {
		t.Errorf("help simulator and simulator --help differ:\n%s\n---\n%s", topic.stdout, sim.stdout)
	}
}

// TestHelpFitsEightyColumns: fang does not wrap flag descriptions, so each
// line of them is kept short enough for an 80-column terminal.
func TestHelpFitsEightyColumns(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"simulator", "--help"}, {"listen", "--help"}, {"completion", "--help"}} {
		out := runCLI(t, nil, args...).stdout
		_, flags, _ := strings.Cut(out, "FLAGS")
		_, commands, _ := strings.Cut(out, "COMMANDS")
		for _, line := range strings.Split(flags+commands, "\n") {
			if line = strings.TrimRight(line, " "); len([]rune(line)) > 80 {
				t.Errorf("%s: a line of %d columns:\n%s", strings.Join(args, " "), len([]rune(line)), line)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "basiq-onboard ") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--version: exit %d, %q", r.code, r.stdout)
	}
	if short := runCLI(t, nil, "-v"); short.stdout != r.stdout {
		t.Errorf("-v says %q, --version %q", short.stdout, r.stdout)
	}
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "5795e2f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6"}}}, "commit 5795e2f0c1d2"},
		{debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "5795e2f0c1d2e3f4"}, {Key: "vcs.modified", Value: "true"}}}, "commit 5795e2f0c1d2+changes"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "development build (go run and -buildvcs=false record no commit)"},
	} {
		if got := versionOf(&c.info); got != c.want {
			t.Errorf("%+v: %q, want %q", c.info, got, c.want)
		}
	}
}

// complete asks cobra's hidden __complete what a shell would offer.
// rememberUser saves user as the one of the API at apiURL, as a wizard
// run there would, in the store of this test's config directory.
func rememberUser(t *testing.T, apiURL, user string) {
	t.Helper()
	store, err := flow.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Remember(flow.Origin(apiURL), qs.Memory{UserID: user, Created: true}); err != nil {
		t.Fatal(err)
	}
}

func complete(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	r := runCLI(t, env, append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: exit %d\n%s", args, r.code, r.stderr)
	}
	var offers []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(line, ":") { // the last line is the directive
			offers = append(offers, strings.SplitN(line, "\t", 2)[0])
		}
	}
	return offers
}

func TestCompletionOffersTheSandboxLoginsAndTheFaultKinds(t *testing.T) {
	logins := complete(t, nil, "--demo", "--persona", "")
	if len(logins) != len(simulator.Logins()) || logins[0] != qs.SandboxPersona || !strings.Contains(strings.Join(logins, " "), "bighead") {
		t.Errorf("--persona offers %q", logins)
	}
	if got := complete(t, nil, "--persona", "big"); len(got) != 1 || got[0] != "bighead" {
		t.Errorf("--persona big offers %q", got)
	}
	faults := complete(t, nil, "simulator", "--faults", "")
	for _, kind := range simulator.FaultKinds {
		if !strings.Contains(strings.Join(faults, " "), kind+"=") {
			t.Errorf("--faults does not offer %s=: %q", kind, faults)
		}
	}
	aimed := complete(t, nil, "simulator", "--faults", "latency=20ms,POST /token#2=")
	if len(aimed) != len(simulator.FaultKinds) || aimed[0] != "latency=20ms,POST /token#2=500" {
		t.Errorf("an aimed fault offers %q", aimed)
	}
	if types := complete(t, nil, "simulator", "--webhook-faults", "consent.re"); strings.Join(types, " ") != "consent.reminder# consent.revoked#" {
		t.Errorf("--webhook-faults consent.re offers %q", types)
	}
	kinds := complete(t, nil, "simulator", "--webhook-faults", "*#1=duplicate,user.created#2=")
	if len(kinds) != 4 || kinds[0] != "*#1=duplicate,user.created#2=bad-signature" {
		t.Errorf("--webhook-faults offers the kinds as %q", kinds)
	}
	if got := complete(t, nil, "help", ""); strings.Join(got, " ") != "completion listen simulator trigger webhooks" {
		t.Errorf("help offers %q", got)
	}
}

func TestCompletionOffersTheUserSavedForTheAPI(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	const local, user = "http://127.0.0.1:8080", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	rememberUser(t, local, user)
	if got := complete(t, nil, "--api-url", local, "--user-id", ""); len(got) != 1 || got[0] != user {
		t.Errorf("--api-url %s --user-id offers %q, want the user saved for it", local, got)
	}
	if got := complete(t, map[string]string{"BASIQ_API_URL": local}, "--user-id", ""); len(got) != 1 || got[0] != user {
		t.Errorf("BASIQ_API_URL=%s --user-id offers %q", local, got)
	}
	if got := complete(t, nil, "--user-id", ""); len(got) != 0 {
		t.Errorf("Basiq's own API has no saved user, yet --user-id offers %q", got)
	}
	if got := complete(t, nil, "--demo", "--user-id", ""); len(got) != 0 {
		t.Errorf("the demo's simulator is new each run, yet --user-id offers %q", got)
	}
}

func TestManPageIsRoffThatMandocAccepts(t *testing.T) {
	r := runCLI(t, nil, "man")
	if r.code != 0 || !strings.HasPrefix(r.stdout, ".TH BASIQ-ONBOARD 1 ") {
		t.Fatalf("man: exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{`\fB\-\-api\-url\fP \fIURL\fP`, `\fB\-h\fP, \fB\-\-help\fP`, ".SS basiq-onboard simulator", `\-\-faults`, ".SH EXAMPLES", ".SH EXIT STATUS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	flowtest.RequireProgram(t, "mandoc", "mandoc")
	page := filepath.Join(t.TempDir(), "basiq-onboard.1")
	if err := os.WriteFile(page, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mandoc", "-T", "lint", page).CombinedOutput(); err != nil {
		t.Errorf("mandoc -T lint: %v\n%s", err, out)
	}
}

func TestSimulatorPrintsExportsAndExitsZeroWhenStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := create(t, filepath.Join(t.TempDir(), "stderr"))
	done := make(chan int)
	go func() {
		code := execute(ctx, []string{"simulator", "--addr", "127.0.0.1:0", "--faults", "503=0.5,seed=3", "--webhook-time-scale", "0.001", "--webhook-faults", "*#1=duplicate"}, os.Stdin, w, stderr, func(string) string { return "" })
		w.Close()
		done <- code
	}()
	guard := time.AfterFunc(10*time.Second, cancel) // a missing line fails the test, not hangs it
	defer guard.Stop()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "--webhook-faults") {
			break
		}
	}
	cancel() // what ctrl+c or SIGTERM does
	go func() { _, _ = bufio.NewReader(out).WriteTo(devNull{}) }()
	if code := <-done; code != 0 {
		t.Errorf("exit %d when stopped, want 0; stderr: %s", code, read(t, stderr))
	}
	text := strings.Join(lines, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "export BASIQ_API_URL=http://127.0.0.1:") || lines[1] != "export BASIQ_API_KEY="+simulator.DemoAPIKey ||
		lines[2] != "export BASIQ_CONSENT_URL="+strings.TrimPrefix(lines[0], "export BASIQ_API_URL=")+"/consent/home" {
		t.Errorf("the first three lines are not the exports a shell can eval:\n%s", text)
	}
	if !strings.Contains(text, "--faults 503=0.5,seed=3") {
		t.Errorf("the banner does not say the simulator misbehaves on purpose:\n%s", text)
	}
	if !strings.Contains(text, "0.001 times Basiq's schedule (--webhook-time-scale): 5 s becomes 5ms") || !strings.Contains(text, "(--webhook-faults *#1=duplicate)") {
		t.Errorf("the banner does not say how webhooks misbehave:\n%s", text)
	}
	if !strings.Contains(read(t, stderr), "basiq-onboard simulator: stopped") {
		t.Errorf("stderr does not say it stopped: %q", read(t, stderr))
	}
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

// commandNamed is the tree's command of that name ("" for the root).
func commandNamed(t *testing.T, root *cobra.Command, name string) *cobra.Command {
	if name == "" {
		return root
	}
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("no command %q", name)
	return nil
}

func TestEveryFlagTakesItsValueAsFlagEqualsValueAndFlagSpaceValue(t *testing.T) {
	sample := map[string]string{"string": "x@y.co", "duration": "3s", "int": "7", "float64": "0.5"}
	newTree := func() *cobra.Command { return (&app{getenv: func(string) string { return "" }}).commandTree() }
	for _, name := range []string{"", "simulator", "listen"} {
		commandNamed(t, newTree(), name).Flags().VisitAll(func(f *pflag.Flag) {
			v, ok := sample[f.Value.Type()]
			if !ok {
				return // a switch
			}
			for _, args := range [][]string{{"--" + f.Name + "=" + v}, {"--" + f.Name, v}} {
				cmd := commandNamed(t, newTree(), name)
				if err := cmd.ParseFlags(args); err != nil {
					t.Errorf("%s %q: %v", name, args, err)
					continue
				}
				if got := cmd.Flags().Lookup(f.Name).Value.String(); got != v {
					t.Errorf("%s %q: --%s is %q", name, args, f.Name, got)
				}
			}
		})
	}
}

// TestREADMEListsEveryFlagAsHelpDoes: the Flags section of README names the
// same flags, command by command, as the commands have.
func TestREADMEListsEveryFlagAsHelpDoes(t *testing.T) {
	block := readmeFlagsBlock(t)
	listed := map[string][]string{}
	command := ""
	flagAtStart := regexp.MustCompile(`^\s+(?:-[a-z], )?--([a-z-]+)`)
	for _, line := range strings.Split(block, "\n") {
		switch {
		case strings.HasPrefix(line, "basiq-onboard simulator"):
			command = "simulator"
		case strings.HasPrefix(line, "basiq-onboard listen"):
			command = "listen"
		case strings.HasPrefix(line, "basiq-onboard ["):
			command = ""
		case strings.HasPrefix(line, "basiq-onboard "):
			command = "another" // trigger's and webhooks': TestREADMEListsTheWebhookCommandsFlags
		}
		if m := flagAtStart.FindStringSubmatch(line); m != nil {
			listed[command] = append(listed[command], m[1])
		}
	}
	tree := (&app{getenv: func(string) string { return "" }}).commandTree()
	for _, name := range []string{"", "simulator", "listen"} {
		var flags []string
		commandNamed(t, tree, name).Flags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f.Name) })
		if got, want := strings.Join(listed[name], " "), strings.Join(flags, " "); got != want {
			t.Errorf("README's flags of %q:\n %s\nthe command's, in --help's order:\n %s", "basiq-onboard "+name, got, want)
		}
	}
}
