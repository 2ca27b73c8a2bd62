package simulator

import (
	"context"
	"fmt"
	"io"
)

// RunCommand runs `basiq-onboard simulator [flags]` until ctx is cancelled.
// Placeholder until the simulator lands.
func RunCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "basiq-onboard: the simulator is not built yet")
	return 2
}
