package wizard

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/connect"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// sync gives every screen the session's state to draw, each its State. It
// returns the commands screens need to start (a spinner's first tick, a
// field's focus).
func (m *Model) sync() tea.Cmd {
	cmds := []tea.Cmd{
		m.keyScreen.m.SetState(m.keyState()),
		m.userScreen.m.SetState(m.userState()),
		m.consentScreen.m.SetState(m.consentState()),
		m.connectScreen.m.SetState(m.connectState()),
	}
	m.syncViews()
	if w := m.session.Script; w != nil {
		m.inspector.m.SetSaved(text.Safe(w.Said(true)), w.Err != nil)
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

// keyState is the key as the key screen draws it.
func (m *Model) keyState() apikey.State {
	s := m.session
	st := apikey.State{Working: s.Key.Checking || s.Key.Loading, FromEnv: s.Key.Source == qs.KeyFromEnv,
		Problem: m.problemHere(qs.StageKey), Retry: s.Problem.Offers(qs.RemedyRetry), Focus: s.Stage == qs.StageKey}
	if o := s.Key.SaveOffer; o != nil {
		st.Save = &apikey.SaveOffer{Where: o.Where, Insecure: o.Insecure, Replaces: o.Replaces}
	}
	return st
}

// userState is the user as the user screen draws it.
func (m *Model) userState() user.State {
	s := m.session
	st := user.State{LookingUp: s.User.LookingUp, FieldErrors: s.User.FieldErrors, Answers: s.User.Answers,
		Problem: m.problemHere(qs.StageUser), Retry: s.Problem.Offers(qs.RemedyRetry), AskCreateAgain: s.User.AskCreateAgain,
		Created: s.User.Created, Focus: s.Stage == qs.StageUser}
	if s.Demo {
		st.Example = qs.ExampleEmail
	}
	if s.User.Working {
		st.Working = s.User.Doing + "…"
	}
	if o := s.User.Offer; o != nil {
		st.Offer = &user.Offer{UserID: o.UserID, Created: o.Created, Jobs: len(o.Jobs)}
	}
	if s.User.User.ID != "" {
		u := s.User.User
		st.User = &u
	}
	return st
}

// consentState is consent as the consent screen draws it.
func (m *Model) consentState() consent.State {
	s := m.session
	st := consent.State{UserID: s.User.User.ID, UserName: s.User.User.Name, Expires: s.Link.Expires,
		Demo: s.Demo, Persona: s.Consent.AutoLogin, Polled: s.Consent.LastChecked, Now: m.clock.Now(),
		Polling: "GET /users/" + text.ShortID(s.User.User.ID) + "…/jobs", TimedOut: s.Consent.TimedOut,
		Waited: s.Consent.Deadline.Sub(s.Consent.Since), Retry: s.Stage == qs.StageConsent && s.Problem.Offers(qs.RemedyRetry),
		NewLink: s.Problem.Offers(qs.RemedyNewLink)}
	if s.Consent.Waiting {
		st.Link = s.Link.URL
	}
	if doing := s.ConsentDoing(); doing != "" {
		st.Working = doing + "…"
	}
	b := s.Consent.Browser
	st.Opened, st.Opens, st.Reason, st.Refused = b.Opened, b.Opens, b.Reason, b.Refused
	switch {
	case st.Reason == "":
	case s.LinkIsLocal() && s.Demo:
		// The demo's link is the simulator on 127.0.0.1: no other device reaches it.
		st.Reason += " The link is on this computer, which a phone cannot reach: press a below."
	case s.LinkIsLocal():
		// A simulator of one's own, on loopback: a QR code would not help either.
		st.Reason += " The link is on this computer, which a phone cannot reach: copy it (c, or l to see it whole) into a browser here."
	default:
		st.Reason += " Open the link on a computer with a browser, or scan the QR code (v)."
	}
	if s.Link.Action == basiq.ConsentConnect {
		st.AnotherBank = s.BankName(s.AutoConsentBank())
	}
	st.SandboxBank, st.SandboxLogin, st.SandboxPassword = s.BankName(s.AutoConsentBank()), qs.SandboxPersona, qs.SandboxPassword
	if st.Problem = m.problemHere(qs.StageConsent); st.Problem == nil {
		st.Problem = themeProblem(s.Consent.PollProblem)
	}
	return st
}

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
		for _, e := range s.JobEvents(id, now) {
			if j.Events == nil {
				j.Events = map[string][]connect.Event{}
			}
			j.Events[e.Step] = append(j.Events[e.Step], connect.Event{Time: e.Item.Created, Type: m.cfg.Redactor.String(e.Item.Event.TypeID()), Handler: handlerWords(e.Item)})
		}
		st.Jobs = append(st.Jobs, j)
	}
	st.Problem = themeProblem(s.ConnectProblem())
	return st
}

// handlerWords is what the handler answered an event, in a few words; ""
// for one not forwarded.
func handlerWords(it *listen.Item) string {
	a := it.Last()
	switch {
	case it.State == listen.Kept:
		return ""
	case it.SendErr != "":
		return theme.SymbolFailed + " not sent"
	case a == nil:
		return "…"
	case a.OK():
		return fmt.Sprintf("%s %d", theme.SymbolDone, a.Status)
	case a.Status != 0:
		return fmt.Sprintf("%s %d", theme.SymbolFailed, a.Status)
	}
	return theme.SymbolFailed + " no answer"
}

// accountsState is the accounts as the accounts' view draws them.
func (m *Model) accountsState() accounts.State {
	s := m.session
	st := accounts.State{Heading: s.User.User.Name, Accounts: s.Accounts.List, Banks: s.Institutions, Version: s.Accounts.Version,
		Updated: m.clock.Now(), Request: m.shortRequest("GET /users/" + s.User.User.ID + "/accounts"),
		Pending: s.Jobs.Running(), NoConsent: s.Explore.NoConsent, Feeds: map[string]accounts.Feed{}}
	for id, f := range s.Feeds {
		st.Feeds[id] = feedOf(f)
	}
	if e := s.Accounts.Export; e != nil {
		st.Export = &accounts.Export{Dir: e.Dir, Files: e.Files, Err: e.Err}
	}
	return st
}
