package basiqtest

import (
	"testing"
	"time"
)

// Receive is the next value from ch. Where none comes within 10 s it fails
// the test, naming what did not come: a bound for a broken test, never a
// wait that a passing one makes.
func Receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		var zero T
		return zero
	}
}
