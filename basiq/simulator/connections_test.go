package simulator

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func (s *sim) clientToken(user string) string { return s.token("scope=CLIENT_ACCESS&userId=" + user) }

// connectWith completes consent for user at institution as login, returning the job.
func (s *sim) connectWith(user, institution, login, password string, opts ...ConsentOption) string {
	s.t.Helper()
	ids, err := s.srv.CompleteConsent(context.Background(), s.clientToken(user), institution, login, password, opts...)
	if err != nil || len(ids) != 1 {
		s.t.Fatalf("consent at %s as %s: %v %v", institution, login, ids, err)
	}
	return ids[0]
}

// connectAs is connectWith with the persona's own password.
func (s *sim) connectAs(user, institution, login string, opts ...ConsentOption) string {
	s.t.Helper()
	password, ok := Persona(login)
	if !ok {
		s.t.Fatalf("no persona %s", login)
	}
	return s.connectWith(user, institution, login, password, opts...)
}

// wrongPasswordConnection is a new user's connection to Hooli whose login failed.
func (s *sim) wrongPasswordConnection() (tok, user, conn string) {
	tok = s.serverToken()
	user = s.createUser(tok, "max@example.com")
	return tok, user, s.jobConnection(tok, s.connectWith(user, "AU00000", "Wentworth-Smith", "not-it"))
}

// items is the data of a list body.
func (a answer) items() []map[string]any {
	var out []map[string]any
	data, _ := a.body["data"].([]any)
	for _, d := range data {
		out = append(out, d.(map[string]any))
	}
	return out
}

// jobConnection is the connection a job works for: the last segment of links.source.
func (s *sim) jobConnection(tok, job string) string {
	a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
	src, _ := a.body["links"].(map[string]any)["source"].(string)
	return src[strings.LastIndexByte(src, '/')+1:]
}

func TestConnectionListedFetchedAndDeleted(t *testing.T) {
	s := newSim(t, Options{StepDelay: 2 * time.Second})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	conn := s.jobConnection(tok, job)
	list := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()
	if len(list) != 1 || list[0]["id"] != conn || list[0]["status"] != "pending" || list[0]["method"] != "web" || list[0]["lastUsed"] != list[0]["createdDate"] {
		t.Fatalf("a new connection: %v", list)
	}
	s.clock.Advance(10 * time.Second)
	one := s.do("GET", "/users/"+user+"/connections/"+conn, s.bearer(tok), "")
	accounts, _ := one.body["accounts"].(map[string]any)["data"].([]any)
	profile, _ := one.body["profile"].(map[string]any)
	created, _ := time.Parse(time.RFC3339, one.body["createdDate"].(string))
	lastUsed, _ := time.Parse(time.RFC3339, one.body["lastUsed"].(string))
	if one.status != 200 || one.body["status"] != "active" || len(accounts) != 4 || profile["fullName"] != "Max Wentworth-Smith" ||
		one.body["links"].(map[string]any)["user"] == nil || lastUsed.Sub(created) != 3*time.Second {
		t.Fatalf("the connection, done: %d %s", one.status, one.raw)
	}
	for name, path := range map[string]string{"not an id": "/connections/nope", "unknown": "/connections/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"} {
		a := s.do("GET", "/users/"+user+path, s.bearer(tok), "")
		if want := map[string]int{"not an id": 400, "unknown": 404}[name]; a.status != want {
			t.Errorf("%s connection: %d %s", name, a.status, a.raw)
		}
	}
	other := s.createUser(tok, "other@example.com")
	if a := s.do("GET", "/users/"+other+"/connections/"+conn, s.bearer(tok), ""); a.status != 404 {
		t.Errorf("another user's connection: %d", a.status)
	}

	if a := s.do("DELETE", "/users/"+user+"/connections/"+conn, s.bearer(s.clientToken(user)), ""); a.status != 204 || a.raw != "" {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	if n := len(s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()); n != 0 {
		t.Errorf("%d connections listed after the delete", n)
	}
	for _, a := range []answer{s.do("GET", "/users/"+user+"/connections/"+conn, s.bearer(tok), ""),
		s.do("DELETE", "/users/"+user+"/connections/"+conn, s.bearer(tok), ""),
		s.do("POST", "/users/"+user+"/connections/"+conn+"/refresh", s.bearer(tok), "")} {
		if a.status != 404 || a.errorCode() != "resource-not-found" {
			t.Errorf("a deleted connection: %d %s", a.status, a.raw)
		}
	}
	if n := len(s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()); n != 4 {
		t.Errorf("%d accounts after the connection's delete, want its 4: the data stays on the user", n)
	}
	if refs := s.do("GET", "/users/"+user, s.bearer(tok), "").body["connections"].(map[string]any); refs["count"] != float64(0) {
		t.Errorf("the user still refers to connections: %v", refs)
	}
}

func TestRefreshAllStartsAJobForEachConnection(t *testing.T) {
	s := newSim(t, Options{StepDelay: time.Second})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	if a := s.do("POST", "/users/"+user+"/connections/refresh", s.bearer(tok), ""); a.status != 202 || len(a.items()) != 0 || a.body["type"] != "list" {
		t.Errorf("refresh all without connections: %d %s", a.status, a.raw)
	}
	hooli := s.jobConnection(tok, s.connectAs(user, "AU00000", "Wentworth-Smith"))
	gov := s.jobConnection(tok, s.connectAs(user, "AU00004", "gavinBelson"))
	s.clock.Advance(time.Minute)
	a := s.do("POST", "/users/"+user+"/connections/refresh", s.bearer(tok), "")
	jobs := a.items()
	if a.status != 202 || len(jobs) != 2 {
		t.Fatalf("refresh all: %d %s", a.status, a.raw)
	}
	if got := []string{s.jobConnection(tok, jobs[0]["id"].(string)), s.jobConnection(tok, jobs[1]["id"].(string))}; got[0] != hooli || got[1] != gov {
		t.Errorf("the jobs are for %v, want [%s %s]", got, hooli, gov)
	}
	again := s.do("POST", "/users/"+user+"/connections/refresh", s.bearer(tok), "").items()
	if again[0]["id"] != jobs[0]["id"] || again[1]["id"] != jobs[1]["id"] {
		t.Errorf("refreshing again while the jobs run started others: %v then %v", jobs, again)
	}
	if a := s.do("POST", "/users/"+user+"/connections/refresh", s.bearer(s.clientToken(user)), ""); a.status != 403 {
		t.Errorf("refresh all with a client token: %d", a.status)
	}
}

func TestRevokingConsentEndsTheSharing(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	conn := s.jobConnection(tok, job)
	consents := s.do("GET", "/users/"+user+"/consents", s.bearer(s.clientToken(user)), "")
	list := consents.items()
	if consents.status != 200 || consents.body["size"] != float64(1) || len(list) != 1 {
		t.Fatalf("consents: %d %s", consents.status, consents.raw)
	}
	c := list[0]
	created, _ := time.Parse(time.RFC3339, c["created"].(string))
	expiry, _ := time.Parse(time.RFC3339, c["expiryDate"].(string))
	permissions := c["data"].(map[string]any)["permissions"].([]any)
	if c["status"] != "active" || !expiry.Equal(created.AddDate(1, 0, 0)) || c["purpose"].(map[string]any)["primary"] == nil ||
		len(permissions) != len(consentPolicy.Permissions) || c["revoked"] != nil {
		t.Errorf("a new consent: %v", c)
	}
	id := c["id"].(string)

	s.clock.Advance(time.Minute)
	if a := s.do("DELETE", "/users/"+user+"/consents/"+id, s.bearer(tok), ""); a.status != 204 {
		t.Fatalf("revoke: %d %s", a.status, a.raw)
	}
	c = s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()[0]
	if c["status"] != "revoked" || c["revoked"] != stamp(s.clock.Now()) || c["updated"] != c["revoked"] {
		t.Errorf("a revoked consent: %v", c)
	}
	for what, path := range map[string]string{"connections": "/connections", "accounts": "/accounts", "transactions": "/transactions"} {
		if n := len(s.do("GET", "/users/"+user+path, s.bearer(tok), "").items()); n != 0 {
			t.Errorf("%d %s after the revocation", n, what)
		}
	}
	if a := s.do("POST", "/users/"+user+"/connections/"+conn+"/refresh", s.bearer(tok), ""); a.status != 404 || a.errorCode() != "resource-not-found" {
		t.Errorf("refreshing a connection of the revoked consent: %d %s", a.status, a.raw)
	}
	if a := s.do("POST", "/users/"+user+"/connections/refresh", s.bearer(tok), ""); a.status != 202 || len(a.items()) != 0 {
		t.Errorf("refreshing all after the revocation: %d %s", a.status, a.raw)
	}
	cases := []struct {
		path   string
		status int
	}{{id, 204}, {"nope", 400}, {"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", 404}}
	for _, c := range cases {
		if a := s.do("DELETE", "/users/"+user+"/consents/"+c.path, s.bearer(tok), ""); a.status != c.status {
			t.Errorf("DELETE consent %s: %d %s", c.path, a.status, a.raw)
		}
	}

	// Consent again: a new consent, newest first, and the sharing resumes.
	s.connectAs(user, "AU00000", "Wentworth-Smith")
	list = s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()
	if len(list) != 2 || list[0]["status"] != "active" || list[1]["id"] != id {
		t.Errorf("consents after consenting again: %v", list)
	}
	if n := len(s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()); n != 4 {
		t.Errorf("%d accounts after consenting again", n)
	}
}

func TestConsentExpiresAfterAYear(t *testing.T) {
	s := newSim(t, Options{})
	user, _ := s.consent(s.serverToken(), "Wentworth-Smith", "whislter")
	s.clock.Advance(366 * 24 * time.Hour)
	tok := s.serverToken()
	if c := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()[0]; c["status"] != "expired" {
		t.Errorf("a consent a year and a day old: %v", c["status"])
	}
	if n := len(s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()); n != 0 {
		t.Errorf("%d connections after the consent expired", n)
	}
}

func TestUpdateUser(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	a := s.do("POST", "/users/"+user, s.bearer(tok), `{"mobile":"+61410888999","firstName":"Max","lastName":"Wentworth-Smith"}`)
	if a.status != 200 || a.body["email"] != "max@example.com" || a.body["mobile"] != "+61410888999" || a.body["name"] != "Max Wentworth-Smith" {
		t.Fatalf("update: %d %s", a.status, a.raw)
	}
	if got := s.do("GET", "/users/"+user, s.bearer(tok), ""); got.body["mobile"] != "+61410888999" || got.body["firstName"] != "Max" {
		t.Errorf("the update did not stay: %s", got.raw)
	}
	cases := []struct {
		name, body string
		header     map[string]string
		status     int
		code       string
	}{
		{"a bad email", `{"email":"max@"}`, s.bearer(tok), 400, "parameter-not-valid"},
		{"neither email nor mobile left", `{"email":"","mobile":""}`, s.bearer(tok), 400, "parameter-not-supplied"},
		{"not JSON", `{"email":"a@b.co"}`, map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "text/plain"}, 415, "unsupported-content-type"},
		{"a broken body", `{"email":`, s.bearer(tok), 400, "invalid-content"},
		{"a client token", `{"email":"a@b.co"}`, s.bearer(s.clientToken(user)), 403, "forbidden-access"},
	}
	for _, c := range cases {
		if a := s.do("POST", "/users/"+user, c.header, c.body); a.status != c.status || a.errorCode() != c.code {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
	if got := s.do("GET", "/users/"+user, s.bearer(tok), ""); got.body["email"] != "max@example.com" || got.body["mobile"] != "+61410888999" {
		t.Errorf("a refused update changed the user: %s", got.raw)
	}
	if a := s.do("POST", "/users/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", s.bearer(tok), `{"email":"a@b.co"}`); a.status != 404 {
		t.Errorf("an unknown user: %d", a.status)
	}
}

func TestUpdateCredentialsKeepsTheConnection(t *testing.T) {
	s := newSim(t, Options{})
	tok, user, conn := s.wrongPasswordConnection()
	if status := s.do("GET", "/users/"+user+"/connections/"+conn, s.bearer(tok), "").body["status"]; status != "invalid" {
		t.Fatalf("a connection with a wrong password is %v", status)
	}
	job := s.connectAs(user, "", "Wentworth-Smith", UpdateConnection(conn))
	if got := s.jobConnection(tok, job); got != conn {
		t.Errorf("the update's job is for connection %s, want %s", got, conn)
	}
	list := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()
	if len(list) != 1 || list[0]["status"] != "active" {
		t.Errorf("connections after the update: %v", list)
	}
	if n := len(s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()); n != 4 {
		t.Errorf("%d accounts after the update", n)
	}
	jobs := s.do("GET", "/users/"+user+"/jobs?filter="+url.QueryEscape("connection.id.eq('"+conn+"')"), s.bearer(tok), "").items()
	if len(jobs) != 2 {
		t.Errorf("the connection has %d jobs, want the failed one and the update's", len(jobs))
	}
	for name, opts := range map[string][]ConsentOption{
		"an unknown connection": {UpdateConnection("7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a")},
		"another bank":          {UpdateConnection(conn)},
	} {
		bank := map[string]string{"another bank": "AU00004"}[name]
		if _, err := s.srv.CompleteConsent(context.Background(), s.clientToken(user), bank, "Wentworth-Smith", "whislter", opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestConnectionsFilterAsDataJSONSays(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	hooli := s.jobConnection(tok, s.connectAs(user, "AU00000", "Wentworth-Smith"))
	failed := s.jobConnection(tok, s.connectWith(user, "AU00004", "gavinBelson", "wrong"))
	ids := func(filter string) string {
		a := s.do("GET", "/users/"+user+"/connections?filter="+url.QueryEscape(filter), s.bearer(tok), "")
		var out []string
		for _, c := range a.items() {
			out = append(out, c["id"].(string))
		}
		return strings.Join(out, " ")
	}
	cases := map[string]string{
		"institution.id.eq('AU00000')": hooli, "status.eq('invalid')": failed, "status.ne('invalid')": hooli,
		"id.eq('" + failed + "')": failed, "institution.id.ne('AU00000'),status.eq('active')": "",
	}
	for filter, want := range cases {
		if got := ids(filter); got != want {
			t.Errorf("%s: %q, want %q", filter, got, want)
		}
	}
	for _, filter := range []string{"connection.id.eq('x')", "status.gt('a')", "nonsense"} {
		if a := s.do("GET", "/users/"+user+"/connections?filter="+url.QueryEscape(filter), s.bearer(tok), ""); a.status != 400 {
			t.Errorf("%s: %d", filter, a.status)
		}
	}
}

// TestPurgeDropsTheDataAndKeepsTheConnection: data.json's purge, then the
// refresh it recommends brings the data back.
func TestPurgeDropsTheDataAndKeepsTheConnection(t *testing.T) {
	s := newSim(t, Options{StepDelay: 2 * time.Second})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	conn := s.jobConnection(tok, job)
	purge := "/users/" + user + "/connections/" + conn + "/purge"
	if a := s.do("POST", purge, s.bearer(tok), ""); a.status != 400 || a.errorCode() != "parameter-not-valid" {
		t.Errorf("purging a connection still pending: %d %s", a.status, a.raw)
	}
	s.clock.Advance(time.Minute)
	count := func() (accounts, transactions, refs int) {
		accounts = len(s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items())
		transactions = len(s.allTransactions(tok, user, ""))
		refs = int(s.do("GET", "/users/"+user, s.bearer(tok), "").body["accounts"].(map[string]any)["count"].(float64))
		return
	}
	before, _, _ := count()
	accountIDs := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()
	if before != 4 {
		t.Fatalf("%d accounts before the purge", before)
	}
	if a := s.do("POST", purge, s.bearer(s.clientToken(user)), ""); a.status != 403 {
		t.Errorf("a client token purges: %d %s", a.status, a.raw)
	}
	if a := s.do("POST", purge, s.bearer(tok), ""); a.status != 204 || a.raw != "" {
		t.Fatalf("purge: %d %s", a.status, a.raw)
	}
	if a, x, r := count(); a != 0 || x != 0 || r != 0 {
		t.Errorf("after the purge: %d accounts, %d transactions, %d on the user", a, x, r)
	}
	c := s.do("GET", "/users/"+user+"/connections/"+conn, s.bearer(tok), "")
	if c.status != 200 || c.body["status"] != "active" || len(c.body["accounts"].(map[string]any)["data"].([]any)) != 0 {
		t.Errorf("the purged connection: %d %s", c.status, c.raw)
	}
	refresh := s.do("POST", "/users/"+user+"/connections/"+conn+"/refresh", s.bearer(tok), "")
	if refresh.status != 202 || refresh.body["id"] == job {
		t.Fatalf("refresh after the purge: %d %s", refresh.status, refresh.raw)
	}
	if a, _, _ := count(); a != 0 {
		t.Errorf("%d accounts before the refresh has retrieved them", a)
	}
	s.clock.Advance(time.Minute)
	after := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()
	if a, x, _ := count(); a != 4 || x == 0 || after[0]["id"] != accountIDs[0]["id"] {
		t.Errorf("after the refresh: %d accounts (the same ids: %v), %d transactions", a, after[0]["id"] == accountIDs[0]["id"], x)
	}
	_, failedUser, failedConn := s.wrongPasswordConnection()
	s.clock.Advance(time.Minute)
	if a := s.do("POST", "/users/"+failedUser+"/connections/"+failedConn+"/purge", s.bearer(tok), ""); a.status != 400 {
		t.Errorf("purging an invalid connection: %d %s", a.status, a.raw)
	}
	s.do("DELETE", "/users/"+user+"/connections/"+conn, s.bearer(tok), "")
	if a := s.do("POST", purge, s.bearer(tok), ""); a.status != 404 {
		t.Errorf("purging a deleted connection: %d %s", a.status, a.raw)
	}
}

func TestConsentsLinkTheirPolicy(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	items := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()
	if len(items) != 1 {
		t.Fatalf("%d consents", len(items))
	}
	lk := items[0]["links"].(map[string]any)
	policy, _ := lk["consentPolicy"].(string)
	if !strings.HasPrefix(policy, s.http.URL+"/policies/") || !validUUID(strings.TrimPrefix(policy, s.http.URL+"/policies/")) || lk["latestConsentPolicy"] != policy {
		t.Errorf("a consent's links: %v", lk)
	}
}
