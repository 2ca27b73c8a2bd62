package main

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/creack/pty"
)

// keyScreenText is on the key screen's first frame; the terminal queries
// Bubble Tea writes first are not the frame.
const keyScreenText = "Paste the key from the Basiq dashboard"

// timeToKeyScreen runs bin on a 100x30 pty as a first-time user (no key, no
// keyring) and returns how long after exec the key screen's text arrived.
func timeToKeyScreen(tb testing.TB, bin string) time.Duration {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{"HOME=" + tb.TempDir(), "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"}
	start := time.Now()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = tty.Close()
	}()
	seen := make(chan time.Duration, 1)
	go func() {
		var out []byte
		buf := make([]byte, 32<<10)
		for {
			n, err := tty.Read(buf)
			out = append(out, buf[:n]...)
			if bytes.Contains(out, []byte(keyScreenText)) {
				seen <- time.Since(start)
				return
			}
			if err != nil {
				close(seen)
				return
			}
		}
	}()
	select {
	case took, ok := <-seen:
		if !ok {
			tb.Fatal("the program ended without showing the key screen")
		}
		return took
	case <-time.After(10 * time.Second):
		tb.Fatal("no key screen within 10s")
	}
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkStartupToKeyScreen is what a user waits for: exec to the key
// screen's text on a pty. Run it 20 times (-benchtime=20x) for a median;
// BASIQ_BENCH_BASELINE=/path/to/another/build pairs each run with one of that
// binary, A then B, so a noisy machine slows both alike.
func BenchmarkStartupToKeyScreen(b *testing.B) {
	bin := binary(b)
	baseline := os.Getenv("BASIQ_BENCH_BASELINE")
	var this, base []time.Duration
	for b.Loop() {
		this = append(this, timeToKeyScreen(b, bin))
		if baseline != "" {
			base = append(base, timeToKeyScreen(b, baseline))
		}
	}
	b.ReportMetric(float64(median(this).Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(slices.Min(this).Microseconds())/1000, "ms-min")
	if baseline != "" {
		b.ReportMetric(float64(median(base).Microseconds())/1000, "baseline-ms-median")
	}
}
