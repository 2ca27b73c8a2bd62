package flow

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// call in flight must end when its run does.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
