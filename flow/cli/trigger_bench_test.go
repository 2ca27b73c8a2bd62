package cli

import (
	"slices"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
)

// BenchmarkTriggerToHandler: from `basiq-onboard trigger user.created`
// starting (in this process, against a simulator on loopback) to the
// app's webhook handler holding the delivery: the command's token, its
// GET /_simulator, the trigger, and the signed POST. It reports; it does
// not fail.
func BenchmarkTriggerToHandler(b *testing.B) {
	env, _ := hookSim(b, simulator.Options{})
	h := newHandler(b)
	if r := runWithInput(b, env, nil, "webhooks", "create", "--url", h.url, "--events", "user.created"); r.code != 0 {
		b.Fatalf("create: %s", r.stderr)
	}
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if r := runWithInput(b, env, nil, "trigger", "user.created"); r.code != 0 {
			b.Fatalf("trigger: %s", r.stderr)
		}
		select {
		case <-h.got:
		case <-time.After(10 * time.Second):
			b.Fatal("no delivery")
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(took[len(took)/2]), "median-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
}
