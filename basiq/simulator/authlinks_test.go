package simulator

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func (s *sim) createUserWith(tok, body string) string {
	s.t.Helper()
	a := s.do("POST", "/users", s.bearer(tok), body)
	if a.status != 201 {
		s.t.Fatalf("POST /users %s: %d %s", body, a.status, a.raw)
	}
	return a.body["id"].(string)
}

// authLinkOf is the user's links.auth_link: "" when null.
func (s *sim) authLinkOf(tok, user string) string {
	s.t.Helper()
	link, _ := s.do("GET", "/users/"+user, s.bearer(tok), "").body["links"].(map[string]any)["auth_link"].(string)
	return link
}

// TestAuthLinkOpensTheConsentPage: the public URL of a new auth link is the
// consent page for its user, which completes consent there; the user names
// the link while it works.
func TestAuthLinkOpensTheConsentPage(t *testing.T) {
	s := newSim(t, Options{RedirectURL: "http://127.0.0.1:9/done"})
	tok := s.serverToken()
	user := s.createUserWith(tok, `{"email":"max@example.com","mobile":"+61410888999"}`)
	if link := s.authLinkOf(tok, user); link != "" {
		t.Errorf("a new user names an auth link: %q", link)
	}
	created := s.do("POST", "/users/"+user+"/auth_link", s.bearer(tok), "")
	public, _ := created.body["links"].(map[string]any)["public"].(string)
	self, _ := created.body["links"].(map[string]any)["self"].(string)
	expires, _ := time.Parse(time.RFC3339, created.body["expiresAt"].(string))
	if created.status != 201 || created.body["type"] != "auth_link" || created.body["userId"] != user || created.body["mobile"] != "+61410888999" ||
		!expires.Equal(s.clock.Now().Add(7*24*time.Hour).Truncate(time.Second)) || !strings.HasPrefix(public, s.http.URL+"/consent/link/") ||
		self != s.http.URL+"/users/"+user+"/auth_link" {
		t.Fatalf("POST auth_link: %d %s", created.status, created.raw)
	}
	if _, hasID := created.body["id"]; hasID {
		t.Errorf("POST's answer has an id, which the spec's and Basiq's captured answer lack: %s", created.raw)
	}
	if link := s.authLinkOf(tok, user); link != self {
		t.Errorf("the user's links.auth_link is %q, want %q", link, self)
	}
	got := s.do("GET", "/users/"+user+"/auth_link", s.bearer(tok), "")
	if got.status != 200 || got.body["id"] == nil || got.body["links"].(map[string]any)["public"] != public {
		t.Errorf("GET auth_link: %d %s", got.status, got.raw)
	}

	// The public URL: the consent page, for this user, with a token of its own.
	opened := s.page("GET", strings.TrimPrefix(public, s.http.URL)+"?state=abc&action=connect", nil)
	next, _ := url.Parse(opened.location)
	token := next.Query().Get("token")
	if opened.status != 303 || next.Path != "/consent/home" || next.Query().Get("state") != "abc" || next.Query().Get("action") != "connect" {
		t.Fatalf("opening the link: %d %q", opened.status, opened.location)
	}
	if c := tokenClaims(t, token); c["scope"] != "CLIENT_ACCESS" || c["userid"] != user {
		t.Errorf("the link's consent page has the token %v", c)
	}
	if p := s.page("GET", opened.location, nil); p.status != 200 || !strings.Contains(p.html, `id="consent"`) {
		t.Errorf("the consent page: %d %s", p.status, p.html)
	}
	done := s.page("POST", "/consent/connect", url.Values{"token": {token}, "institutionId": {"AU00000"}, "loginId": {"Wentworth-Smith"}, "password": {"whislter"}, "state": {"abc"}})
	if done.status != 303 || !strings.Contains(done.location, "jobIds=") || !strings.Contains(done.location, "state=abc") {
		t.Fatalf("consent through the link: %d %q %s", done.status, done.location, done.html)
	}
	if jobs := s.do("GET", "/users/"+user+"/jobs", s.bearer(tok), ""); len(jobs.items()) != 1 {
		t.Errorf("consent through the link made %d jobs: %s", len(jobs.items()), jobs.raw)
	}

	// A new link replaces the old; deleting it ends it.
	again := s.do("POST", "/users/"+user+"/auth_link", s.bearer(tok), `{"mobile":"+61410000111"}`)
	newPublic := again.body["links"].(map[string]any)["public"].(string)
	if again.status != 201 || again.body["mobile"] != "+61410000111" || newPublic == public {
		t.Fatalf("a second link: %d %s", again.status, again.raw)
	}
	if p := s.page("GET", strings.TrimPrefix(public, s.http.URL), nil); p.status != 410 || !strings.Contains(p.html, "newer link") {
		t.Errorf("the replaced link: %d %s", p.status, p.html)
	}
	if a := s.do("DELETE", "/users/"+user+"/auth_link", s.bearer(tok), ""); a.status != 204 || a.raw != "" {
		t.Errorf("DELETE auth_link: %d %s", a.status, a.raw)
	}
	if p := s.page("GET", strings.TrimPrefix(newPublic, s.http.URL), nil); p.status != 410 || !strings.Contains(p.html, "deleted") {
		t.Errorf("the deleted link: %d %s", p.status, p.html)
	}
	if a := s.do("GET", "/users/"+user+"/auth_link", s.bearer(tok), ""); a.status != 404 || a.errorCode() != "resource-not-found" {
		t.Errorf("GET after DELETE (404, as Basiq's own test of the route expects): %d %s", a.status, a.raw)
	}
	if a := s.do("DELETE", "/users/"+user+"/auth_link", s.bearer(tok), ""); a.status != 404 {
		t.Errorf("DELETE again: %d %s", a.status, a.raw)
	}
	if link := s.authLinkOf(tok, user); link != "" {
		t.Errorf("after DELETE the user still names %q", link)
	}
	if p := s.page("GET", "/consent/link/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", nil); p.status != 404 {
		t.Errorf("a link never made: %d", p.status)
	}
}

func TestAuthLinkExpiresAfterAWeek(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUserWith(tok, `{"mobile":"+61410888999"}`)
	public := s.do("POST", "/users/"+user+"/auth_link", s.bearer(tok), `{}`).body["links"].(map[string]any)["public"].(string)
	s.clock.Advance(7*24*time.Hour - time.Second)
	if p := s.page("GET", strings.TrimPrefix(public, s.http.URL), nil); p.status != 303 {
		t.Errorf("a second before the week is out: %d", p.status)
	}
	s.clock.Advance(time.Second)
	tok = s.serverToken() // the first has expired long since
	if a := s.do("GET", "/users/"+user+"/auth_link", s.bearer(tok), ""); a.status != 410 || a.errorCode() != "resource-no-longer-available" {
		t.Errorf("GET after a week: %d %s", a.status, a.raw)
	}
	if p := s.page("GET", strings.TrimPrefix(public, s.http.URL), nil); p.status != 410 || !strings.Contains(p.html, "expired") {
		t.Errorf("the link after a week: %d %s", p.status, p.html)
	}
	if link := s.authLinkOf(tok, user); link != "" {
		t.Errorf("an expired link is still named: %q", link)
	}
}

func TestAuthLinkRequestsBasiqRefuses(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	noMobile := s.createUser(tok, "max@example.com")
	withMobile := s.createUserWith(tok, `{"mobile":"+61410888999"}`)
	asJSON := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	bare := map[string]string{"Authorization": "Bearer " + tok}
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		code               string
	}{
		{"no mobile anywhere", "POST", "/users/" + noMobile + "/auth_link", asJSON, `{}`, 400, "parameter-not-supplied"},
		{"a bad mobile", "POST", "/users/" + noMobile + "/auth_link", asJSON, `{"mobile":"0410"}`, 400, "parameter-not-valid"},
		{"not JSON", "POST", "/users/" + withMobile + "/auth_link", asJSON, `{mobile`, 400, "invalid-content"},
		{"a body without Content-Type", "POST", "/users/" + withMobile + "/auth_link", bare, `{"mobile":"+61410888999"}`, 415, "unsupported-content-type"},
		{"no body, no Content-Type", "POST", "/users/" + withMobile + "/auth_link", bare, ``, 201, ""},
		{"the mobile sent", "POST", "/users/" + noMobile + "/auth_link", asJSON, `{"mobile":"+61410888000"}`, 201, ""},
		{"a client token", "POST", "/users/" + withMobile + "/auth_link", s.bearer(s.clientToken(withMobile)), `{}`, 403, "forbidden-access"},
		{"a client token reading", "GET", "/users/" + withMobile + "/auth_link", s.bearer(s.clientToken(withMobile)), ``, 403, "forbidden-access"},
		{"no token", "GET", "/users/" + withMobile + "/auth_link", nil, ``, 401, "invalid-authorization-token"},
		{"an unknown user", "POST", "/users/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a/auth_link", asJSON, `{}`, 404, "resource-not-found"},
		{"not a user id", "DELETE", "/users/nope/auth_link", asJSON, ``, 400, "parameter-not-valid"},
		{"no link yet", "GET", "/users/" + s.createUserWith(tok, `{"mobile":"+61410888999"}`) + "/auth_link", asJSON, ``, 404, "resource-not-found"},
	}
	for _, c := range cases {
		if a := s.do(c.method, c.path, c.header, c.body); a.status != c.status || a.errorCode() != c.code {
			t.Errorf("%s: want %d %s, got %d %s", c.name, c.status, c.code, a.status, a.raw)
		}
	}
	// A user deleted takes their links with them.
	public := s.do("GET", "/users/"+withMobile+"/auth_link", s.bearer(tok), "").body["links"].(map[string]any)["public"].(string)
	s.do("DELETE", "/users/"+withMobile, s.bearer(tok), "")
	if p := s.page("GET", strings.TrimPrefix(public, s.http.URL), nil); p.status != 404 {
		t.Errorf("the link of a deleted user: %d", p.status)
	}
}
