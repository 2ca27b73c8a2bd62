package wizard

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/flow/listenview"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/connections"
	"github.com/basiq-onboard/basiq-onboard/ui/consents"
	"github.com/basiq-onboard/basiq-onboard/ui/eventlog"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/transactions"
)

// The views of the user, once the accounts are in: one screen each, under
// tabs. The keys every view shares are the wizard's (viewKeys); a view's
// screen has only its own.

// viewKeys are the keys of every view, where no field or subview has them.
type viewKeys struct {
	next, prev, reload, saveScript key.Binding
}

func newViewKeys() viewKeys {
	return viewKeys{
		next:       keys.Next.Help("next view"),
		prev:       keys.Prev.Help("previous view"),
		reload:     keys.TryAgain.Help("reload"),
		saveScript: keys.SaveScript.Binding(),
	}
}

// viewNames are the tabs' names, in the session's order.
func viewNames() []string {
	names := make([]string, len(qs.Views))
	for i, v := range qs.Views {
		names[i] = v.String()
	}
	return names
}

// onViews reports whether the views' own keys act: at the views, where no
// question is asked, no field has focus, and the accounts show their table
// (an account's details, its transactions and the export have keys of
// their own). A search kept in the transactions does not stop them.
func (m Model) onViews() bool {
	s := m.session
	if s.Stage != qs.StageAccounts || s.Explore.Confirm != nil || m.currentView().Capturing() {
		return false
	}
	return s.Explore.View != qs.ViewAccounts || !m.accountsScreen.TakesEsc()
}

// viewKey acts on a key every view shares; nil, false for another key.
func (m *Model) viewKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.tabKeys
	step := 0
	switch {
	case key.Matches(msg, k.next):
		step = 1
	case key.Matches(msg, k.prev):
		step = len(qs.Views) - 1
	case key.Matches(msg, k.reload):
		return m.apply(qs.RetryAsked{}), true
	case key.Matches(msg, k.saveScript) && m.session.CanSaveScript():
		return m.apply(qs.ScriptAsked{}), true
	default:
		return nil, false
	}
	next := qs.Views[(int(m.session.Explore.View)+step)%len(qs.Views)]
	return m.apply(qs.ViewAsked{View: next}), true
}

// viewIntent turns what a view asks for into the session's event.
func viewIntent(msg tea.Msg) qs.Event {
	switch msg := msg.(type) {
	case transactions.FilteredMsg:
		return qs.TransactionsFiltered{Filter: qs.TransactionFilter(msg.Filter)}
	case connections.RefreshAskedMsg:
		return qs.RefreshAsked{ID: msg.ID}
	case connections.RemoveAskedMsg:
		return qs.RemoveAsked{ID: msg.ID}
	case consents.RemoveAskedMsg:
		return qs.RemoveAsked{ID: msg.ID}
	case eventlog.OpenMsg:
		return qs.EventOpenAsked{ID: msg.ID}
	}
	return nil
}

// shortRequest is a request as the views show it: the user's id cut to
// its first characters, as the other screens show it (the inspector, i,
// has every request whole).
func (m Model) shortRequest(request string) string {
	id := m.session.User.User.ID
	if id == "" || len(id) <= 8 {
		return request
	}
	request = strings.ReplaceAll(request, "user.id.eq('"+id+"')", "user.id.eq('"+text.ShortID(id)+"…')") // the events' filter
	return strings.ReplaceAll(request, "/users/"+id+"/", "/users/"+text.ShortID(id)+"…/")
}

// syncViews gives every view the session's lists.
func (m *Model) syncViews() {
	s := m.session
	x := &s.Explore
	now := m.clock.Now()
	m.accountsScreen.m.SetState(m.accountsState())

	names, banks := map[string]string{}, map[string]string{}
	for _, a := range s.Accounts.List {
		names[a.ID], banks[a.Institution] = a.Name, s.BankName(a.Institution)
	}
	for _, c := range x.Connections.Items {
		banks[c.Institution.ID] = s.BankName(c.Institution.ID)
	}
	ts := transactions.State{Filter: transactions.Filter(x.Filter), Accounts: names, Banks: banks, Pending: s.Jobs.Running(), NoConsent: x.NoConsent}
	if f := s.Feeds[qs.AllAccounts]; f != nil {
		ts.Feed, ts.Endpoint = feedOf(f), m.shortRequest(f.Endpoint)
	}
	m.transactionsScreen.m.SetState(ts)

	m.connectionsScreen.m.SetState(connections.State{Items: x.Connections.Items, Load: listLoad(x.Connections, m.shortRequest), Banks: banks, Now: now, NoConsent: x.NoConsent})

	items := make([]consents.Item, len(x.Consents.Items))
	for i, c := range x.Consents.Items {
		items[i] = consents.Item{Consent: c, Revocable: qs.Revocable(c)}
	}
	m.consentsScreen.m.SetState(consents.State{Items: items, Load: listLoad(x.Consents, m.shortRequest)})

	history := make([]jobs.Item, len(x.Jobs.Items))
	for i, j := range x.Jobs.Items {
		history[i] = jobs.Item{Job: j, Bank: s.BankName(j.InstitutionID())}
		if step := j.FailedStep(); step != nil {
			history[i].Failure = qs.StepFailure(step)
		}
	}
	m.jobsScreen.m.SetState(jobs.State{Items: history, Load: listLoad(x.Jobs, m.shortRequest), Now: now})
	m.syncEvents(now)
}

// syncEvents gives the Events view the user's events, newest first.
func (m *Model) syncEvents(now time.Time) {
	s := m.session
	redact := m.cfg.Redactor.String
	st := eventlog.State{Now: now, To: m.cfg.ForwardTo,
		Empty: "No events of this user yet. Basiq raises them as the user, its consents and its connections change; they show here as they come."}
	if m.cfg.ForwardTo != "" {
		st.Secret = m.cfg.ForwardSecretFor(s.Demo).Reveal() // the handler needs it: shown, as listen shows it
	}
	e := s.Events
	if e == nil {
		if !m.cfg.Events {
			st.Empty, st.Idle = "The events are not read in this run.", true
		}
		m.eventsScreen.m.SetState(st)
		return
	}
	st.Request = m.shortRequest(e.Poll.Request)
	st.Every, st.LastOK, st.RetryAt = e.Poll.Every, e.Poll.LastOK, e.Poll.NextAt
	st.Forwarded, st.Delivered, st.Failures, st.Dropped = e.Forwarded, e.Delivered, e.Failing(), e.Dropped
	if e.Backfilled {
		st.Backfill = redact(e.BackfillSaid)
	}
	if p := s.EventsProblem(); p != nil {
		st.Failing = &theme.Problem{What: redact(p.What), Next: redact(p.Next), CorrelationID: redact(p.CorrelationID)}
	}
	st.Rows = m.eventRows.Of(e.Items)
	m.eventsScreen.m.SetState(st)
	if id := m.eventsScreen.m.Opened(); id != "" {
		if it := e.Item(id); it != nil {
			m.eventsScreen.m.SetDetail(listenview.DetailOf(it, redact))
		}
	}
}

// listLoad is how far one of the session's lists has come, as a view shows it.
// feedOf is transactions as the core has loaded them, as a view draws them.
func feedOf(f *qs.Feed) transactions.Feed {
	return transactions.Feed{Items: f.Items, Started: f.Started, More: f.More(), Loading: f.Loading, Problem: themeProblem(f.Problem)}
}

func listLoad[T any](l qs.List[T], short func(string) string) listing.Load {
	return listing.Load{Loaded: l.Loaded, Loading: l.Loading, Problem: themeProblem(l.Problem), Request: short(l.Endpoint)}
}

// busy is what is being done for the person in the views, "" when nothing.
func (m Model) busy() string {
	if m.session.Stage != qs.StageAccounts {
		return ""
	}
	return m.session.Explore.Busy
}
