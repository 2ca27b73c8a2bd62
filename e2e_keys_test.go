package main

import "testing"

// TestTmuxEscThenCtrlCQuits: esc and ctrl+c sent together reach the
// program as ESC 0x03, one key (ctrl+alt+c), which must quit as ctrl+c does.
func TestTmuxEscThenCtrlCQuits(t *testing.T) {
	env, _ := cleanEnv(t)
	s := startTmux(t, env, 100, 30, "--demo", "--no-browser")
	s.waitFor("Email")
	s.keys("Escape", "C-c") // one send-keys: the two bytes arrive together
	if code := s.exitCode(); code != "130" {
		t.Errorf("esc then ctrl+c: exit %s, want 130; the screen:\n%s", code, s.pane())
	}
	if alt, cursor, echo := s.terminal(); alt || !cursor || !echo {
		t.Errorf("after quitting: alternate screen %v, cursor %v, echo %v", alt, cursor, echo)
	}
}
