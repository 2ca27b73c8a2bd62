package simulator

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRunCommandPrintsExportsAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr strings.Builder
	done := make(chan int)
	go func() {
		code := RunCommand(ctx, []string{"--addr", "127.0.0.1:0", "--faults", "503=0.5,seed=3"}, w, &stderr)
		w.Close()
		done <- code
	}()
	guard := time.AfterFunc(10*time.Second, cancel) // a missing line fails the test, not hangs it
	defer guard.Stop()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "Misbehaving on purpose") {
			break
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after ctrl+c, want 0; stderr: %s", code, stderr.String())
	}
	text := strings.Join(lines, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "export BASIQ_API_URL=http://127.0.0.1:") || lines[1] != "export BASIQ_API_KEY="+DemoAPIKey ||
		lines[2] != "export BASIQ_CONSENT_URL="+strings.TrimPrefix(lines[0], "export BASIQ_API_URL=")+"/consent/home" {
		t.Errorf("the first three lines are not the exports a shell can eval:\n%s", text)
	}
	if !strings.Contains(text, "--faults 503=0.5,seed=3") {
		t.Errorf("the banner does not say the simulator misbehaves on purpose:\n%s", text)
	}
}

func TestRunCommandRejectsBadFaults(t *testing.T) {
	var stderr strings.Builder
	if code := RunCommand(context.Background(), []string{"--faults", "503=2"}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "--faults") {
		t.Errorf("exit %d, stderr %q: a bad spec is a usage error naming --faults", code, stderr.String())
	}
}

func TestRunCommandListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "127.evil.example:0", "192.168.1.10:8080", "example.com:80", "127.0.0.1"} {
		var stderr strings.Builder
		if code := RunCommand(context.Background(), []string{"--addr", addr}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "--addr "+addr) {
			t.Errorf("--addr %s: exit %d, stderr %q; want a usage error naming it", addr, code, stderr.String())
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "127.1.2.3:0", "[::1]:0", "localhost:8080"} {
		if err := loopback(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}

func TestRunCommandRejectsBadMaxUsers(t *testing.T) {
	var stderr strings.Builder
	if code := RunCommand(context.Background(), []string{"--max-users", "0"}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "--max-users") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestRunCommandRejectsBadWebhookFlags(t *testing.T) {
	for _, c := range []struct{ args []string }{
		{[]string{"--webhook-time-scale", "0"}},
		{[]string{"--webhook-time-scale", "-1"}},
		{[]string{"--webhook-time-scale", "fast"}},
		{[]string{"--webhook-faults", "users.created#2=bad-signature"}},
		{[]string{"--webhook-faults", "user.created#2=late"}},
	} {
		var stderr strings.Builder
		if code := RunCommand(context.Background(), c.args, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), strings.TrimLeft(c.args[0], "-")) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming the flag", c.args, code, stderr.String())
		}
	}
}

func TestRunCommandSaysHowWebhooksMisbehave(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan int)
	go func() {
		code := RunCommand(ctx, []string{"--addr", "127.0.0.1:0", "--webhook-time-scale", "0.001", "--webhook-faults", "*#1=duplicate"}, w, io.Discard)
		w.Close()
		done <- code
	}()
	guard := time.AfterFunc(10*time.Second, cancel)
	defer guard.Stop()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.Contains(sc.Text(), "--webhook-faults") {
			break
		}
	}
	cancel()
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "0.001 times Basiq's schedule (--webhook-time-scale): 5 s becomes 5ms") || !strings.Contains(text, "(--webhook-faults *#1=duplicate)") {
		t.Errorf("the banner:\n%s", text)
	}
}
