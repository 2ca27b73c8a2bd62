package simulator

import (
	"strings"
	"testing"
)

// GET /_simulator is how a command tells the simulator from Basiq: it says
// "simulator" to a server token, and to no one else.
func TestAboutSaysItIsTheSimulator(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	a := s.do("GET", "/_simulator", s.bearer(tok), "")
	if a.status != 200 || a.body["type"] != "simulator" || !strings.Contains(a.raw, "/_simulator/trigger") {
		t.Errorf("GET /_simulator: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/_simulator", nil, ""); a.status != 401 {
		t.Errorf("without a token: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/_simulator", s.bearer(s.clientToken(s.createUser(tok, "a@example.com"))), ""); a.status != 403 {
		t.Errorf("with a client token: %d %s", a.status, a.raw)
	}
}
