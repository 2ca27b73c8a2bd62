// Command basiq-onboard walks a developer through the Basiq API v3 quickstart:
// API key, access token, a user, consent in the browser, the connection job,
// and the user's accounts. See README.md; the command line is flow/cli.
package main

import (
	"os"

	"github.com/basiq-onboard/basiq-onboard/flow/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
