package quickstart

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Issue 19: the paths a person takes the second time, or one key off the
// README's order. Each test is named after the item.

var (
	badKey       = &basiq.Error{Status: 404, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Title: "Parameter not valid.", Detail: "Unable to authenticate with provided API key."}}}
	tooManyToken = &basiq.Error{Status: 403, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Title: "Forbidden", Detail: "Invalid request"}}}
	refused      = &basiq.Error{Method: "POST", Path: "/token"} // no answer: a connection refused
)

// fromKeyScreenToDemo is an interactive session on the real API that a
// person turns into the demo from the key screen (ctrl+d or d), after the
// real API's last session was recalled.
func fromKeyScreenToDemo(t *testing.T) *driver {
	t.Helper()
	d, effs := drive(t, Config{Interactive: true, KeyStore: true})
	want[Recall](t, effs)
	want[LoadSavedKey](t, effs)
	d.apply(SavedKeyLoaded{})
	d.apply(Remembered{Memory: Memory{UserID: userID, Created: true}})
	want[StartDemo](t, d.apply(DemoAsked{}))
	want[CheckKey](t, d.apply(DemoStarted{}))
	d.apply(KeyChecked{Source: KeyDemo})
	if d.s.Stage != StageUser || !d.s.Demo {
		t.Fatalf("on %v (demo %v), want the demo's user form", d.s.Stage, d.s.Demo)
	}
	return d
}

func TestItem4TheDemosEmptyFormMakesMaxWhereverTheDemoStarted(t *testing.T) {
	for name, d := range map[string]*driver{
		"--demo":              demoAtTheForm(t),
		"from the key screen": fromKeyScreenToDemo(t),
	} {
		effs := d.apply(UserSubmitted{})
		create, ok := first[CreateUser](effs)
		if !ok || create.User.Email != ExampleEmail || d.s.Problem != nil {
			t.Errorf("%s: enter on the empty form: %s, problem %+v; want %s created", name, describe(effs), d.s.Problem, ExampleEmail)
		}
	}
}

func demoAtTheForm(t *testing.T) *driver {
	d, _ := drive(t, Config{Interactive: true, Demo: true})
	d.apply(DemoStarted{})
	d.apply(KeyChecked{Source: KeyDemo})
	return d
}

// first is the first effect of type T, if any.
func first[T Effect](effs []Effect) (T, bool) {
	for _, e := range effs {
		if x, ok := e.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func TestItem5TheDemoNeverOffersTheRealAPIsSavedSession(t *testing.T) {
	d := fromKeyScreenToDemo(t)
	if d.s.User.Offer != nil {
		t.Errorf("the demo offers the real API's user: %+v", d.s.User.Offer)
	}
	// An answer that comes late, once the demo runs, is not the demo's either.
	d.apply(Remembered{Memory: Memory{UserID: userID}})
	if d.s.User.Offer != nil {
		t.Errorf("a late recall is offered in the demo: %+v", d.s.User.Offer)
	}
	if effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true}); has[Remember](effs) {
		t.Error("the demo's user was remembered")
	}
}

func TestItem5OnlyABadKeyIsTheSavedKeyThatNoLongerWorks(t *testing.T) {
	for name, err := range map[string]error{
		"refused":          refused,
		"503":              &basiq.Error{Status: 503, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service unavailable."}}},
		"timeout":          fmt.Errorf("POST /token: %w", context.DeadlineExceeded),
		"403 token limits": tooManyToken,
	} {
		d, _ := drive(t, Config{Interactive: true, KeyStore: true})
		check := want[CheckKey](t, d.apply(SavedKeyLoaded{Key: "saved"}))
		d.apply(KeyChecked{Source: check.Source, Err: err})
		p := d.s.Problem
		switch {
		case p == nil:
			t.Fatalf("%s: no problem", name)
		case strings.Contains(p.What, "no longer works"):
			t.Errorf("%s: %q blames the key", name, p.What)
		case !strings.Contains(p.What, "the saved key") || !strings.Contains(p.Next, "The saved key is kept."):
			t.Errorf("%s: %q / %q: say it was the saved key, and that it is kept", name, p.What, p.Next)
		case !p.Offers(RemedyRetry):
			t.Errorf("%s: no retry offered: %+v", name, p.Remedies)
		}
		// Retrying tries the saved key again.
		if again := want[CheckKey](t, d.apply(RetryAsked{})); again.Key != "saved" || again.Source != KeyFromStore {
			t.Errorf("%s: retry checks %+v", name, again)
		}
	}
	d, _ := drive(t, Config{Interactive: true, KeyStore: true})
	d.apply(SavedKeyLoaded{Key: "saved"})
	d.apply(KeyChecked{Source: KeyFromStore, Err: badKey})
	if p := d.s.Problem; p == nil || !strings.HasPrefix(p.What, "The saved key no longer works.") || p.Offers(RemedyRetry) {
		t.Errorf("a key Basiq does not know: %+v", p)
	}
}
