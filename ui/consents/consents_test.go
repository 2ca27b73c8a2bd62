package consents

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var now = time.Date(2026, 11, 24, 14, 5, 12, 0, time.UTC)

func given() State {
	revokedAt := now.Add(-time.Hour)
	purpose := basiq.ConsentPurpose{Primary: basiq.ConsentText{Title: "See your accounts in basiq-onboard",
		Description: "basiq-onboard shows your accounts and transactions in your terminal."}}
	perms := basiq.ConsentData{Permissions: []basiq.ConsentPermission{
		{Consented: true, Information: basiq.ConsentInformation{Name: "Your account names, numbers and balances"}},
		{Consented: true, Information: basiq.ConsentInformation{Name: "Your transactions for the last 180 days"}},
		{Consented: false, Information: basiq.ConsentInformation{Name: "Your statements"}},
	}}
	return State{Load: listing.Load{Loaded: true, Request: "GET /users/7f1c2a4e…/consents"}, Items: []Item{
		{Consent: basiq.Consent{ID: "cons-2", Status: basiq.ConsentActive, Created: now.Add(-time.Minute), ExpiryDate: now.AddDate(1, 0, 0), Purpose: purpose, Data: perms}, Revocable: true},
		{Consent: basiq.Consent{ID: "cons-1", Status: basiq.ConsentRevoked, Created: now.AddDate(0, -2, 0), ExpiryDate: now.AddDate(0, 10, 0), Revoked: &revokedAt, Purpose: purpose}},
	}}
}

func sized(w, h int, s State) Model {
	return uitest.InTabs(New(theme.New(true)), frame.TabbedBodySize, w, h, s)
}

func TestGoldens(t *testing.T) {
	cases := map[string]uitest.Drawn[State, Model]{
		"given":            {State: given()},
		"revoked_selected": {State: given(), Then: uitest.Pressing[Model]("down")},
		"none":             {State: State{Load: listing.Load{Loaded: true, Request: "GET /users/7f1c2a4e…/consents"}}},
	}
	uitest.StateGoldens(t, uitest.Windows, frame.TabbedBodySize, cases, sized)
}

func TestOnlyAConsentInForceIsOfferedForRevoking(t *testing.T) {
	m := sized(80, 24, given())
	uitest.Sends(t, m, RemoveAskedMsg{ID: "cons-2"}, "x") // on the consent in force
	m, _ = uitest.Keys(m, "down")
	uitest.Sends(t, m, nil, "x") // on a revoked consent
	for _, k := range m.ShortHelp() {
		if k.Help().Key == "x" {
			t.Error("x is offered on a revoked consent")
		}
	}
	if v := m.View(); strings.Contains(v, "x revokes it") {
		t.Errorf("a revoked consent says x revokes it:\n%s", v)
	}
}
