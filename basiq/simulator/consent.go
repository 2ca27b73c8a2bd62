package simulator

import (
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/assets"
)

// The consent page, standing in for consent.basiq.io/home (basiq-api.md §4,
// Basiq's "Consent Actions" and "Consent Parameters"):
//
//	(no action), action=null   consent (unless in force), then a bank and its login
//	action=connect             a bank and its login, for a user who has consented
//	action=manage              the consents and connections; revoke one, delete one
//	action=extend              the consent in force lasts a year from now
//	action=update              as extend: the simulated policy never changes, and
//	                           Basiq falls back to extend when it has not
//	action=reauthorise         renews open-banking connections: the simulator has none
//	connectionId=…             a web connection's update-credentials flow: log in
//	                           again, and the job is that connection's
//
// A bank that asks a multi-factor challenge gets a second page that asks it.

// consentPage is parsed on first use, not when the program starts: most runs never show it.
var consentPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(assets.Consent, "consent/page.html"))
})

type personaHint struct{ Login, Password, Outcome, Answers string }

// mfaView is the challenge a job is waiting on, as the second page asks it.
type mfaView struct {
	Description string
	Prompts     []string
	SecondsLeft int
	Hint        string // the sandbox's answers
}

type consentRow struct {
	ID, Status, Created, Expiry string
	Active                      bool
}

type connectionRow struct{ ID, Bank, Status, Created, LastUsed string }

type pageData struct {
	Stage, Title, Error string
	Token, State        string
	AskConsent          bool // no consent in force: the page asks for it
	Policy              policy
	Institutions        []institutionData
	Institution         institutionData
	AsksMFA             bool   // the bank may ask a challenge
	ConnectionID        string // the login updates this connection
	Personas            []personaHint
	JobID, Status       string
	StatusClass         string
	Refresh             int
	AnswerLink          string // the second page, while the bank waits for the answer
	MFA                 mfaView
	Consents            []consentRow
	Connections         []connectionRow
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // the page holds a token
	w.WriteHeader(status)
	d.Policy = consentPolicy
	_ = consentPage().Execute(w, d)
}

func (s *Server) renderError(w http.ResponseWriter, status int, title, msg string) {
	s.render(w, status, pageData{Stage: "error", Title: title, Error: msg})
}

// consentUser checks the page's client token, as consent.basiq.io does.
func (s *Server) consentUser(w http.ResponseWriter, token string) (string, bool) {
	c, err := s.checkToken("Bearer " + token)
	msg := ""
	switch {
	case token == "":
		msg = "This consent link has no token. Open the link the terminal shows, all of it."
	case err != nil && err.code == "access-denied":
		msg = "This consent link has expired (its token lasts an hour)."
	case err != nil:
		msg = "This consent link is not valid: its token was not issued by this simulator (was it cut short, or from another run?)."
	case c.Scope != scopeClient || c.UserID == "":
		msg = "This link carries a server token; consent needs a client token bound to a user."
	}
	if msg == "" {
		s.mu.Lock()
		_, exists := s.users[c.UserID]
		s.mu.Unlock()
		if !exists {
			msg = "The user this consent link is for no longer exists."
		}
	}
	if msg != "" {
		s.renderError(w, http.StatusUnauthorized, "Consent link not valid", msg)
		return "", false
	}
	return c.UserID, true
}

// consentForm reads the consent page's parameters (its query, and the form
// it posts) and checks their token.
func (s *Server) consentForm(w http.ResponseWriter, r *http.Request) (form url.Values, userID string, ok bool) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "Something went wrong", "The form could not be read.")
		return nil, "", false
	}
	userID, ok = s.consentUser(w, r.Form.Get("token"))
	return r.Form, userID, ok
}

// withUser runs f with the user, s.mu held; false if the user is gone.
func (s *Server) withUser(userID string, f func(u *user, now time.Time)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if ok {
		f(u, s.clock.Now())
	}
	return ok
}

func hints(inst institutionData) []personaHint {
	var out []personaHint
	for _, p := range sandbox.Personas {
		outcome := "shares " + plural(len(p.Accounts), "account")
		if p.Failure != nil {
			outcome = "fails: " + p.Failure.Detail
		}
		h := personaHint{Login: p.Login, Password: p.Password, Outcome: outcome}
		if p.Failure == nil && inst.Authorization != "user" {
			h.Answers = strings.Join(p.challenge().Answers, ", ")
		}
		out = append(out, h)
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// handleConsentPage is GET /consent/home.
func (s *Server) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	q, userID, ok := s.consentForm(w, r)
	if !ok {
		return
	}
	d := pageData{Token: q.Get("token"), State: q.Get("state")}
	if id := q.Get("connectionId"); id != "" {
		s.renderUpdateLogin(w, userID, id, d)
		return
	}
	switch action := q.Get("action"); action {
	case "", "null", "connect":
		s.renderConnect(w, userID, q.Get("institutionId"), d)
	case "manage":
		s.renderManage(w, userID, d)
	case "extend", "update":
		s.renderExtend(w, userID, d)
	case "reauthorise":
		d.Stage, d.Title, d.Status = "notice", "Nothing to renew",
			"Reauthorise renews open-banking connections that expire within 7 days; this simulator's connections are web connections, which do not expire."
		s.render(w, http.StatusOK, d)
	default:
		s.renderError(w, http.StatusBadRequest, "Unknown action", "The consent page takes action=connect, manage, extend, update or reauthorise (or none), not "+strconv.Quote(action)+".")
	}
}

// renderConnect is the create-consent and connect flows: the banks, or the
// login to the one chosen. Consent is asked while none is in force (connect
// without consent falls back to creating it).
func (s *Server) renderConnect(w http.ResponseWriter, userID, institutionID string, d pageData) {
	s.withUser(userID, func(u *user, now time.Time) { d.AskConsent = s.activeConsent(u, now) == nil })
	if institutionID == "" {
		d.Stage, d.Title, d.Institutions = "institutions", "Connect your bank", sandbox.Institutions
		s.render(w, http.StatusOK, d)
		return
	}
	inst, ok := findInstitution(institutionID)
	if !ok {
		s.renderError(w, http.StatusNotFound, "Unknown bank", "The sandbox has no institution "+institutionID+".")
		return
	}
	d.Stage, d.Title, d.Institution, d.AsksMFA, d.Personas = "login", "Log in to "+inst.Name, inst, inst.Authorization != "user", hints(inst)
	s.render(w, http.StatusOK, d)
}

// renderUpdateLogin is the update-credentials flow of a web connection.
func (s *Server) renderUpdateLogin(w http.ResponseWriter, userID, connectionID string, d pageData) {
	var c *connection
	s.withUser(userID, func(u *user, _ time.Time) { c = s.userConnection(u, connectionID) })
	if c == nil {
		s.renderError(w, http.StatusNotFound, "Unknown connection", "This user has no connection "+connectionID+" (it may have been deleted).")
		return
	}
	inst, _ := findInstitution(c.institution)
	d.Stage, d.Title, d.Institution, d.AsksMFA, d.Personas = "login", "Update your login to "+inst.Name, inst, inst.Authorization != "user", hints(inst)
	d.ConnectionID = c.id
	s.render(w, http.StatusOK, d)
}

func (s *Server) renderManage(w http.ResponseWriter, userID string, d pageData) {
	s.withUser(userID, func(u *user, now time.Time) {
		s.settleConsents(u, now)
		for i := len(u.consents) - 1; i >= 0; i-- {
			c := u.consents[i]
			d.Consents = append(d.Consents, consentRow{ID: c.id, Status: c.status(now), Created: pageDay(c.created), Expiry: pageDay(c.expiry), Active: c.status(now) == "active"})
		}
		for _, c := range s.liveConnections(u) {
			inst, _ := findInstitution(c.institution)
			d.Connections = append(d.Connections, connectionRow{ID: c.id, Bank: inst.Name, Status: s.connectionStatus(u, c, now),
				Created: pageDay(c.created), LastUsed: pageDay(s.lastUsed(u, c, now))})
		}
	})
	d.Stage, d.Title = "manage", "Your data sharing"
	s.render(w, http.StatusOK, d)
}

func (s *Server) renderExtend(w http.ResponseWriter, userID string, d pageData) {
	var c *consent
	s.withUser(userID, func(u *user, now time.Time) { c = s.activeConsent(u, now) })
	if c == nil {
		s.renderError(w, http.StatusBadRequest, "No consent to extend", "There is no consent in force to extend: open the link without an action to give consent.")
		return
	}
	d.Stage, d.Title, d.Status = "extend", "Extend your consent", "Your consent runs until "+pageDay(c.expiry)+"."
	s.render(w, http.StatusOK, d)
}

// pageDay is a day as the page shows it.
func pageDay(t time.Time) string { return t.UTC().Format("2 January 2006") }

// handleManageSubmit is the manage and extend pages' buttons: revoke a
// consent, delete a connection, extend the consent in force.
func (s *Server) handleManageSubmit(w http.ResponseWriter, r *http.Request) {
	f, userID, ok := s.consentForm(w, r)
	if !ok {
		return
	}
	token, state := f.Get("token"), f.Get("state")
	op, id := f.Get("op"), f.Get("id")
	done, notice := false, ""
	s.withUser(userID, func(u *user, now time.Time) {
		switch op {
		case "revoke":
			for _, c := range u.consents {
				if c.id == id {
					s.revokeConsent(u, c, now)
					done = true
				}
			}
		case "delete":
			if c := s.userConnection(u, id); c != nil {
				s.deleteConnection(u, c, now)
				done = true
			}
		case "extend":
			if c, ok := s.extendConsent(u, now); ok {
				done, notice = true, "Your consent now runs until "+pageDay(c.expiry)+"."
			}
		}
	})
	switch {
	case !done:
		s.renderError(w, http.StatusBadRequest, "Nothing changed", "There is no such consent or connection, or no consent in force, for this user.")
	case notice != "":
		s.render(w, http.StatusOK, pageData{Stage: "notice", Title: "Consent extended", Status: notice})
	default:
		http.Redirect(w, r, "/consent/home?"+url.Values{"token": {token}, "action": {"manage"}, "state": {state}}.Encode(), http.StatusSeeOther)
	}
}

// handleConsentSubmit is the login form's POST: consent (unless in force), a
// connection (or the one being updated) and a job; then the challenge page,
// if the bank asks one, or the redirect.
func (s *Server) handleConsentSubmit(w http.ResponseWriter, r *http.Request) {
	f, userID, ok := s.consentForm(w, r)
	if !ok {
		return
	}
	token, state := f.Get("token"), f.Get("state")
	jobID, err := s.connect(userID, f.Get("institutionId"), f.Get("loginId"), f.Get("password"), consentRequest{connectionID: f.Get("connectionId")})
	if err != nil {
		s.renderError(w, http.StatusBadRequest, "Could not connect", err.Error())
		return
	}
	s.mu.Lock()
	asks := slices.Contains(s.jobs[jobID].steps, stepMFA)
	s.mu.Unlock()
	if asks {
		http.Redirect(w, r, "/consent/mfa?"+url.Values{"token": {token}, "jobId": {jobID}, "state": {state}}.Encode(), http.StatusSeeOther)
		return
	}
	s.finish(w, r, token, state, jobID)
}

// finish ends the consent session: the redirect with jobId, jobIds and
// state, or a page that says to go back to the terminal.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, token, state, jobID string) {
	if s.opts.RedirectURL != "" {
		target, err := url.Parse(s.opts.RedirectURL)
		if err == nil {
			q := target.Query()
			q.Set("jobId", jobID)
			q.Set("jobIds", jobID)
			if state != "" {
				q.Set("state", state)
			}
			target.RawQuery = q.Encode()
			http.Redirect(w, r, target.String(), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/consent/done?"+url.Values{"token": {token}, "jobId": {jobID}}.Encode(), http.StatusSeeOther)
}

// consentJob reads the consent page's parameters and finds the job they
// name, of the token's user; false when it has answered.
func (s *Server) consentJob(w http.ResponseWriter, r *http.Request) (url.Values, *job, bool) {
	q, userID, ok := s.consentForm(w, r)
	if !ok {
		return nil, nil, false
	}
	s.mu.Lock()
	j, found := s.jobs[q.Get("jobId")]
	s.mu.Unlock()
	if !found || j.userID != userID {
		s.renderError(w, http.StatusNotFound, "Unknown job", "There is no such job for this user.")
		return nil, nil, false
	}
	return q, j, true
}

// handleMFAPage is GET /consent/mfa, the second page: it waits for the login
// to be checked, asks the bank's challenge while it waits for an answer, and
// ends the session once the challenge is over.
func (s *Server) handleMFAPage(w http.ResponseWriter, r *http.Request) {
	q, j, ok := s.consentJob(w, r)
	if !ok {
		return
	}
	token, state := q.Get("token"), q.Get("state")
	var d pageData
	over := false
	s.mu.Lock()
	now := s.clock.Now()
	switch st, _ := s.stateOf(j, stepMFA, now); st.status {
	case "in-progress":
		d = pageData{Stage: "mfa", Title: "Your bank asks", JobID: j.id, MFA: mfaView{
			Description: j.mfa.description(), Prompts: j.mfa.Prompts,
			SecondsLeft: int(math.Ceil(st.end.Sub(now).Seconds())), Hint: strings.Join(j.mfa.Answers, ", ")}}
	case "pending":
		d = s.progress(j, now, token) // the login is being checked, or has failed
	default:
		over = true
	}
	s.mu.Unlock()
	if over {
		s.finish(w, r, token, state, j.id)
		return
	}
	d.Token, d.State = token, state
	s.render(w, http.StatusOK, d)
}

// handleMFASubmit is the second page's POST: the answer, right or wrong (the
// job says which), then the end of the session.
func (s *Server) handleMFASubmit(w http.ResponseWriter, r *http.Request) {
	f, j, ok := s.consentJob(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	_ = s.answerMFA(j, f["answer"], s.clock.Now()) // a wrong or late answer fails the step, which the job shows
	s.mu.Unlock()
	s.finish(w, r, f.Get("token"), f.Get("state"), j.id)
}

// progress is how a job is going, in the consent page's words; s.mu is held.
func (s *Server) progress(j *job, now time.Time, token string) pageData {
	d := pageData{Stage: "done", JobID: j.id}
	for _, st := range s.states(j, now) {
		switch {
		case st.status == "failed":
			d.Title, d.StatusClass = "Could not connect", "error"
			d.Status = st.fail.Title + " " + st.fail.Detail + " (" + st.fail.Code + ")"
			return d
		case st.title == stepMFA && st.status == "in-progress":
			d.Title, d.Status, d.Refresh = "Your bank is waiting", "Your bank asked a question and is waiting for the answer.", 1
			d.AnswerLink = "/consent/mfa?" + url.Values{"token": {token}, "jobId": {j.id}}.Encode()
			return d
		}
	}
	if s.loginOutcome(j, now) == "done" {
		d.Title, d.StatusClass, d.Status = "Connected", "ok", "Your bank is connected. Basiq is retrieving your accounts and transactions."
		return d
	}
	d.Title, d.Status, d.Refresh = "Connecting…", "Checking your login with the bank…", 1
	return d
}

// handleConsentDone shows how the job is going; it reloads itself until the
// login is through or has failed, with no script.
func (s *Server) handleConsentDone(w http.ResponseWriter, r *http.Request) {
	q, j, ok := s.consentJob(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	d := s.progress(j, s.clock.Now(), q.Get("token"))
	s.mu.Unlock()
	s.render(w, http.StatusOK, d)
}

func (s *Server) handleConsentCSS(w http.ResponseWriter, r *http.Request) {
	css, err := fs.ReadFile(assets.Consent, "consent/consent.css")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(css)
}
