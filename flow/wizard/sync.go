package wizard

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/connect"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// sync gives every screen the session's state to draw. It returns the
// commands screens need to start (a spinner's first tick, a field's focus).
func (m *Model) sync() tea.Cmd {
	var cmds []tea.Cmd
	cmds = append(cmds, m.syncKey(), m.syncUser(), m.syncConsent(), m.syncConnect())
	m.syncAccounts()
	m.syncViews()
	if w := m.session.Script; w != nil {
		m.inspector.SetSaved(text.Safe(w.Said(true)), w.Err != nil)
	}
	if stage := m.session.Stage; stage != m.shownStage {
		m.shownStage = stage
		switch stage {
		case qs.StageKey:
			cmds = append(cmds, m.keyScreen.Focus())
		case qs.StageUser:
			cmds = append(cmds, m.userScreen.Focus())
		}
	}
	return tea.Batch(cmds...)
}

// problemHere is the standing problem when the session is at stage, as the
// screens draw it; nil when none.
func (m *Model) problemHere(stage qs.Stage) *theme.Problem {
	if m.session.Stage != stage || m.session.Problem == nil {
		return nil
	}
	return themeProblem(m.session.Problem)
}

func themeProblem(p *qs.Problem) *theme.Problem {
	if p == nil {
		return nil
	}
	return &theme.Problem{What: p.What, Meaning: p.Meaning, Next: p.Next, CorrelationID: p.CorrelationID}
}

func (m *Model) syncKey() tea.Cmd {
	s := m.session
	k := &m.keyScreen
	cmd := k.SetWorking(s.Key.Checking || s.Key.Loading)
	k.SetFromEnv(s.Key.Source == qs.KeyFromEnv)
	if p := m.problemHere(qs.StageKey); p != nil {
		k.SetProblem(*p, s.Problem.Offers(qs.RemedyRetry))
	} else {
		k.ClearProblem()
	}
	if o := s.Key.SaveOffer; o != nil {
		k.AskSave(o.Where, o.Insecure, o.Replaces)
	} else {
		k.StopAsking()
	}
	if s.Stage == qs.StageKey && !s.Key.Checking && !s.Key.Loading && s.Key.SaveOffer == nil {
		cmd = tea.Batch(cmd, k.Focus())
	}
	return cmd
}

func (m *Model) syncUser() tea.Cmd {
	s := m.session
	u := &m.userScreen
	if s.Demo {
		u.SetExample(qs.ExampleEmail)
	}
	if s.User.Working && s.User.LookingUp != "" {
		u.SetExistingID(s.User.LookingUp) // the id being looked up, on the form for ids
	}
	working := ""
	if s.User.Working {
		working = s.User.Doing + "…"
	}
	cmd := u.SetWorking(working)
	if s.User.Answers != m.userAnswers {
		// Basiq's words on a field, once an answer brings them: set again on
		// every frame they would cling to a value the person has changed since.
		m.userAnswers = s.User.Answers
		u.SetFieldErrors(s.User.FieldErrors)
	}
	u.SetProblem(m.problemHere(qs.StageUser), s.Problem.Offers(qs.RemedyRetry))
	u.SetAskCreateAgain(s.User.AskCreateAgain)
	if o := s.User.Offer; o != nil {
		u.SetOffer(&user.Offer{UserID: o.UserID, Created: o.Created, Jobs: len(o.Jobs)})
	} else {
		u.SetOffer(nil)
	}
	if s.User.User.ID != "" {
		usr := s.User.User
		u.SetUser(&usr, s.User.Created)
	} else {
		u.SetUser(nil, false)
	}
	if s.Stage == qs.StageUser && working == "" {
		cmd = tea.Batch(cmd, u.Focus())
	}
	return cmd
}

func (m *Model) syncConsent() tea.Cmd {
	s := m.session
	c := &m.consentScreen
	c.SetUser(s.User.User.ID, s.User.User.Name)
	link := ""
	if s.Consent.Waiting {
		link = s.Link.URL
	}
	c.SetLink(link, s.Link.Expires)
	working := ""
	if doing := s.ConsentDoing(); doing != "" {
		working = doing + "…"
	}
	c.SetWorking(working)
	b := s.Consent.Browser
	reason := b.Reason
	switch {
	case reason == "":
	case s.LinkIsLocal() && s.Demo:
		// The demo's link is the simulator on 127.0.0.1: no other device reaches it.
		reason += " The link is on this computer, which a phone cannot reach: press a below."
	case s.LinkIsLocal():
		// A simulator of one's own, on loopback: a QR code would not help either.
		reason += " The link is on this computer, which a phone cannot reach: copy it (c, or l to see it whole) into a browser here."
	default:
		reason += " Open the link on a computer with a browser, or scan the QR code (v)."
	}
	c.SetBrowser(b.Opened, b.Opens, reason)
	c.SetOpenRefused(b.Refused)
	c.SetDemo(s.Demo, s.Consent.AutoLogin)
	another := ""
	if s.Link.Action == basiq.ConsentConnect {
		another = s.BankName(s.AutoConsentBank())
	}
	c.SetAnotherBank(another)
	bank := "" // the sandbox's Hooli, unless the link is for a bank of its own
	if s.Link.ConnectionID != "" || another != "" {
		bank = s.BankName(s.AutoConsentBank())
	}
	c.SetSandboxBank(bank)
	c.SetPolling(s.Consent.LastChecked, "GET /users/"+text.ShortID(s.User.User.ID)+"…/jobs")
	c.SetNow(m.clock.Now())
	c.SetTimedOut(s.Consent.TimedOut, s.Consent.Deadline.Sub(s.Consent.Since))
	p := m.problemHere(qs.StageConsent)
	if p == nil {
		p = themeProblem(s.Consent.PollProblem)
	}
	c.SetProblem(p)
	c.SetRemedies(s.Stage == qs.StageConsent && s.Problem.Offers(qs.RemedyRetry), s.Problem.Offers(qs.RemedyNewLink))
	return c.Spin()
}

// syncConnect shows the jobs as they are now; it returns the spinner's first
// tick when a step starts running.
func (m *Model) syncConnect() tea.Cmd { return m.connectScreen.SetState(m.connectState()) }

// connectState is the jobs as the job view draws them.
func (m *Model) connectState() connect.State {
	s := m.session
	js := &s.Jobs
	now := m.clock.Now()
	st := connect.State{
		Progress:       js.Progress(),
		AllOver:        js.AllOver(),
		Stopped:        s.ConnectStopped(),
		AccountsReady:  s.AccountsReady(),
		BackToAccounts: s.AccountsFromBefore(),
		Failed:         len(js.FailedIDs()),
		Retry:          s.Problem.Offers(qs.RemedyRetry),
		Refresh:        s.Problem.Offers(qs.RemedyRefresh),
		RetryWords:     "try again",
	}
	if s.Problem.RetryConsents() {
		st.RetryWords = "consent again"
	}
	if !js.Since.IsZero() {
		st.Elapsed = now.Sub(js.Since)
	}
	for _, id := range js.Order {
		w := js.ByID[id]
		bank := s.BankName(w.Bank())
		j := connect.Job{Job: w.Job, Seen: w.Seen, Bank: bank, Took: map[string]time.Duration{}, Trouble: themeProblem(w.PollProblem)}
		if j.Job.ID == "" {
			j.Job.ID = id // not answered yet: the id is all there is
		}
		if inst, ok := s.Institutions[w.Bank()]; ok {
			j.Usual = inst.AverageTotal()
		}
		for _, step := range w.Job.Steps {
			if d, ok := w.StepTook(step.Title, now); ok {
				j.Took[step.Title] = d
			}
		}
		if c := w.MFA; c != nil {
			j.MFA = &connect.MFA{Token: c.Token(), Questions: c.Questions, Description: c.Description, Left: c.Expires.Sub(now),
				Sending: c.Sending, Sent: c.Sent, Refused: c.Refused, Problem: themeProblem(c.Problem)}
		}
		j.Failure = themeProblem(s.JobFailure(id))
		st.Jobs = append(st.Jobs, j)
	}
	st.Problem = themeProblem(s.ConnectProblem())
	return st
}

func (m *Model) syncAccounts() {
	s := m.session
	a := &m.accountsScreen
	if s.Accounts.Version != m.shownAccounts {
		m.shownAccounts = s.Accounts.Version
		a.SetHeading(s.User.User.Name)
		a.SetAccounts(s.Accounts.List, s.Institutions, m.clock.Now())
	}
	a.SetTransactionsPending(s.Jobs.Running())
	if e := s.Accounts.Export; e != nil {
		a.SetExported(e.Dir, e.Files, e.Err)
	}
	for id, f := range s.Feeds {
		a.SetFeed(id, accounts.Feed{Items: f.Items, Started: f.Started, More: f.More(), Loading: f.Loading, Problem: themeProblem(f.Problem)})
	}
}
