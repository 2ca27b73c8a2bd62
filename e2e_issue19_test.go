package main

// End-to-end tests of issue 19: a bank's question answered in the terminal,
// coming back to a session whose old job failed, and line mode (TERM=dumb).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestTmuxDemoPiedPiperRefreshedAndItsQuestionsAnsweredInTheTerminal(t *testing.T) {
	env, _ := cleanEnv(t)
	s := startTmux(t, env, 100, 30, "--demo", "--no-browser")
	s.demoToTheAccounts()
	s.keys("Tab", "Tab")
	s.waitFor("1 connection")
	s.keys("b")
	s.waitFor("Sandbox bank: Pied Piper Bank") // the bank a connects, named
	s.keys("a")
	s.seeTheAccounts("2 banks · 8 accounts")
	s.refreshPiedPiper()
	// The refresh keeps its bank's name, and the bank asks: the first field has the cursor.
	s.holds(s.waitFor("What's the ID of this institution?"), "the job view",
		"Connecting Pied Piper Bank", "Pied Piper Bank asks", "enter send · tab next field · esc answer later")
	s.text("Basiq")
	s.keys("Tab")
	s.text("AU00000")
	s.waitFor("AU00000")
	s.keys("Enter")
	s.waitFor("Connected Pied Piper Bank")
	s.seeTheAccounts("2 banks · 8 accounts")
	// Item 2: a wrong answer fails the refresh; r goes through consent for that
	// connection, and Connections still has one row for Pied Piper.
	s.refreshPiedPiper()
	s.waitFor("What's the ID of this institution?")
	s.text("Hooligan")
	s.keys("Tab")
	s.text("AU99999")
	s.keys("Enter")
	s.waitFor("Could not connect to Pied Piper Bank")
	s.keys("r")
	s.waitFor("connectionId=")
	s.waitFor("Sandbox bank: Pied Piper Bank")
	s.keys("a")
	s.seeTheAccounts("/accounts at") // on the accounts: a tab sent before them lands on the job view, which has none
	s.keys("Tab", "Tab")
	p := s.waitFor("2 connections")
	if strings.Count(p, "Pied Piper Bank") != 1 {
		t.Errorf("Connections after consent again:\n%s", p)
	}
	s.quit(keepTheUser)
	s.exits("0", "")
}

// demoToTheAccounts walks the demo to its accounts: the made-up user, on
// to consent, a for the sandbox persona, enter once they are in.
func (s *tmuxSession) demoToTheAccounts() {
	s.t.Helper()
	s.demoUserOnToConsent()
	s.waitFor("Waiting for a connection")
	s.keys("a")
	s.seeTheAccounts("Hooli Bank · 4 accounts")
}

// refreshPiedPiper goes from the accounts of the two banks to Connections
// and refreshes Pied Piper's, the second row.
func (s *tmuxSession) refreshPiedPiper() {
	s.t.Helper()
	s.keys("Tab", "Tab")
	s.waitFor("2 connections")
	s.keys("Down")
	s.waitFor("›Pied Piper Bank")
	s.keys("u")
}

// createUser types email in the user form, creates the user and returns its id.
func (s *tmuxSession) createUser(email string) string {
	s.t.Helper()
	s.waitFor("Email")
	s.text(email)
	s.keys("Enter")
	p := s.waitFor("Created user")
	id := regexp.MustCompile(`Created user ([0-9a-f-]{36})`).FindStringSubmatch(p)
	if id == nil {
		s.t.Fatalf("no user id on screen:\n%s", p)
	}
	return id[1]
}

// simClient calls a standalone simulator as a test would with curl.
type simClient struct {
	t           *testing.T
	base, key   string
	noRedirects *http.Client
}

func newSimClient(t *testing.T, base, key string) *simClient {
	return &simClient{t: t, base: base, key: key, noRedirects: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// token is an access token: SERVER_ACCESS, or CLIENT_ACCESS bound to userID.
func (c *simClient) token(userID string) string {
	c.t.Helper()
	form := url.Values{"scope": {"SERVER_ACCESS"}}
	if userID != "" {
		form = url.Values{"scope": {"CLIENT_ACCESS"}, "userId": {userID}}
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Basic "+c.key)
	req.Header.Set("basiq-version", "3.0")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken string `json:"access_token"`
	}
	c.do(req, &out)
	return out.AccessToken
}

func (c *simClient) do(req *http.Request, out any) int {
	c.t.Helper()
	resp, err := c.noRedirects.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// consent does what the consent page's submit does for the user, as a
// sandbox login at a bank; it returns the job id the page redirects with.
func (c *simClient) consent(userID, bank, login, password string) string {
	c.t.Helper()
	form := url.Values{"token": {c.token(userID)}, "institutionId": {bank}, "loginId": {login}, "password": {password}}
	resp, err := c.noRedirects.PostForm(c.base+"/consent/connect", form)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	job := loc.Query().Get("jobId")
	if job == "" {
		c.t.Fatalf("consent at %s as %s: %s, no job", bank, login, resp.Status)
	}
	return job
}

// answerMFA answers a job's challenge as POST /jobs/{id}/mfa does; it returns the status.
func (c *simClient) answerMFA(userID, jobID string, answers ...string) int {
	c.t.Helper()
	b, _ := json.Marshal(map[string][]string{"mfa-response": answers})
	req, _ := http.NewRequest(http.MethodPost, c.base+"/jobs/"+jobID+"/mfa", strings.NewReader(string(b)))
	req.Header.Set("Authorization", "Bearer "+c.token(userID))
	req.Header.Set("basiq-version", "3.0")
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, nil)
}

func TestTmuxComingBackToAUserWhoseOldJobFailedShowsWhatIsCurrentAndExitsZero(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	sim := newSimClient(t, apiURL, apiKey)
	env, _ := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_API_KEY="+apiKey, "BASIQ_CONSENT_URL="+apiURL+"/consent/home")

	first := startTmux(t, env, 100, 30, "--no-browser")
	user := first.createUser("max@example.com")
	first.keys("Enter")
	first.waitFor("Waiting for a connection")
	sim.consent(user, "AU00000", "Wentworth-Smith", "whislter")
	first.seeTheAccounts("Hooli Bank · 4 accounts")
	// Another bank, whose question is left unanswered when the person quits.
	first.keys("Tab", "Tab")
	first.waitFor("1 connection")
	first.keys("b")
	first.waitFor("Waiting for a connection")
	job := sim.consent(user, "AU00002", "Wentworth-Smith", "whislter")
	first.waitFor("What's the ID of this institution?")
	first.keys("Escape") // answer later
	first.waitFor("then fails the job")
	first.quit(keepTheUser)
	if code := first.exitCode(); code != "0" {
		t.Fatalf("first run: exit code %s, want 0", code)
	}
	// Meanwhile the job fails: a wrong answer, given elsewhere.
	if status := sim.answerMFA(user, job, "Hooligan", "AU99999"); status != http.StatusBadRequest {
		t.Fatalf("the wrong answer: %d, want 400", status)
	}

	second := startTmux(t, env, 100, 30, "--no-browser")
	second.waitFor("Continue with user " + user[:8] + "… (and its unfinished job)?")
	second.keys("Enter")
	// The old job is history: the views of what is current, and one line that says so.
	p := second.waitFor("Hooli Bank · 4 accounts")
	if !strings.Contains(strings.Join(strings.Fields(p), " "), "Job "+job[:8]+"… from last time ended since") {
		t.Errorf("no line says the old job ended:\n%s", p)
	}
	if strings.Contains(p, "Could not connect") || strings.Contains(p, "Answering a security question") {
		t.Errorf("the old job is shown as if it ran now:\n%s", p)
	}
	second.keys("Tab", "Tab", "Tab", "Tab")
	second.waitFor("2 jobs, newest first") // the Jobs view has it
	second.quit(keepTheUser)
	second.exits("0", "a clean quit after coming back: ")
}

func TestTmuxADumbTerminalGetsLinesAndAsksForTheKeyAndTheEmail(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	sim := newSimClient(t, apiURL, apiKey)
	env, _ := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_CONSENT_URL="+apiURL+"/consent/home")
	for i, kv := range env {
		if strings.HasPrefix(kv, "TERM=") {
			env[i] = "TERM=dumb"
		}
	}
	s := startTmux(t, env, 100, 30, "--no-browser")
	s.waitFor("API key (from the Basiq dashboard")
	s.text(apiKey)
	s.keys("Enter")
	s.waitFor("Key accepted")
	s.waitFor("The new user's email:")
	s.text("max@example.com")
	s.keys("Enter")
	p := s.waitFor("Waiting for a connection")
	user := regexp.MustCompile(`User ([0-9a-f-]{36})`).FindStringSubmatch(p)
	if user == nil {
		t.Fatalf("no user line:\n%s", p)
	}
	sim.consent(user[1], "AU00002", "gavinBelson", "hooli2016")
	s.waitFor("What's your first company?")
	s.text("Hooli")
	s.keys("Enter")
	s.waitFor("took the answers")
	p = s.waitFor("Transaction 23000")
	s.exits("0", "")
	if strings.Contains(p, apiKey) {
		t.Errorf("the key was echoed:\n%s", p)
	}
	if strings.Contains(p, "\x1b[?1049h") || strings.Contains(p, "Key ─ ") {
		t.Errorf("a dumb terminal got the full-screen wizard:\n%s", p)
	}
	if _, _, echo := s.terminal(); !echo {
		t.Error("the terminal's echo is off after the run")
	}
}
