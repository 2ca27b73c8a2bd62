package text

import "github.com/basiq-onboard/basiq-onboard/basiq/printable"

// Safe makes a string from the server (or anywhere untrusted) fit to print
// on one line: escape sequences are removed, tabs and newlines become
// spaces, and other hidden characters are dropped (printable.Line).
func Safe(s string) string { return printable.Line(s) }
