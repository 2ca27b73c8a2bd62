package basiq

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: a call
// that outlives its context, a token fetch nobody waits for, a body never
// closed. Every server in these tests is closed by t.Cleanup, which also
// closes the idle connections of http.DefaultTransport, so nothing is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
