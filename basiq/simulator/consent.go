package simulator

import (
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"

	"github.com/basiq-onboard/basiq-onboard/assets"
)

var consentPage = template.Must(template.ParseFS(assets.Consent, "consent/page.html"))

type personaHint struct{ Login, Password, Outcome string }

type pageData struct {
	Stage, Title, Error string
	Token, State        string
	Institutions        []institutionData
	Institution         institutionData
	Personas            []personaHint
	JobID, Status       string
	StatusClass         string
	Refresh             int
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // the page holds a token
	w.WriteHeader(status)
	_ = consentPage.Execute(w, d)
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
		s.render(w, http.StatusUnauthorized, pageData{Stage: "error", Title: "Consent link not valid", Error: msg})
		return "", false
	}
	return c.UserID, true
}

func hints() []personaHint {
	var out []personaHint
	for _, p := range sandbox.Personas {
		outcome := "shares " + plural(len(p.Accounts), "account")
		if p.Failure != nil {
			outcome = "fails: " + p.Failure.Detail
		}
		out = append(out, personaHint{Login: p.Login, Password: p.Password, Outcome: outcome})
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// handleConsentPage is GET /consent/home: the institutions, then the login.
func (s *Server) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token, state := q.Get("token"), q.Get("state")
	if _, ok := s.consentUser(w, token); !ok {
		return
	}
	d := pageData{Token: token, State: state}
	if id := q.Get("institutionId"); id != "" {
		inst, ok := findInstitution(id)
		if !ok {
			s.render(w, http.StatusNotFound, pageData{Stage: "error", Title: "Unknown bank", Error: "The sandbox has no institution " + id + "."})
			return
		}
		d.Stage, d.Title, d.Institution, d.Personas = "login", "Log in to "+inst.Name, inst, hints()
		s.render(w, http.StatusOK, d)
		return
	}
	d.Stage, d.Title, d.Institutions = "institutions", "Connect your bank", sandbox.Institutions
	s.render(w, http.StatusOK, d)
}

// handleConsentSubmit is the login form's POST: a connection and a job, then
// the redirect (jobId, jobIds, state) or a page that says to go back.
func (s *Server) handleConsentSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, pageData{Stage: "error", Title: "Something went wrong", Error: "The form could not be read."})
		return
	}
	token, state := r.PostForm.Get("token"), r.PostForm.Get("state")
	userID, ok := s.consentUser(w, token)
	if !ok {
		return
	}
	jobID, err := s.connect(userID, r.PostForm.Get("institutionId"), r.PostForm.Get("loginId"), r.PostForm.Get("password"))
	if err != nil {
		s.render(w, http.StatusBadRequest, pageData{Stage: "error", Title: "Could not connect", Error: err.Error()})
		return
	}
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

// handleConsentDone shows how the job is going; it reloads itself until the
// job has finished, with no script.
func (s *Server) handleConsentDone(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	userID, ok := s.consentUser(w, q.Get("token"))
	if !ok {
		return
	}
	s.mu.Lock()
	j, found := s.jobs[q.Get("jobId")]
	var d pageData
	if found && j.userID == userID {
		d = pageData{Stage: "done", JobID: j.id}
		now := s.clock.Now()
		switch {
		case s.stepStatus(j, 0, now) == "failed":
			d.Title, d.StatusClass = "Could not connect", "error"
			d.Status = j.failure.Title + " " + j.failure.Detail + " (" + j.failure.Code + ")"
		case s.stepStatus(j, 0, now) == "success":
			d.Title, d.StatusClass, d.Status = "Connected", "ok", "Your bank is connected. Basiq is retrieving your accounts and transactions."
		default:
			d.Title, d.Status, d.Refresh = "Connecting…", "Checking your login with the bank…", 1
		}
	}
	s.mu.Unlock()
	if !found {
		s.render(w, http.StatusNotFound, pageData{Stage: "error", Title: "Unknown job", Error: "There is no such job for this user."})
		return
	}
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
