package main

import "testing"

// TestTmuxEscThenCtrlCQuits: esc and ctrl+c sent together reach the
// program as ESC 0x03, one key (ctrl+alt+c), which must quit as ctrl+c does.
func TestTmuxEscThenCtrlCQuits(t *testing.T) {
	env, _ := cleanEnv(t)
	s := startTmux(t, env, 100, 30, "--demo", "--no-browser")
	s.waitFor("Email")
	s.keys("Escape", "C-c") // one send-keys: the two bytes arrive together
	s.exits("130", "esc then ctrl+c: ")
	s.leftTheTerminalAsItWas("quitting")
}
