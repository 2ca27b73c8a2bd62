package connections

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var now = time.Date(2026, 11, 24, 14, 5, 12, 0, time.UTC)

const request = "GET /users/7f1c2a4e…/connections"

func twoBanks() State {
	return State{Load: listing.Load{Loaded: true, Request: request}, Now: now, Banks: map[string]string{"AU00000": "Hooli Bank", "AU00002": "Pied Piper Bank"},
		Items: []basiq.Connection{
			{ID: "b1d3c0de-0000-4000-8000-000000000001", Method: "web", Status: basiq.ConnectionActive, CreatedDate: "2026-11-24T14:01:02Z", LastUsed: "2026-11-24T14:01:40Z", Institution: basiq.Ref{ID: "AU00000"}},
			{ID: "b1d3c0de-0000-4000-8000-000000000002", Method: "web", Status: basiq.ConnectionInvalid, CreatedDate: "2025-06-30T09:12:00Z", LastUsed: "2026-11-24T14:04:59Z", Institution: basiq.Ref{ID: "AU00002"}},
		}}
}

func sized(w, h int, s State) Model {
	return uitest.InTabs(New(theme.New(true)), frame.TabbedBodySize, w, h, s)
}

func TestGoldens(t *testing.T) {
	cases := map[string]uitest.Drawn[State, Model]{
		"loading":         {State: State{Load: listing.Load{Loading: true, Request: request}}},
		"two_banks":       {State: twoBanks()},
		"second_selected": {State: twoBanks(), Then: uitest.Pressing[Model]("down")},
		"none":            {State: State{Load: listing.Load{Loaded: true, Request: request}}},
		"consent_revoked": {State: State{Load: listing.Load{Loaded: true, Request: request}, NoConsent: true}},
		"problem": {State: State{Load: listing.Load{Request: request, Problem: &theme.Problem{What: "Loading the connections: Service unavailable. (503 service-unavailable)",
			Meaning: "Basiq is not answering right now.", CorrelationID: "c0ffee"}}}},
	}
	uitest.StateGoldens(t, uitest.Windows, frame.TabbedBodySize, cases, sized)
}

func TestKeysActOnTheSelectedConnection(t *testing.T) {
	m := sized(80, 24, twoBanks())
	uitest.Sends(t, m, RefreshAskedMsg{ID: "b1d3c0de-0000-4000-8000-000000000001"}, "u")
	m, _ = uitest.Keys(m, "j")
	uitest.Sends(t, m, RemoveAskedMsg{ID: "b1d3c0de-0000-4000-8000-000000000002"}, "x") // on the second
	uitest.Sends(t, m, keys.IntentMsg{Intent: keys.RefreshAll}, "U")
	uitest.Sends(t, m, keys.IntentMsg{Intent: keys.NewLink}, "b")
	// Issue 19 item 16: one connection: refreshing all is refreshing it, and U says so.
	one := twoBanks()
	one.Items = one.Items[:1]
	m = sized(80, 24, one)
	uitest.Sends(t, m, keys.IntentMsg{Intent: keys.RefreshAll}, "U")
	var saysOne bool
	for _, k := range m.ShortHelp() {
		saysOne = saysOne || k.Help().Key == "U" && strings.Contains(k.Help().Desc, "the one")
	}
	if !saysOne {
		t.Errorf("with one connection the help does not say U refreshes it: %v", m.ShortHelp())
	}
	// None: only another bank works, and the help says so.
	m = sized(80, 24, State{Load: listing.Load{Loaded: true}})
	var helps []string
	for _, k := range m.ShortHelp() {
		helps = append(helps, k.Help().Key)
	}
	if strings.Join(helps, " ") != "b" {
		t.Errorf("keys with no connection: %q", helps)
	}
	for _, key := range []string{"u", "d", "U"} {
		uitest.Sends(t, m, nil, key) // with no connection
	}
}

func TestANotActiveConnectionSaysWhatToDo(t *testing.T) {
	m := sized(120, 40, twoBanks())
	m, _ = uitest.Keys(m, "down")
	if v := m.View(); !strings.Contains(v, "Not active: Basiq does not refresh it") {
		t.Errorf("an invalid connection selected:\n%s", v)
	}
}

func TestItem12AfterARevokeTheViewSaysConsentIsTheWayToABankAgain(t *testing.T) {
	m := sized(80, 24, State{Load: listing.Load{Loaded: true, Request: request}, NoConsent: true})
	if v := m.View(); !strings.Contains(v, "the consent was revoked") {
		t.Errorf("an empty list after a revoke does not say why:\n%s", v)
	}
	var help []string
	for _, k := range m.ShortHelp() {
		help = append(help, k.Help().Key+" "+k.Help().Desc)
	}
	if strings.Join(help, " · ") != "b consent again" {
		t.Errorf("keys after a revoke: %q, want only b, to consent again", help)
	}
	uitest.Sends(t, m, keys.IntentMsg{Intent: keys.NewLink}, "b")
}
