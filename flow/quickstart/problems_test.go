package quickstart

import (
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

func TestProblemDoesNotSayBasiqsTitleTwice(t *testing.T) {
	err := &basiq.Error{Status: 500, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{
		Code: "internal-server-error", Title: "Internal Server error.", Detail: "Internal Server error. Contact support."}}}
	p := problemFor(CallServerToken, err)
	if strings.Count(p.What, "Internal Server error") != 1 || !strings.Contains(p.What, "Contact support.") {
		t.Errorf("What = %q: the title once, then the rest of the detail", p.What)
	}
	locked := &basiq.Error{Status: 400, Items: []basiq.ErrorItem{{Code: "x", Title: "Account is locked", Detail: "Call the bank."}}}
	if p := problemFor(CallGetJob, locked); !strings.Contains(p.What, "Account is locked. Call the bank.") {
		t.Errorf("What = %q: title and a different detail both belong", p.What)
	}
}

func TestUserMayExistProblemSaysItOnceWithoutTheRequestDump(t *testing.T) {
	err := &basiq.Error{Status: 500, Method: "POST", Path: "/users", CorrelationID: "c69f94cb", UserMayExist: true,
		Items: []basiq.ErrorItem{{Code: "internal-server-error", Title: "Internal Server error.", Detail: "Internal Server error. Contact support."}}}
	p := problemFor(CallCreateUser, err)
	if !strings.Contains(p.What, "500 internal-server-error") || strings.Contains(p.What, "basiq:") ||
		strings.Contains(p.What, "c69f94cb") || strings.Contains(p.What, "may have been created") {
		t.Errorf("What = %q: the answer in a few words; the id and the warning have lines of their own", p.What)
	}
	if p.CorrelationID != "c69f94cb" || !strings.Contains(p.Meaning, "may or may not exist") {
		t.Errorf("problem = %+v", p)
	}
}

func TestRedirectsAndTimeoutsAreSaidInTheirOwnWords(t *testing.T) {
	redirect := &basiq.Error{Status: 307, Location: "http://127.0.0.1:9/token", Body: `a redirect to "http://127.0.0.1:9/token" (API calls never follow one)`}
	if p := problemFor(CallServerToken, redirect); !strings.Contains(p.What, "redirect to") || !strings.Contains(p.Next, "--api-url") {
		t.Errorf("redirect: %+v", p)
	}
	// A proxy's HTML page is not a redirect: its advice stays.
	html := &basiq.Error{Status: 502, Body: "an HTML page"}
	if p := problemFor(CallServerToken, html); !strings.Contains(p.Next, "proxy") {
		t.Errorf("HTML page: %+v", p)
	}
}

func TestBasiqsOwn503IsNotBlamedOnTheBank(t *testing.T) {
	err := &basiq.Error{Status: 503, Method: "DELETE", Path: "/users/x", Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service Unavailable"}}}
	if p := problemFor(CallDeleteUser, err); strings.Contains(p.Meaning, "bank") || !strings.Contains(p.Meaning, "Basiq") {
		t.Errorf("meaning %q", p.Meaning)
	}
}
