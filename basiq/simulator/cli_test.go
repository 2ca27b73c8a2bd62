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
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "export BASIQ_API_URL=http://127.0.0.1:") || lines[1] != "export BASIQ_API_KEY="+DemoAPIKey {
		t.Errorf("the first two lines are not the exports a shell can eval:\n%s", text)
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
