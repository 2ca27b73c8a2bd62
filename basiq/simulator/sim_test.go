package simulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeClock is the simulator's time in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

type sim struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
}

func newSim(t testing.TB, o Options) *sim {
	clock := &fakeClock{now: time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)}
	o.Clock = clock
	s := New(o)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() { _ = s.Close() }) // first: the webhooks' engine, if any
	return &sim{t: t, srv: s, http: hs, clock: clock}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// errorCode is data[0].code of an error body.
func (a answer) errorCode() string { return a.errorField("code") }

// errorDetail is data[0].detail of an error body.
func (a answer) errorDetail() string { return a.errorField("detail") }

func (a answer) errorField(name string) string {
	data, _ := a.body["data"].([]any)
	if len(data) == 0 {
		return ""
	}
	item, _ := data[0].(map[string]any)
	v, _ := item[name].(string)
	return v
}

func (s *sim) do(method, path string, header map[string]string, body string) answer {
	s.t.Helper()
	req, err := http.NewRequest(method, s.http.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (s *sim) token(form string) string {
	s.t.Helper()
	a := s.do("POST", "/token", map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0",
		"Content-Type": "application/x-www-form-urlencoded"}, form)
	if a.status != 200 {
		s.t.Fatalf("POST /token %s: %d %s", form, a.status, a.raw)
	}
	return a.body["access_token"].(string)
}

func (s *sim) serverToken() string { return s.token("scope=SERVER_ACCESS") }

func (s *sim) bearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
}

func (s *sim) createUser(tok, email string) string {
	s.t.Helper()
	a := s.do("POST", "/users", s.bearer(tok), `{"email":"`+email+`"}`)
	if a.status != 201 {
		s.t.Fatalf("POST /users: %d %s", a.status, a.raw)
	}
	return a.body["id"].(string)
}

// consent completes consent for a new user as login, returning user and job.
func (s *sim) consent(tok, login, password string) (userID, jobID string) {
	s.t.Helper()
	userID = s.createUser(tok, "max@example.com")
	ids, err := s.srv.CompleteConsent(context.Background(), s.token("scope=CLIENT_ACCESS&userId="+userID), "AU00000", login, password)
	if err != nil || len(ids) != 1 {
		s.t.Fatalf("consent: %v %v", ids, err)
	}
	return userID, ids[0]
}

func stepStatuses(a answer) []string {
	var out []string
	steps, _ := a.body["steps"].([]any)
	for _, st := range steps {
		out = append(out, st.(map[string]any)["status"].(string))
	}
	return out
}

func TestTokenErrorsAreBasiqs(t *testing.T) {
	s := newSim(t, Options{})
	form := "scope=SERVER_ACCESS"
	cases := []struct {
		name   string
		header map[string]string
		status int
		code   string
		detail string
	}{
		{"no version", map[string]string{"Authorization": "Basic " + DemoAPIKey}, 400, "parameter-not-valid", "Basiq-version must be specified in HTTP request header"},
		{"no authorization", map[string]string{"basiq-version": "3.0"}, 400, "parameter-not-supplied", "Authorization header parameter is required"},
		{"unknown key", map[string]string{"Authorization": "Basic bm90LWEta2V5", "basiq-version": "3.0"}, 404, "parameter-not-valid", "Unable to authenticate. Please, check your API key"},
	}
	for _, c := range cases {
		a := s.do("POST", "/token", c.header, form)
		if a.status != c.status || a.errorCode() != c.code || a.errorDetail() != c.detail || a.body["correlationId"] == "" || a.body["type"] != "list" {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
	a := s.do("POST", "/token", map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"}, "scope=CLIENT_ACCESS&userId=u-1")
	tok, _ := a.body["access_token"].(string)
	parts := strings.Split(tok, ".")
	if a.status != 200 || a.body["token_type"] != "Bearer" || a.body["expires_in"] != float64(3600) || len(parts) != 3 {
		t.Fatalf("good key: %d %s", a.status, a.raw)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	if claims["scope"] != "CLIENT_ACCESS" || claims["userid"] != "u-1" || claims["version"] != "3.0" || claims["exp"] == nil {
		t.Errorf("claims %v", claims)
	}
}

func TestAuthMatrix(t *testing.T) {
	s := newSim(t, Options{})
	server := s.serverToken()
	mine := s.createUser(server, "a@b.co")
	theirs := s.createUser(server, "c@d.co")
	client := s.token("scope=CLIENT_ACCESS&userId=" + mine)
	cases := []struct {
		name, method, path string
		header             map[string]string
		status             int
		code               string
	}{
		{"no bearer", "GET", "/users/" + mine, nil, 401, "invalid-authorization-token"},
		{"garbage bearer", "GET", "/users/" + mine, map[string]string{"Authorization": "Bearer abc.def.ghi"}, 401, "invalid-authorization-token"},
		{"client token on a server-only route", "POST", "/users", s.bearer(client), 403, "forbidden-access"},
		{"client token of another user", "GET", "/users/" + theirs, s.bearer(client), 401, "unauthorized-access"},
		{"client token of the user", "GET", "/users/" + mine, s.bearer(client), 200, ""},
		{"server token", "GET", "/users/" + theirs, s.bearer(server), 200, ""},
		{"unknown user", "GET", "/users/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", s.bearer(server), 404, "resource-not-found"},
		{"not an id", "GET", "/users/nope", s.bearer(server), 400, "parameter-not-valid"},
	}
	for _, c := range cases {
		if a := s.do(c.method, c.path, c.header, `{"email":"x@y.co"}`); a.status != c.status || a.errorCode() != c.code {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
	s.clock.Advance(61 * time.Minute)
	if a := s.do("GET", "/users/"+mine, s.bearer(server), ""); a.status != 403 || a.errorCode() != "access-denied" || a.errorDetail() != "Token has expired" {
		t.Errorf("expired token: %d %s", a.status, a.raw)
	}
}

func TestCreateUserValidatesLikeBasiq(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	cases := []struct{ body, code, detail string }{
		{`{}`, "parameter-not-supplied", "One of 'email' or 'mobile' is required."},
		{`{"email":"max@"}`, "parameter-not-valid", "Provided email is in bad format."},
		{`{"mobile":"0412345678"}`, "parameter-not-valid", "Provided mobile is in bad format."},
		{`not json`, "invalid-content", "Posted user is not in valid format."},
	}
	for _, c := range cases {
		if a := s.do("POST", "/users", s.bearer(tok), c.body); a.status != 400 || a.errorCode() != c.code || a.errorDetail() != c.detail {
			t.Errorf("%s: %d %s", c.body, a.status, a.raw)
		}
	}
	a := s.do("POST", "/users", s.bearer(tok), `{"email":"max@example.com","mobile":"+61412345678","firstName":"Max"}`)
	links, _ := a.body["links"].(map[string]any)
	if a.status != 201 || !validUUID(a.body["id"].(string)) || a.body["mobile"] != "+61412345678" || links["self"] == nil {
		t.Errorf("good user: %d %s", a.status, a.raw)
	}
}

func TestJobStepsMoveWithTheClock(t *testing.T) {
	s := newSim(t, Options{StepDelay: 2 * time.Second})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	want := []struct {
		at       time.Duration
		statuses string
		accounts int
	}{
		{0, "pending pending pending", 0}, // created and waiting to be started
		{1 * time.Second, "in-progress pending pending", 0},
		{3 * time.Second, "success in-progress pending", 0},
		{5 * time.Second, "success success in-progress", 4},
		{7 * time.Second, "success success success", 4},
	}
	elapsed := time.Duration(0)
	for _, w := range want {
		s.clock.Advance(w.at - elapsed)
		elapsed = w.at
		a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
		if got := strings.Join(stepStatuses(a), " "); got != w.statuses {
			t.Errorf("at %v: steps %s, want %s", w.at, got, w.statuses)
		}
		accts := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "")
		if n := len(accts.body["data"].([]any)); n != w.accounts {
			t.Errorf("at %v: %d accounts visible, want %d", w.at, n, w.accounts)
		}
	}
	a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
	step := a.body["steps"].([]any)[1].(map[string]any)
	result := step["result"].(map[string]any)
	if result["type"] != "link" || result["url"] != "/users/"+user+"/accounts?filter=institution.id.eq('AU00000')" {
		t.Errorf("retrieve-accounts result %v", result)
	}
	list := s.do("GET", "/users/"+user+"/jobs", s.bearer(tok), "")
	first := list.body["data"].([]any)[0].(map[string]any)
	if list.body["size"] != float64(1) || first["id"] != job || first["institution"].(map[string]any)["id"] != "AU00000" {
		t.Errorf("user's jobs: %s", list.raw)
	}
}

func TestFailurePersonasFailTheirFirstStep(t *testing.T) {
	cases := []struct{ login, password, code, detail string }{
		{"bighead", "password", "invalid-credentials", "Account is locked"},
		{"erlich", "aviato", "account-not-accessible-requires-user-action", "An action is required from end-user before account details can be returned."},
		{"jianYang", "nothotdog", "service-unavailable", "Service is currently unavailable. Please try again later."},
		{"Wentworth-Smith", "wrong", "invalid-credentials", "Cannot login to target institution using supplied credentials. Please check credentials and try again."},
	}
	s := newSim(t, Options{StepDelay: time.Second})
	tok := s.serverToken()
	for _, c := range cases {
		user, job := s.consent(tok, c.login, c.password)
		s.clock.Advance(10 * time.Second)
		a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
		step := a.body["steps"].([]any)[0].(map[string]any)
		result, _ := step["result"].(map[string]any)
		if got := strings.Join(stepStatuses(a), " "); got != "failed pending pending" || result["code"] != c.code || result["detail"] != c.detail {
			t.Errorf("%s: %s %v", c.login, got, result)
		}
		if accts := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), ""); len(accts.body["data"].([]any)) != 0 {
			t.Errorf("%s: accounts after a failed job", c.login)
		}
	}
}

func TestWentworthSmithsAccountsAndFilters(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	a := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "")
	balances := map[string]string{}
	var first string
	for _, raw := range a.body["data"].([]any) {
		acct := raw.(map[string]any)
		balances[acct["name"].(string)] = acct["balance"].(string)
		if first == "" {
			first = acct["id"].(string)
		}
	}
	want := map[string]string{"Transaction 14000": "34076.00", "Savings 123890": "38383.73", "Credit Card 13000": "-6081.50", "Mortgage 746833": "-299292.25"}
	for name, bal := range want {
		if balances[name] != bal {
			t.Errorf("%s balance %q, want %s", name, balances[name], bal)
		}
	}
	eq := s.do("GET", "/users/"+user+"/accounts?filter="+url.QueryEscape("account.id.eq('"+first+"')"), s.bearer(tok), "")
	ne := s.do("GET", "/users/"+user+"/accounts?filter="+url.QueryEscape("account.id.ne('"+first+"')"), s.bearer(tok), "")
	if len(eq.body["data"].([]any)) != 1 || len(ne.body["data"].([]any)) != 3 {
		t.Errorf("eq gave %d, ne gave %d", len(eq.body["data"].([]any)), len(ne.body["data"].([]any)))
	}
	if bad := s.do("GET", "/users/"+user+"/accounts?filter=nonsense", s.bearer(tok), ""); bad.status != 400 {
		t.Errorf("a bad filter: %d", bad.status)
	}
	if one := s.do("GET", "/users/"+user+"/accounts/"+first, s.bearer(tok), ""); one.status != 200 || one.body["id"] != first {
		t.Errorf("one account: %d %s", one.status, one.raw)
	}
}

func TestTransactionsPageThroughNext(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	path := "/users/" + user + "/transactions?limit=100"
	seen := map[string]bool{}
	size, pages := 0, 0
	for ; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("links.next never ends")
		}
		a := s.do("GET", path, s.bearer(tok), "")
		if a.status != 200 {
			t.Fatalf("%s: %d %s", path, a.status, a.raw)
		}
		size = int(a.body["size"].(float64))
		for _, raw := range a.body["data"].([]any) {
			seen[raw.(map[string]any)["id"].(string)] = true
		}
		next, _ := a.body["links"].(map[string]any)["next"].(string)
		path = strings.TrimPrefix(next, s.http.URL)
	}
	if len(seen) != size || pages != (size+99)/100 {
		t.Errorf("%d distinct transactions in %d pages, want all %d in pages of 100", len(seen), pages, size)
	}
	for q, detail := range map[string]string{"limit=501": "Maximum limit allowed is 500", "limit=0": "Limit value is not valid", "next=zzz": "Next value is not valid"} {
		if a := s.do("GET", "/users/"+user+"/transactions?"+q, s.bearer(tok), ""); a.status != 400 || a.errorDetail() != detail {
			t.Errorf("%s: %d %s", q, a.status, a.raw)
		}
	}
}

func TestRefreshStartsANewJob(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, job := s.consent(tok, "erlich", "aviato")
	conns := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "")
	conn := conns.body["data"].([]any)[0].(map[string]any)
	if conn["status"] != "invalid" {
		t.Errorf("a failed connection's status is %v", conn["status"])
	}
	a := s.do("POST", "/users/"+user+"/connections/"+conn["id"].(string)+"/refresh", s.bearer(tok), "")
	if a.status != 202 || a.body["type"] != "job" || a.body["id"] == job {
		t.Errorf("refresh: %d %s", a.status, a.raw)
	}
}

func TestInstitutionHasItsAverageDuration(t *testing.T) {
	s := newSim(t, Options{})
	a := s.do("GET", "/institutions/AU00000", s.bearer(s.serverToken()), "")
	stats := a.body["stats"].(map[string]any)["averageDurationMs"].(map[string]any)
	if a.body["name"] != "Hooli Bank" || stats["total"] != float64(31588) {
		t.Errorf("%s", a.raw)
	}
}

func TestInstitutionAverageDurationMatchesTheStepDelay(t *testing.T) {
	s := newSim(t, Options{StepDelay: 1500 * time.Millisecond})
	a := s.do("GET", "/institutions/AU00000", s.bearer(s.serverToken()), "")
	stats := a.body["stats"].(map[string]any)["averageDurationMs"].(map[string]any)
	// Half a step in the queue, then three steps.
	if stats["total"] != float64(5250) || stats["verifyCredentials"] != float64(2250) || stats["retrieveAccounts"] != float64(1500) {
		t.Errorf("with 1.5s steps the wizard's estimate would be wrong: %s", a.raw)
	}
}

func TestFaultSharesAreReproducible(t *testing.T) {
	f := MustParseFaults("burst429=2,html=0.5,seed=7")
	run := func() []int {
		s := newSim(t, Options{Faults: f})
		var statuses []int
		for range 12 {
			a := s.do("GET", "/institutions/AU00000", nil, "")
			statuses = append(statuses, a.status)
			if a.status == 502 && !strings.Contains(a.raw, "<html>") {
				t.Errorf("the html fault is not a page: %s", a.raw)
			}
		}
		return statuses
	}
	first := run()
	if first[0] != 429 || first[1] != 429 {
		t.Errorf("burst429=2: %v", first)
	}
	if fmt.Sprint(first) != fmt.Sprint(run()) {
		t.Error("the same seed gave different faults")
	}
	if !slices.Contains(first[2:], 502) {
		t.Errorf("html=0.5 never fired: %v", first)
	}
}

func TestAimedFaultsHitTheNthRequestToTheirRoute(t *testing.T) {
	s := newSim(t, Options{Faults: MustParseFaults("POST /token#2=500, GET /users/{id}/accounts#1-2=503, GET /jobs/{id}#2+=429-no-retry-after")})
	form := map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"}
	var tokens []int
	for range 3 {
		tokens = append(tokens, s.do("POST", "/token", form, "scope=SERVER_ACCESS").status)
	}
	if fmt.Sprint(tokens) != "[200 500 200]" {
		t.Errorf("POST /token#2=500: %v", tokens)
	}
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	var got []int
	for _, path := range []string{"/users/" + user, "/users/" + user + "/accounts", "/users/" + user + "/accounts", "/users/" + user + "/accounts", "/users/" + user} {
		got = append(got, s.do("GET", path, s.bearer(tok), "").status)
	}
	if fmt.Sprint(got) != "[200 503 503 200 200]" {
		t.Errorf("GET /users/{id}/accounts#1-2=503, other routes untouched: %v", got)
	}
	got = nil
	for range 4 {
		a := s.do("GET", "/jobs/"+job, s.bearer(tok), "")
		got = append(got, a.status)
		if a.status == 429 && (a.header.Get("Retry-After") != "" || a.errorCode() != "too-many-requests") {
			t.Errorf("429-no-retry-after: Retry-After %q, %s", a.header.Get("Retry-After"), a.raw)
		}
	}
	if fmt.Sprint(got) != "[200 429 429 429]" {
		t.Errorf("GET /jobs/{id}#2+: %v", got)
	}
}

func TestHealEndsTheFaultsFromThenOn(t *testing.T) {
	s := newSim(t, Options{Faults: MustParseFaults("POST /token#1+=503")})
	form := map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"}
	before := s.do("POST", "/token", form, "scope=SERVER_ACCESS").status
	s.srv.Heal()
	if after := s.do("POST", "/token", form, "scope=SERVER_ACCESS").status; before != 503 || after != 200 {
		t.Errorf("before Heal %d, after %d; want 503 then 200", before, after)
	}
}

func TestFaultsNeverTouchTheConsentPage(t *testing.T) {
	s := newSim(t, Options{Faults: MustParseFaults("500=1")})
	if a := s.do("GET", "/institutions/AU00000", nil, ""); a.status != 500 {
		t.Fatalf("500=1 left the API alone: %d", a.status)
	}
	if a := s.do("GET", "/consent/home", nil, ""); a.status != 401 || !strings.Contains(a.raw, "no token") {
		t.Errorf("the consent page under 500=1: %d %s", a.status, a.raw)
	}
}

// TestEachFaultKind aims each kind at the first request to a route and
// looks at what a client gets.
func TestEachFaultKind(t *testing.T) {
	errorBodies := map[string]struct {
		status     int
		code       string
		retryAfter string
	}{
		"500": {500, "internal-server-error", ""}, "502": {502, "service-unavailable", ""}, "503": {503, "service-unavailable", ""},
		"400": {400, "parameter-not-valid", ""}, "404": {404, "resource-not-found", ""},
		"429": {429, "too-many-requests", "1"}, "429-no-retry-after": {429, "too-many-requests", ""},
		"expired": {403, "access-denied", ""},
	}
	for _, kind := range FaultKinds {
		if kind == "hang" {
			continue // TestHangWaitsForTheClient
		}
		t.Run(kind, func(t *testing.T) {
			srv := New(Options{Faults: MustParseFaults("GET /institutions/{id}#1=" + kind)})
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Get(hs.URL + "/institutions/AU00000")
			if kind == "reset" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("reset: an answer, %d", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var body map[string]any
			jsonErr := json.Unmarshal(raw, &body)
			switch want, isError := errorBodies[kind]; {
			case isError:
				if resp.StatusCode != want.status || (answer{body: body}).errorCode() != want.code || resp.Header.Get("Retry-After") != want.retryAfter || body["correlationId"] == nil {
					t.Errorf("%d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
				}
			case kind == "html":
				if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(raw), "502 Bad Gateway") {
					t.Errorf("%d %s", resp.StatusCode, raw)
				}
			case kind == "truncate":
				if resp.StatusCode != 401 || jsonErr == nil || !strings.HasPrefix(string(raw), `{"`) { // the true answer: no token
					t.Errorf("%d, a body that decodes (%v): %s", resp.StatusCode, jsonErr, raw)
				}
			default:
				t.Fatalf("no check for the kind %s", kind)
			}
			if again, err := client.Get(hs.URL + "/institutions/AU00000"); err != nil || again.StatusCode != 401 {
				t.Errorf("the second request: %v %v, want the true answer (401 without a token)", again, err)
			}
		})
	}
}

func TestHangWaitsForTheClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := New(Options{Faults: MustParseFaults("GET /institutions/{id}#1=hang,latency=1s")})
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequest("GET", "/institutions/AU00000", nil).WithContext(ctx)
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { srv.Handler().ServeHTTP(rec, req); close(done) }()
		time.Sleep(time.Hour) // the fake clock of the bubble: an hour passes at once
		synctest.Wait()
		select {
		case <-done:
			t.Fatalf("the hung request was answered: %d %s", rec.Code, rec.Body)
		default:
		}
		cancel()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("the hung request outlived its client")
		}
		if rec.Body.Len() != 0 || rec.Flushed {
			t.Errorf("the hung request wrote %q", rec.Body)
		}

		// Close ends a hung request at once.
		req = httptest.NewRequest("GET", "/institutions/AU00000", nil)
		srv = New(Options{Faults: MustParseFaults("GET /institutions/{id}#1+=hang")})
		done = make(chan struct{})
		go func() { srv.Handler().ServeHTTP(httptest.NewRecorder(), req); close(done) }()
		synctest.Wait()
		_ = srv.Close()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("Close left a hung request hanging")
		}
	})
}

func TestParseFaultsNamesTheBadPart(t *testing.T) {
	for spec, want := range map[string]string{
		"503":                           `fault "503": want key=value`,
		"503=2":                         `fault "503=2": the share "2" is not between 0 and 1`,
		"nope=1":                        `fault "nope=1": unknown fault "nope"`,
		"latency=fast":                  `fault "latency=fast": the delay "fast"`,
		"500=0.6,503=0.6":               "the shares add up to 1.2, more than 1",
		"POST /token#x=500":             `fault "POST /token#x=500": the request number "x" is not N, N-M or N+`,
		"POST /token#0=500":             `the request number "0"`,
		"POST /token#3-2=500":           `the requests "3-2" run backwards`,
		"POST /token#2=501":             `fault "POST /token#2=501": unknown kind "501"`,
		"/token#2=500":                  `the route "/token" is not a method and a path`,
		"post /token#2=500":             `the route "post /token" is not a method and a path`,
		"GET /consent/home#1=500":       "the consent page, which faults never touch",
		"500=0.1,GET /jobs/{id}#1=slow": `fault "GET /jobs/{id}#1=slow": unknown kind "slow"`,
	} {
		_, err := ParseFaults(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFaults(%q) = %v, want it to say %s", spec, err, want)
		}
	}
	f, err := ParseFaults(" GET /users/{id}/jobs#2+=429 , 429-no-retry-after=0.1,reset=0.01,hang=0.01,seed=3")
	if err != nil || len(f.Aimed) != 1 || f.Aimed[0] != (AimedFault{Method: "GET", Path: "/users/{id}/jobs", From: 2, Kind: "429"}) || f.Shares["429-no-retry-after"] != 0.1 || f.Seed != 3 {
		t.Errorf("%+v %v", f, err)
	}
}

func FuzzParseFaults(f *testing.F) {
	for _, seed := range []string{"", "500=0.05,503=0.05,429=0.1,burst429=5,latency=200ms,truncate=0.02,html=0.02,seed=42", "POST /token#2=500", "GET /jobs/{id}#2-3=hang", "x", "500=", "=1,,", "#=", "A /#1+=reset"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		faults, err := ParseFaults(spec)
		if err != nil {
			return
		}
		total := 0.0
		for k, p := range faults.Shares {
			total += p
			if !slices.Contains(FaultKinds, k) {
				t.Errorf("%q: a share of an unknown kind %q", spec, k)
			}
		}
		if total > 1 {
			t.Errorf("%q: shares over 1 accepted", spec)
		}
		for _, a := range faults.Aimed {
			if a.From < 1 || (a.To != 0 && a.To < a.From) || !slices.Contains(FaultKinds, a.Kind) || !strings.HasPrefix(a.Path, "/") {
				t.Errorf("%q: %+v accepted", spec, a)
			}
		}
	})
}

func TestOldestUsersGoFirstBeyondMaxUsers(t *testing.T) {
	s := newSim(t, Options{MaxUsers: 3})
	tok := s.serverToken()
	var users, jobs []string
	for range 5 {
		u, j := s.consent(tok, "Wentworth-Smith", "whislter")
		users, jobs = append(users, u), append(jobs, j)
	}
	for i, u := range users {
		want := 200
		if i < 2 {
			want = 404
		}
		if a := s.do("GET", "/users/"+u, s.bearer(tok), ""); a.status != want {
			t.Errorf("user %d of 5 (3 kept): %d", i+1, a.status)
		}
		if a := s.do("GET", "/jobs/"+jobs[i], s.bearer(tok), ""); a.status != want {
			t.Errorf("job of user %d of 5: %d", i+1, a.status)
		}
	}
	s.do("DELETE", "/users/"+users[3], s.bearer(tok), "")
	for range 200 {
		s.consent(tok, "richard", "tabsnotspaces")
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if n := [4]int{len(s.srv.users), len(s.srv.userOrder), len(s.srv.jobs), len(s.srv.conns)}; n != [4]int{3, 3, 3, 3} {
		t.Errorf("after 205 users with MaxUsers 3: users, their order, jobs, connections = %v", n)
	}
}

func TestTokensMintedAtOnceDiffer(t *testing.T) {
	s := newSim(t, Options{}) // the fake clock stands still: every token has the same iat
	tokens := make(chan string, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			req := httptest.NewRequest("POST", "/token", strings.NewReader("scope=SERVER_ACCESS"))
			req.Header.Set("Authorization", "Basic "+DemoAPIKey)
			req.Header.Set("basiq-version", "3.0")
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			s.srv.Handler().ServeHTTP(rec, req)
			var body struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			tokens <- body.AccessToken
		})
	}
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		if tok == "" {
			t.Fatal("a mint failed")
		}
		seen[tok] = true
	}
	if len(seen) != 50 {
		t.Errorf("50 tokens minted in the same second, %d different", len(seen))
	}
}

// TestHundredUsersOnboardAtOnce runs the quickstart for 100 users in
// parallel against a real listener (run it with -race), then checks no
// goroutine outlives Close.
func TestHundredUsersOnboardAtOnce(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := New(Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	call := func(method, path, auth, ctype, body string) (map[string]any, error) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("basiq-version", "3.0")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, err
		}
		if resp.StatusCode >= 300 {
			return nil, fmt.Errorf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				tok, err := call("POST", "/token", "Basic "+DemoAPIKey, "application/x-www-form-urlencoded", "scope=SERVER_ACCESS")
				if err != nil {
					return err
				}
				bearer := "Bearer " + tok["access_token"].(string)
				u, err := call("POST", "/users", bearer, "application/json", fmt.Sprintf(`{"email":"user%d@example.com"}`, i))
				if err != nil {
					return err
				}
				id := u["id"].(string)
				ct, err := call("POST", "/token", "Basic "+DemoAPIKey, "application/x-www-form-urlencoded", "scope=CLIENT_ACCESS&userId="+id)
				if err != nil {
					return err
				}
				if _, err := srv.CompleteConsent(context.Background(), ct["access_token"].(string), "AU00000", "Wentworth-Smith", "whislter"); err != nil {
					return err
				}
				accts, err := call("GET", "/users/"+id+"/accounts", bearer, "", "")
				if err != nil {
					return err
				}
				if n := len(accts["data"].([]any)); n != 4 {
					return fmt.Errorf("user %d has %d accounts", i, n)
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	client.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Goroutines end shortly after Close; give them a bounded while to.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func benchSetup(b *testing.B) (*sim, string, string, string) {
	s := newSim(b, Options{})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	return s, tok, user, job
}

func benchGet(b *testing.B, s *sim, path, tok string) {
	h := s.srv.Handler()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%s: %d", path, w.Code)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func BenchmarkGetJob(b *testing.B) {
	s, tok, _, job := benchSetup(b)
	benchGet(b, s, "/jobs/"+job, tok)
}

func BenchmarkListAccounts(b *testing.B) {
	s, tok, user, _ := benchSetup(b)
	benchGet(b, s, "/users/"+user+"/accounts", tok)
}

// allTransactions pages through a user's transactions with this filter.
func (s *sim) allTransactions(tok, user, filter string) []map[string]any {
	s.t.Helper()
	path := "/users/" + user + "/transactions?limit=500"
	if filter != "" {
		path += "&filter=" + url.QueryEscape(filter)
	}
	var out []map[string]any
	for path != "" {
		a := s.do("GET", path, s.bearer(tok), "")
		if a.status != 200 {
			s.t.Fatalf("%s: %d %s", path, a.status, a.raw)
		}
		for _, raw := range a.body["data"].([]any) {
			out = append(out, raw.(map[string]any))
		}
		next, _ := a.body["links"].(map[string]any)["next"].(string)
		path = strings.TrimPrefix(next, s.http.URL)
	}
	return out
}

func TestTransactionFiltersAsBasiqDocumentsThem(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	all := s.allTransactions(tok, user, "")
	first := all[len(all)/2]
	account, date := first["account"].(string), first["postDate"].(string)[:10]
	day := func(txn map[string]any) string { return txn["postDate"].(string)[:10] }
	cases := []struct {
		filter string
		want   func(map[string]any) bool
	}{
		{"transaction.direction.eq('debit')", func(x map[string]any) bool { return x["direction"] == "debit" }},
		{"transaction.direction.eq('credit')", func(x map[string]any) bool { return x["direction"] == "credit" }},
		{"transaction.class.eq('payment')", func(x map[string]any) bool { return x["class"] == "payment" }},
		{"account.id.eq('" + account + "')", func(x map[string]any) bool { return x["account"] == account }},
		{"transaction.postDate.eq('" + date + "')", func(x map[string]any) bool { return day(x) == date }},
		{"transaction.postDate.gt('" + date + "')", func(x map[string]any) bool { return day(x) > date }},
		{"transaction.postDate.gteq('" + date + "')", func(x map[string]any) bool { return day(x) >= date }},
		{"transaction.postDate.lt('" + date + "')", func(x map[string]any) bool { return day(x) < date }},
		{"transaction.postDate.lteq('" + date + "')", func(x map[string]any) bool { return day(x) <= date }},
		{"transaction.postDate.bt('" + date + "','" + day(all[0]) + "')", func(x map[string]any) bool { return day(x) >= date && day(x) <= day(all[0]) }},
		{"transaction.direction.eq('debit'), account.id.eq('" + account + "'),transaction.postDate.gt('" + date + "')", func(x map[string]any) bool {
			return x["direction"] == "debit" && x["account"] == account && day(x) > date
		}},
	}
	for _, c := range cases {
		var want []string
		for _, x := range all {
			if c.want(x) {
				want = append(want, x["id"].(string))
			}
		}
		var got []string
		for _, x := range s.allTransactions(tok, user, c.filter) {
			got = append(got, x["id"].(string))
		}
		if len(want) == 0 || len(want) == len(all) {
			t.Errorf("%s: the data gives the filter nothing to tell apart (%d of %d)", c.filter, len(want), len(all))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %d transactions, want %d", c.filter, len(got), len(want))
		}
	}
	if n := len(s.allTransactions(tok, user, "institution.id.eq('AU00000')")); n != len(all) {
		t.Errorf("institution.id.eq('AU00000'): %d of %d", n, len(all))
	}
	if n := len(s.allTransactions(tok, user, "institution.id.eq('AU00002')")); n != 0 {
		t.Errorf("institution.id.eq('AU00002'): %d, want none", n)
	}
}

func TestMalformedFiltersGetBasiqs400(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	for _, f := range []string{
		"nonsense", "transaction.direction.eq(debit)", "transaction.direction.eq('debit'", "transaction.direction.eq('debit'),",
		"transaction.postDate.bt('2024-01-01')", "transaction.postDate.gt('yesterday')", "transaction.colour.eq('red')",
		"transaction.direction.gt('debit')", "account.id.ne('x')",
	} {
		a := s.do("GET", "/users/"+user+"/transactions?filter="+url.QueryEscape(f), s.bearer(tok), "")
		if a.status != 400 || a.errorCode() != "parameter-not-valid" || a.errorDetail() != "Filter value is not valid" {
			t.Errorf("%s: %d %s", f, a.status, a.raw)
		}
	}
	for path, f := range map[string]string{"/accounts": "account.status.eq('available')", "/jobs": "connection.id.ne('x')"} {
		if a := s.do("GET", "/users/"+user+path+"?filter="+url.QueryEscape(f), s.bearer(tok), ""); a.status != 400 || a.errorCode() != "parameter-not-valid" {
			t.Errorf("%s?filter=%s: %d %s", path, f, a.status, a.raw)
		}
	}
}

func TestUserJobsFilterOnConnection(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	conn := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").body["data"].([]any)[0].(map[string]any)["id"].(string)
	ids := func(filter string) []string {
		a := s.do("GET", "/users/"+user+"/jobs?filter="+url.QueryEscape(filter), s.bearer(tok), "")
		var out []string
		for _, j := range a.body["data"].([]any) {
			out = append(out, j.(map[string]any)["id"].(string))
		}
		if a.body["size"] != float64(len(out)) {
			t.Errorf("%s: size %v for %d jobs", filter, a.body["size"], len(out))
		}
		return out
	}
	if got := ids("connection.id.eq('" + conn + "')"); len(got) != 1 || got[0] != job {
		t.Errorf("the connection's jobs: %v, want [%s]", got, job)
	}
	if got := ids("connection.id.eq('nope')"); len(got) != 0 {
		t.Errorf("another connection's jobs: %v, want none", got)
	}
}

func TestParseFilter(t *testing.T) {
	good := map[string]string{
		"account.id.eq('a')":                                  "[{account.id eq [a]}]",
		" account.id.eq( 'a' ) , x.y.bt('1','2')":             "[{account.id eq [a]} {x.y bt [1 2]}]",
		"transaction.postDate.bt('2024-01-01', '2024-02-01')": "[{transaction.postDate bt [2024-01-01 2024-02-01]}]",
		"": "[]",
	}
	for in, want := range good {
		got, ok := parseFilter(in)
		if !ok || fmt.Sprintf("%v", got) != want && !(want == "[]" && len(got) == 0) {
			t.Errorf("parseFilter(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"a", "eq('a')", ".eq('a')", "a.('x')", "a.eq('x'", "a.eq('x)", "a.eq('x'),", "a.eq('x') b.eq('y')", "a.eq(x)", "a.eq('x'),,b.eq('y')"} {
		if got, ok := parseFilter(bad); ok {
			t.Errorf("parseFilter(%q) = %v, want it refused", bad, got)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{"account.id.eq('a')", "transaction.postDate.bt('2024-01-01','2024-02-01'),account.id.eq('x')", "a.eq(", "'),("} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		stmts, ok := parseFilter(raw)
		if !ok {
			return
		}
		for _, st := range stmts {
			if st.field == "" || st.op == "" || len(st.values) == 0 {
				t.Errorf("%q parsed to an incomplete statement %+v", raw, st)
			}
		}
	})
}

func TestTokenChecksTheVersion(t *testing.T) {
	s := newSim(t, Options{})
	for version, status := range map[string]int{"0.9": 400, "1.0": 400, "2.0": 200, "3.0": 200} {
		a := s.do("POST", "/token", map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": version,
			"Content-Type": "application/x-www-form-urlencoded"}, "scope=SERVER_ACCESS")
		if a.status != status {
			t.Errorf("basiq-version %s: %d %s", version, a.status, a.raw)
		}
		if status == 400 && a.errorDetail() != "Version "+version+" is no longer supported. Please upgrade to the latest version" {
			t.Errorf("basiq-version %s: %s", version, a.raw)
		}
	}
}

func TestCreateUserWantsJSON(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		a := s.do("POST", "/users", map[string]string{"Authorization": "Bearer " + tok, "Content-Type": ct}, `{"email":"max@example.com"}`)
		if a.status != 415 || a.errorCode() != "unsupported-content-type" || !strings.Contains(a.errorDetail(), "is not supported on requested endpoint") {
			t.Errorf("Content-Type %q: %d %s", ct, a.status, a.raw)
		}
	}
	if a := s.do("POST", "/users", map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json; charset=utf-8"}, `{"email":"max@example.com"}`); a.status != 201 {
		t.Errorf("application/json with a charset: %d %s", a.status, a.raw)
	}
}

// accountsOf consents as login and returns the new user, the token and the
// user's accounts.
func (s *sim) accountsOf(login string) (tok, user string, accounts []map[string]any) {
	s.t.Helper()
	tok = s.serverToken()
	password, _ := Persona(login)
	user, _ = s.consent(tok, login, password)
	for _, a := range s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").body["data"].([]any) {
		accounts = append(accounts, a.(map[string]any))
	}
	return tok, user, accounts
}

// TestPersonasHaveTheAccountsBasiqDescribes holds each sandbox login to the
// account mix Basiq's Testing page describes (basiq-api.md §7).
func TestPersonasHaveTheAccountsBasiqDescribes(t *testing.T) {
	want := map[string]string{
		"Wentworth-Smith": "credit-card mortgage savings transaction",
		"Whistler":        "transaction", // no mortgage or loan
		"Gilfoyle":        "credit-card transaction",
		"gavinBelson":     "credit-card loan transaction", // a personal loan
		"jared":           "credit-card loan mortgage term-deposit transaction",
		"richard":         "credit-card credit-card credit-card credit-card loan loan mortgage mortgage mortgage transaction",
		"laurieBream":     "transaction",
		"ashMann":         "transaction",
	}
	s := newSim(t, Options{})
	for login, classes := range want {
		_, _, accounts := s.accountsOf(login)
		var got []string
		for _, a := range accounts {
			got = append(got, a["class"].(map[string]any)["type"].(string))
		}
		sort.Strings(got)
		if strings.Join(got, " ") != classes {
			t.Errorf("%s has %v, want %s", login, got, classes)
		}
	}
}

// TestTransactionsAreSane checks every persona's transactions: UUID ids,
// a running balance that ends at the account's, subClass only on payments
// and fees, and nothing out of place (no salary paid into a credit card).
func TestTransactionsAreSane(t *testing.T) {
	allowed := map[string]map[string]bool{
		"credit-card":  {"payment": true, "bank-fee": true, "transfer": true, "refund": true, "loan-interest": true, "cash-withdrawal": true},
		"mortgage":     {"loan-repayment": true, "loan-interest": true, "bank-fee": true},
		"loan":         {"loan-repayment": true, "loan-interest": true, "bank-fee": true},
		"term-deposit": {"interest": true},
		"savings":      {"transfer": true, "interest": true},
	}
	s := newSim(t, Options{})
	for _, p := range sandbox.Personas {
		if p.Failure != nil {
			continue
		}
		tok, user, accounts := s.accountsOf(p.Login)
		for _, acct := range accounts {
			class := acct["class"].(map[string]any)["type"].(string)
			txns := s.allTransactions(tok, user, "account.id.eq('"+acct["id"].(string)+"')")
			if len(txns) == 0 {
				t.Errorf("%s %s: no transactions", p.Login, acct["name"])
				continue
			}
			balance := mustCents(acct["balance"].(string))
			for _, x := range txns {
				where := fmt.Sprintf("%s %s %s %s", p.Login, acct["name"], x["postDate"], x["description"])
				amount := mustCents(x["amount"].(string))
				if !validUUID(x["id"].(string)) || mustCents(x["balance"].(string)) != balance {
					t.Fatalf("%s: id %v, balance %v, want a UUID and %s", where, x["id"], x["balance"], centsString(balance))
				}
				balance -= amount
				if (amount > 0) != (x["direction"] == "credit") {
					t.Errorf("%s: %v is %v", where, x["amount"], x["direction"])
				}
				if kinds, ruled := allowed[class]; ruled && !kinds[x["class"].(string)] {
					t.Errorf("%s: a %s transaction on a %s account", where, x["class"], class)
				}
				if x["subClass"] != nil && x["class"] != "payment" && x["class"] != "bank-fee" {
					t.Errorf("%s: subClass %v on a %s", where, x["subClass"], x["class"])
				}
				if strings.Contains(x["description"].(string), "SALARY") && class != "transaction" {
					t.Errorf("%s: a salary paid into a %s account", where, class)
				}
			}
		}
	}
}

func TestTransactionsFollowThePersonasStory(t *testing.T) {
	s := newSim(t, Options{})
	tok, user, _ := s.accountsOf("Gilfoyle")
	lastSalary, firstBenefit := "", "9999"
	for _, x := range s.allTransactions(tok, user, "transaction.class.eq('direct-credit')") {
		switch d := x["postDate"].(string); {
		case strings.HasPrefix(x["description"].(string), "SALARY"):
			lastSalary = max(lastSalary, d)
		case strings.HasPrefix(x["description"].(string), "CENTRELINK"):
			firstBenefit = min(firstBenefit, d)
		}
	}
	if lastSalary == "" || firstBenefit == "9999" || lastSalary >= firstBenefit {
		t.Errorf("Gilfoyle's salary should stop (last %s) before his benefits start (first %s)", lastSalary, firstBenefit)
	}
	tok, user, _ = s.accountsOf("ashMann")
	bpays := 0
	for _, x := range s.allTransactions(tok, user, "") {
		if pd, ok := x["paymentDetails"].(map[string]any); ok && pd["bpay"] != nil && x["description"] == "Bankwest credit card" {
			bpays++
		}
	}
	if bpays == 0 {
		t.Error("ashMann's Bankwest credit card payments carry no BPAY details")
	}
}

func TestTransactionSelfLinkIsServed(t *testing.T) {
	s := newSim(t, Options{})
	tok, user, _ := s.accountsOf("Wentworth-Smith")
	first := s.allTransactions(tok, user, "")[0]
	self := strings.TrimPrefix(first["links"].(map[string]any)["self"].(string), s.http.URL)
	a := s.do("GET", self, s.bearer(tok), "")
	if a.status != 200 || a.body["id"] != first["id"] || a.body["balance"] != first["balance"] {
		t.Errorf("GET %s: %d %s", self, a.status, a.raw)
	}
	if a := s.do("GET", "/users/"+user+"/transactions/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", s.bearer(tok), ""); a.status != 404 || a.errorCode() != "resource-not-found" {
		t.Errorf("an unknown transaction: %d %s", a.status, a.raw)
	}
}

func BenchmarkListTransactions(b *testing.B) {
	s, tok, user, _ := benchSetup(b)
	benchGet(b, s, "/users/"+user+"/transactions", tok)
}

func TestAnExpiredTokenIsNeverTheAnswerToGettingOne(t *testing.T) {
	s := newSim(t, Options{Faults: MustParseFaults("expired=1")})
	form := map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0", "Content-Type": "application/x-www-form-urlencoded"}
	if a := s.do("POST", "/token", form, "scope=SERVER_ACCESS"); a.status != 200 {
		t.Fatalf("POST /token with every request faulted 'expired': %d", a.status)
	}
	if a := s.do("GET", "/institutions/AU00000", s.bearer(s.serverToken()), ""); a.status != 403 || a.errorCode() != "access-denied" {
		t.Errorf("a data route: %d %s", a.status, a.raw)
	}
}

// tokenClaims is what a token minted by the simulator carries.
func tokenClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestTokenNeverWidensTheScope: the form is read whatever the Content-Type
// says (lukasaron/basiq-go sends none), so a client token asked for is a
// client token; a body that is no form is refused, never read as "no scope".
func TestTokenNeverWidensTheScope(t *testing.T) {
	s := newSim(t, Options{})
	user := s.createUser(s.serverToken(), "go@example.com")
	key := map[string]string{"Authorization": "Basic " + DemoAPIKey, "basiq-version": "3.0"}
	with := func(ct string) map[string]string {
		h := maps.Clone(key)
		if ct != "" {
			h["Content-Type"] = ct
		}
		return h
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded; charset=utf-8", "application/octet-stream"} {
		a := s.do("POST", "/token", with(ct), "scope=CLIENT_ACCESS&userId="+user)
		if a.status != 200 {
			t.Fatalf("Content-Type %q: %d %s", ct, a.status, a.raw)
		}
		tok := a.body["access_token"].(string)
		if c := tokenClaims(t, tok); c["scope"] != "CLIENT_ACCESS" || c["userid"] != user {
			t.Errorf("Content-Type %q: asked for a client token of %s, got %v", ct, user, c)
		}
		if a := s.do("POST", "/users", s.bearer(tok), `{"email":"x@y.co"}`); a.status != 403 || a.errorCode() != "forbidden-access" {
			t.Errorf("Content-Type %q: the client token made a user: %d %s", ct, a.status, a.raw)
		}
		if _, err := s.srv.CompleteConsent(context.Background(), tok, "AU00000", "Wentworth-Smith", "whislter"); err != nil {
			t.Errorf("Content-Type %q: the client token does not open consent: %v", ct, err)
		}
	}
	multipart := "--b\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\nCLIENT_ACCESS\r\n--b\r\nContent-Disposition: form-data; name=\"userId\"\r\n\r\n" + user + "\r\n--b--\r\n"
	if a := s.do("POST", "/token", with("multipart/form-data; boundary=b"), multipart); a.status != 200 || tokenClaims(t, a.body["access_token"].(string))["scope"] != "CLIENT_ACCESS" {
		t.Errorf("multipart form: %d %s", a.status, a.raw)
	}
	refused := []struct {
		ct, body, code string
		status         int
	}{
		{"application/json", `{"scope":"CLIENT_ACCESS","userId":"` + user + `"}`, "unsupported-content-type", 415},
		{"text/plain", `{"scope":"CLIENT_ACCESS","userId":"` + user + `"}`, "parameter-not-supplied", 400}, // not a form with a scope
		{"", "userId=" + user, "parameter-not-supplied", 400},
		{"", "scope=CLIENT_ACCESS", "parameter-not-supplied", 400},
		{"", "scope=%zz", "invalid-content", 400},
		{"", "scope=ROOT_ACCESS", "parameter-not-valid", 400},
	}
	for _, c := range refused {
		if a := s.do("POST", "/token", with(c.ct), c.body); a.status != c.status || a.errorCode() != c.code {
			t.Errorf("Content-Type %q, body %q: want %d %s, got %d %s", c.ct, c.body, c.status, c.code, a.status, a.raw)
		}
	}
	// No body at all is a server token, as before: curl -X POST /token with no -d.
	for _, body := range []string{"", "scope=SERVER_ACCESS"} {
		a := s.do("POST", "/token", with(""), body)
		if a.status != 200 || tokenClaims(t, a.body["access_token"].(string))["scope"] != "SERVER_ACCESS" {
			t.Errorf("body %q: %d %s", body, a.status, a.raw)
		}
	}
}
