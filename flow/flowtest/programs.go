package flowtest

import (
	"io"
	"os"
	"os/exec"
	"testing"
)

// RequireProgram is the path of a program a test runs (bash, curl, jq). It
// skips the test, naming the Debian package, where the program is missing,
// except under CI=true, where every test must run and it fails instead.
func RequireProgram(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must run every test (apt-get install %s)", name, debianPackage)
	}
	t.Skipf("%s is not installed: apt-get install %s", name, debianPackage)
	return ""
}

// Start starts cmd with its stdout piped back, and kills it at the test's
// end if it still runs: a test reads what it prints while it runs.
func Start(t testing.TB, cmd *exec.Cmd) io.Reader {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return stdout
}
