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

func TestConsentPageInChromium(t *testing.T) {
	ctx := browser(t)
	srv, _, userID, link := consentLink(t, Options{})
	err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("bank-AU00000")),
		chromedp.Click(chromedp.ID("bank-AU00000")),
		chromedp.WaitVisible(chromedp.ID("loginId")),
		chromedp.SendKeys(chromedp.ID("loginId"), "Wentworth-Smith"),
		chromedp.SendKeys(chromedp.ID("password"), "whislter"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
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
	err = chromedp.Do(ctx,
		chromedp.Navigate(link2),
		chromedp.WaitVisible(chromedp.ID("bank-AU00000")),
		chromedp.Click(chromedp.ID("bank-AU00000")),
		chromedp.WaitVisible(chromedp.ID("loginId")),
		chromedp.SendKeys(chromedp.ID("loginId"), "Wentworth-Smith"),
		chromedp.SendKeys(chromedp.ID("password"), "not-it"),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
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
