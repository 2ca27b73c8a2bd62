package simulator

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium, or skips (fails under CI=true) without it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI must run every test (apt-get install chromium)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), // no calls home on a closed network
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// consentLink starts a simulator and mints a consent link for a new user.
func consentLink(t *testing.T, o Options) (srv *Server, base, userID, link string) {
	t.Helper()
	srv = New(o)
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	post := func(path, auth, ctype, body string) string {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("basiq-version", "3.0")
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	field := func(body, name string) string {
		_, rest, _ := strings.Cut(body, `"`+name+`":"`)
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}
	tok := field(post("/token", "Basic "+DemoAPIKey, "application/x-www-form-urlencoded", "scope=SERVER_ACCESS"), "access_token")
	userID = field(post("/users", "Bearer "+tok, "application/json", `{"email":"max@example.com"}`), "id")
	client := field(post("/token", "Basic "+DemoAPIKey, "application/x-www-form-urlencoded", "scope=CLIENT_ACCESS&userId="+userID), "access_token")
	return srv, base, userID, srv.ConsentBase() + "?" + url.Values{"token": {client}, "state": {"s-1"}}.Encode()
}

// logIn picks a bank on the consent page and logs in to it.
func logIn(link, bank, login, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("bank-"+bank)),
		chromedp.Click(chromedp.ID("bank-"+bank)),
		chromedp.WaitVisible(chromedp.ID("loginId")),
		chromedp.SendKeys(chromedp.ID("loginId"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("submit")),
	)
}

func TestConsentPageInChromium(t *testing.T) {
	ctx := browser(t)
	srv, _, userID, link := consentLink(t, Options{})
	err := chromedp.Do(ctx, logIn(link, "AU00000", "Wentworth-Smith", "whislter"), chromedp.WaitVisible(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	status := text(t, ctx, "status")
	job := text(t, ctx, "job")
	srv.mu.Lock()
	jobs := srv.users[userID].jobs
	srv.mu.Unlock()
	if len(jobs) != 1 || jobs[0] != strings.TrimSpace(job) {
		t.Errorf("the page says job %q; the user has jobs %v", job, jobs)
	}
	if !strings.Contains(status, "connected") {
		t.Errorf("status %q", status)
	}

	// A wrong password: the page shows the bank's refusal.
	_, _, _, link2 := consentLink(t, Options{})
	err = chromedp.Do(ctx, logIn(link2, "AU00000", "Wentworth-Smith", "not-it"), chromedp.WaitVisible(chromedp.ID("status")))
	if err != nil {
		t.Fatal(err)
	}
	if status := text(t, ctx, "status"); !strings.Contains(status, "Cannot login to target institution") {
		t.Errorf("a wrong password shows %q", status)
	}

	// A token from elsewhere: a clear error page.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.ConsentBase()+"?token=abc.def.ghi"), chromedp.WaitVisible(chromedp.ID("error"))); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, ctx, "error"); !strings.Contains(msg, "not valid") {
		t.Errorf("a bad token shows %q", msg)
	}
}

func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("#%s: %v", id, err)
	}
	return s
}

func TestConsentRedirectCarriesJobIDsAndState(t *testing.T) {
	srv, _, _, link := consentLink(t, Options{RedirectURL: "http://127.0.0.1:1/done?app=1"})
	u, _ := url.Parse(link)
	form := url.Values{"token": {u.Query().Get("token")}, "state": {"s-1"}, "institutionId": {"AU00000"}, "loginId": {"Wentworth-Smith"}, "password": {"whislter"}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(strings.Replace(srv.ConsentBase(), "/home", "/connect", 1), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusSeeOther || q.Get("jobId") == "" || q.Get("jobIds") != q.Get("jobId") || q.Get("state") != "s-1" || q.Get("app") != "1" {
		t.Errorf("redirect %d to %s", resp.StatusCode, loc)
	}
}

// page is one consent-page answer, redirects not followed.
type page struct {
	status   int
	location string
	html     string
}

func (s *sim) page(method, path string, form url.Values) page {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, s.http.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), html: string(b)}
}

func consentPath(token string, q url.Values) string {
	q.Set("token", token)
	return "/consent/home?" + q.Encode()
}

func TestConsentPageActions(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user := s.createUser(tok, "max@example.com")
	client := s.clientToken(user)
	asksConsent := func(q url.Values) bool {
		p := s.page("GET", consentPath(client, q), nil)
		if p.status != 200 {
			t.Fatalf("%v: %d %s", q, p.status, p.html)
		}
		return strings.Contains(p.html, `id="consent"`)
	}
	if !asksConsent(url.Values{}) || !asksConsent(url.Values{"action": {"connect"}}) {
		t.Error("the page does not ask for consent before any was given")
	}
	if p := s.page("GET", consentPath(client, url.Values{"action": {"extend"}}), nil); p.status != 400 {
		t.Errorf("extend without consent: %d", p.status)
	}
	s.connectAs(user, "AU00000", "Wentworth-Smith")
	if asksConsent(url.Values{"action": {"connect"}}) || asksConsent(url.Values{"action": {"connect"}, "institutionId": {"AU00002"}}) {
		t.Error("action=connect asks for consent again")
	}
	for action, want := range map[string]string{"bogus": "Unknown action", "reauthorise": "Nothing to renew", "update": "Extend your consent", "manage": "Your data sharing"} {
		if p := s.page("GET", consentPath(client, url.Values{"action": {action}}), nil); !strings.Contains(p.html, want) {
			t.Errorf("action=%s: %d, no %q", action, p.status, want)
		}
	}

	// Extend: a year from now.
	s.clock.Advance(30 * 24 * time.Hour)
	client = s.clientToken(user)
	if p := s.page("POST", "/consent/manage", url.Values{"token": {client}, "op": {"extend"}}); p.status != 200 || !strings.Contains(p.html, "now runs until") {
		t.Errorf("extend: %d %s", p.status, p.html)
	}
	tok = s.serverToken()
	c := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()[0]
	if c["expiryDate"] != stamp(s.clock.Now().AddDate(1, 0, 0)) || c["updated"] != stamp(s.clock.Now()) {
		t.Errorf("the extended consent: %v", c)
	}

	// Manage: delete the connection, then revoke the consent.
	conn := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()[0]["id"].(string)
	manage := s.page("GET", consentPath(client, url.Values{"action": {"manage"}}), nil)
	if !strings.Contains(manage.html, `id="connection-`+conn+`"`) || !strings.Contains(manage.html, `id="revoke-`+c["id"].(string)+`"`) {
		t.Fatalf("the manage page lacks the connection or the revoke button:\n%s", manage.html)
	}
	if p := s.page("POST", "/consent/manage", url.Values{"token": {client}, "op": {"delete"}, "id": {conn}}); p.status != http.StatusSeeOther || !strings.Contains(p.location, "action=manage") {
		t.Errorf("delete: %d to %s", p.status, p.location)
	}
	if p := s.page("POST", "/consent/manage", url.Values{"token": {client}, "op": {"revoke"}, "id": {c["id"].(string)}}); p.status != http.StatusSeeOther {
		t.Errorf("revoke: %d %s", p.status, p.html)
	}
	if c := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()[0]; c["status"] != "revoked" {
		t.Errorf("after revoking on the page: %v", c["status"])
	}
	if p := s.page("POST", "/consent/manage", url.Values{"token": {client}, "op": {"delete"}, "id": {conn}}); p.status != 400 {
		t.Errorf("deleting a connection twice: %d", p.status)
	}
}

func TestConsentPageUpdatesCredentialsOfTheSameConnection(t *testing.T) {
	s := newSim(t, Options{})
	tok, user, conn := s.wrongPasswordConnection()
	client := s.clientToken(user)
	login := s.page("GET", consentPath(client, url.Values{"action": {"update"}, "connectionId": {conn}}), nil)
	if login.status != 200 || !strings.Contains(login.html, `name="connectionId" value="`+conn+`"`) || !strings.Contains(login.html, "Update your login to Hooli Bank") {
		t.Fatalf("the update-credentials page: %d %s", login.status, login.html)
	}
	p := s.page("POST", "/consent/connect", url.Values{"token": {client}, "institutionId": {"AU00000"}, "connectionId": {conn},
		"loginId": {"Wentworth-Smith"}, "password": {"whislter"}})
	loc, _ := url.Parse(p.location)
	if got := s.jobConnection(tok, loc.Query().Get("jobId")); p.status != http.StatusSeeOther || got != conn {
		t.Errorf("the update's job is for connection %s (%d to %s), want %s", got, p.status, p.location, conn)
	}
	if p := s.page("GET", consentPath(client, url.Values{"connectionId": {"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"}}), nil); p.status != 404 {
		t.Errorf("an unknown connection: %d", p.status)
	}
}

func TestConsentPageAsksTheChallenge(t *testing.T) {
	s := newSim(t, Options{RedirectURL: "http://127.0.0.1:1/done"})
	tok := s.serverToken()
	for _, c := range []struct {
		name   string
		answer []string
		steps  string
	}{{"right", []string{"basiq", "AU00000"}, "success success success success"}, {"wrong", []string{"Hooli", "AU00000"}, "success failed pending pending"}} {
		user := s.createUser(tok, "max@example.com")
		client := s.clientToken(user)
		p := s.page("POST", "/consent/connect", url.Values{"token": {client}, "state": {"s-1"}, "institutionId": {"AU00002"},
			"loginId": {"Wentworth-Smith"}, "password": {"whislter"}})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/consent/mfa?") {
			t.Fatalf("%s: the login at Pied Piper goes to %d %s", c.name, p.status, p.location)
		}
		mfa := s.page("GET", p.location, nil)
		for _, want := range []string{"What&#39;s your favourite company?", `id="answer-1"`, `id="mfa-hint">Basiq, AU00000<`, `id="seconds-left">120<`} {
			if !strings.Contains(mfa.html, want) {
				t.Fatalf("%s: the challenge page lacks %s:\n%s", c.name, want, mfa.html)
			}
		}
		loc, _ := url.Parse(p.location)
		job := loc.Query().Get("jobId")
		done := s.page("POST", "/consent/mfa", url.Values{"token": {client}, "jobId": {job}, "state": {"s-1"}, "answer": c.answer})
		back, _ := url.Parse(done.location)
		if done.status != http.StatusSeeOther || back.Query().Get("jobId") != job || back.Query().Get("state") != "s-1" {
			t.Errorf("%s: after the answer %d to %s", c.name, done.status, done.location)
		}
		if got := strings.Join(stepStatuses(s.do("GET", "/jobs/"+job, s.bearer(tok), "")), " "); got != c.steps {
			t.Errorf("%s answer: %s", c.name, got)
		}
		if again := s.page("GET", p.location, nil); again.status != http.StatusSeeOther {
			t.Errorf("%s: the challenge page once answered: %d", c.name, again.status)
		}
	}
}

func TestChallengePageInChromium(t *testing.T) {
	ctx := browser(t)
	_, _, _, link := consentLink(t, Options{})
	err := chromedp.Do(ctx,
		logIn(link, "AU00002", "Wentworth-Smith", "whislter"),
		chromedp.WaitVisible(chromedp.ID("answer-1")),
		chromedp.SendKeys(chromedp.ID("answer-0"), "Basiq"),
		chromedp.SendKeys(chromedp.ID("answer-1"), "AU00000"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if status := text(t, ctx, "status"); !strings.Contains(status, "connected") {
		t.Errorf("after answering Pied Piper's questions: %q", status)
	}
}
