package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// interruption is why the run was stopped from outside: a signal.
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return "interrupted by " + i.sig.String() }

// ExitCode is the code for a signal: 128 + its number, as shells report it.
func (i interruption) ExitCode() int {
	switch i.sig {
	case syscall.SIGTERM:
		return qs.ExitTerminated
	case syscall.SIGHUP:
		return qs.ExitHungUp
	}
	return qs.ExitInterrupted
}

// withSignals is a context cancelled, with the signal as its cause, by
// SIGINT, SIGTERM or SIGHUP; stop ends the watch. The signals are the
// program's own (not fang's WithNotifySignal, nor Bubble Tea's handler):
// each has its exit code, and the terminal is restored before it is used.
func withSignals() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			cancel(interruption{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// signalled is the exit code for a context a signal cancelled, 0 if none did.
func signalled(ctx context.Context) int {
	var i interruption
	if errors.As(context.Cause(ctx), &i) {
		return i.ExitCode()
	}
	return 0
}
