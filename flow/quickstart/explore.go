package quickstart

import (
	"slices"

	"github.com/basiq-onboard/basiq-onboard/flow/listen"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// View is one of the views of the user, once the accounts are in.
type View int

const (
	ViewAccounts View = iota
	ViewTransactions
	ViewConnections
	ViewConsents
	ViewJobs
	ViewEvents
)

// Views are the views in their tab order.
var Views = []View{ViewAccounts, ViewTransactions, ViewConnections, ViewConsents, ViewJobs, ViewEvents}

func (v View) String() string {
	return [...]string{"Accounts", "Transactions", "Connections", "Consents", "Jobs", "Events"}[v]
}

// List is one of the user's lists, as a view shows it.
type List[T any] struct {
	Items    []T
	Loaded   bool
	Loading  bool
	Problem  *Problem
	Endpoint string // the request that reads it, e.g. "GET /users/{id}/connections"
}

// TransactionFilter narrows the transactions of all accounts, as Basiq's
// filters do: "" leaves a part open.
type TransactionFilter struct {
	Direction string // "credit" or "debit"
	Class     string // e.g. "payment", "transfer", "interest"
	From, To  string // post dates, YYYY-MM-DD
}

// Filters are the filter as Basiq's filter parameter takes it.
func (f TransactionFilter) Filters() []basiq.Filter {
	var fs []basiq.Filter
	if f.Direction != "" {
		fs = append(fs, basiq.Eq("transaction.direction", f.Direction))
	}
	if f.Class != "" {
		fs = append(fs, basiq.Eq("transaction.class", f.Class))
	}
	if f.From != "" {
		fs = append(fs, basiq.Filter{Field: "transaction.postDate", Op: "gteq", Value: f.From})
	}
	if f.To != "" {
		fs = append(fs, basiq.Filter{Field: "transaction.postDate", Op: "lteq", Value: f.To})
	}
	return fs
}

// AllAccounts is the feed key of the transactions of every account.
const AllAccounts = ""

// Explore is what the views of the user show, and what they are doing.
type Explore struct {
	View        View
	Connections List[basiq.Connection]
	Consents    List[basiq.Consent]
	Jobs        List[basiq.Job] // the user's jobs, newest first
	Filter      TransactionFilter
	// Confirm is a question waiting for y or N.
	Confirm *Confirm
	// Busy says what is being done on the user's behalf ("" when nothing).
	Busy string
	// NoConsent: no consent is in force (revoked here, or none among the
	// consents read): the user's connections went with it, and connecting
	// a bank starts with consent.
	NoConsent bool
	// deciding: --user-id's connections are listed to choose between consent and the views.
	deciding bool
}

// ConfirmKind is what a question asks to do.
type ConfirmKind int

const (
	ConfirmDeleteConnection ConfirmKind = iota + 1
	ConfirmRevokeConsent
	ConfirmDeleteUser
)

// Confirm is a y/N question (default no) before something that cannot be undone.
type Confirm struct {
	Kind     ConfirmKind
	ID       string
	Question string // "Delete the connection to Hooli Bank?"
	// Then says what Basiq does if the answer is yes.
	Then string
}

// SecondBank is where the demo connects another bank: Pied Piper, whose
// login asks a security question, as a second bank of the sandbox does.
const SecondBank = "AU00002"

func (a *applying) exploreEvent(ev Event) bool {
	s := a.s
	x := &s.Explore
	switch ev := ev.(type) {
	case ViewAsked:
		if s.Stage != StageAccounts || x.Confirm != nil {
			return true
		}
		x.View = ev.View
		a.loadView(false)
	case ConnectionsLoaded:
		a.connectionsLoaded(ev)
	case ConsentsLoaded:
		x.Consents.Loading = false
		if ev.Err != nil {
			p := problemFor(CallConsents, ev.Err)
			p.Remedies = []Remedy{RemedyRetry}
			x.Consents.Problem = &p
			return true
		}
		x.Consents.Items, x.Consents.Loaded, x.Consents.Problem = ev.Items, true, nil
		x.NoConsent = !slices.ContainsFunc(ev.Items, Revocable)
	case RefreshAllAsked:
		if s.Stage == StageAccounts && x.Busy == "" {
			a.dropNotice(CallRefresh)
			what := "every connection"
			if c := x.Connections.Items; x.Connections.Loaded && len(c) == 1 {
				// All is one: say which, so U is not taken for doing nothing.
				what = "the only connection, to " + s.BankName(c[0].Institution.ID)
			}
			x.Busy = "Refreshing " + what + "…"
			a.say(NoteDoing, "Refreshing "+what+" (POST /users/"+s.User.User.ID+"/connections/refresh)")
			a.do(RefreshAll{UserID: s.User.User.ID})
		}
	case AllRefreshed:
		x.Busy = ""
		switch {
		case ev.Err != nil:
			a.exploreFailed(CallRefresh, ev.Err)
		case len(ev.JobIDs) == 0:
			s.Notice = Notice{Text: "No connection to refresh: Basiq started no job."}
		default:
			a.watch(ev.JobIDs)
		}
	case RemoveAsked: // a connection of the user, or else a consent: the id says which
		if _, isConnection := s.connection(ev.ID); !isConnection {
			a.askToRevoke(ev.ID)
		} else if c, ok := s.connection(ev.ID); ok && x.Confirm == nil {
			x.Confirm = &Confirm{Kind: ConfirmDeleteConnection, ID: ev.ID,
				Question: "Delete the connection to " + s.BankName(c.Institution.ID) + "?",
				Then:     "Basiq stops refreshing it; the accounts it brought stay on the user, with their transactions."}
		}
	case ConnectionDeleted:
		x.Busy = ""
		if ev.Err != nil {
			a.exploreFailed(CallDeleteConnection, ev.Err)
			return true
		}
		s.deletedConnections[ev.ID] = true
		s.Notice = Notice{Text: "Connection " + text.Field(ev.ID) + " deleted.", Done: true}
		a.reloadAfterChange()
	case ConsentRevoked:
		x.Busy = ""
		if ev.Err != nil {
			a.exploreFailed(CallRevokeConsent, ev.Err)
			return true
		}
		s.Notice = Notice{Text: "Consent revoked: Basiq deleted the user's connections with their accounts and transactions; consent again to connect a bank.", Done: true}
		x.NoConsent = true
		s.Feeds = map[string]*Feed{} // the transactions went with the connections
		a.reloadAfterChange()
	case TransactionsFiltered:
		if s.Stage == StageAccounts {
			x.Filter = ev.Filter
			delete(s.Feeds, AllAccounts)
			a.askTransactions(TransactionsAsked{AccountID: AllAccounts})
		}
	default:
		return false
	}
	return true
}

// refreshConnection refreshes a connection from the views.
func (a *applying) refreshConnection(id string) {
	s := a.s
	if s.Stage != StageAccounts || s.Explore.Busy != "" {
		return
	}
	a.dropNotice(CallRefresh)
	s.Explore.Busy = "Refreshing the connection…"
	a.say(NoteDoing, "Refreshing connection "+id+" (POST /users/"+s.User.User.ID+"/connections/"+id+"/refresh)")
	a.do(RefreshConnection{Gen: s.Jobs.Gen, UserID: s.User.User.ID, ConnectionID: id})
}

// askToRevoke asks y/N before revoking a consent in force.
func (a *applying) askToRevoke(id string) {
	s := a.s
	if c, ok := s.consent(id); ok && s.Explore.Confirm == nil && Revocable(c) {
		s.Explore.Confirm = &Confirm{Kind: ConfirmRevokeConsent, ID: id, Question: "Revoke this consent?",
			Then: "Basiq stops sharing data: the user's connections are deleted with their accounts and transactions, and stop refreshing. Consent again to connect again."}
	}
}

// ViewProblem is why the view shown could not load what it shows (its
// list, or the accounts read again), nil when it could: reading it again
// (RetryAsked, in the views) is the way forward.
func (s *Session) ViewProblem() *Problem {
	x := &s.Explore
	switch x.View {
	case ViewAccounts:
		return s.Accounts.Stale
	case ViewTransactions:
		if f := s.Feeds[AllAccounts]; f != nil {
			return f.Problem
		}
	case ViewConnections:
		return x.Connections.Problem
	case ViewConsents:
		return x.Consents.Problem
	case ViewJobs:
		return x.Jobs.Problem
	case ViewEvents:
		return s.EventsProblem()
	}
	return nil
}

// loadView loads what the current view shows, unless it is in (or again).
func (a *applying) loadView(again bool) {
	s := a.s
	x := &s.Explore
	uid := s.User.User.ID
	switch x.View {
	case ViewAccounts:
		if again {
			a.loadAccounts()
		}
	case ViewTransactions:
		if f := s.Feeds[AllAccounts]; again && (f == nil || f.Problem == nil) {
			delete(s.Feeds, AllAccounts) // from the first page; a page that failed is asked again instead
		}
		a.askTransactions(TransactionsAsked{AccountID: AllAccounts})
	case ViewConnections:
		if (!x.Connections.Loaded || again) && !x.Connections.Loading {
			x.Connections.Loading, x.Connections.Endpoint = true, "GET /users/"+uid+"/connections"
			a.do(LoadConnections{UserID: uid})
		}
	case ViewConsents:
		if (!x.Consents.Loaded || again) && !x.Consents.Loading {
			x.Consents.Loading, x.Consents.Endpoint = true, "GET /users/"+uid+"/consents"
			a.do(LoadConsents{UserID: uid})
		}
	case ViewEvents:
		if again { // live already: r polls now (and starts a stopped poll again)
			a.listen(listen.PollAsked{})
		}
	case ViewJobs:
		if (!x.Jobs.Loaded || again) && !x.Jobs.Loading {
			x.Jobs.Loading, x.Jobs.Endpoint = true, "GET /users/"+uid+"/jobs"
			a.do(ListJobs{Gen: s.Link.Gen, Purpose: ListBrowse, UserID: uid})
		}
	}
}

func (a *applying) connectionsLoaded(ev ConnectionsLoaded) {
	s := a.s
	x := &s.Explore
	x.Connections.Loading = false
	deciding := x.deciding
	x.deciding = false
	if ev.Err != nil {
		p := problemFor(CallConnections, ev.Err)
		p.Remedies = []Remedy{RemedyRetry}
		x.Connections.Problem = &p
		a.say(NoteWarning, p.What)
	} else {
		x.Connections.Items, x.Connections.Loaded, x.Connections.Problem = ev.Items, true, nil
		s.listedConnections = map[string]bool{}
		for _, c := range ev.Items {
			a.nameBank(c.Institution.ID)
			s.listedConnections[c.ID] = true
			s.Jobs.noteBank(c.ID, c.Institution)
		}
	}
	switch {
	case deciding && s.hasActiveConnection():
		// A user who has connected a bank: straight to the views, as a developer coming back expects.
		s.Stage = StageAccounts
		a.loadAccounts()
	case deciding: // no bank yet (or no word of one): consent is the way on
		a.toConsent()
	case !s.cfg.Interactive && s.Accounts.Loaded:
		a.end(ExitOK) // headless: the connections were the last part of the result
	}
}

func (s *Session) hasActiveConnection() bool {
	for _, c := range s.Explore.Connections.Items {
		if c.Status == basiq.ConnectionActive {
			return true
		}
	}
	return false
}

func (s *Session) connection(id string) (basiq.Connection, bool) {
	for _, c := range s.Explore.Connections.Items {
		if c.ID == id {
			return c, true
		}
	}
	return basiq.Connection{}, false
}

func (s *Session) consent(id string) (basiq.Consent, bool) {
	for _, c := range s.Explore.Consents.Items {
		if c.ID == id {
			return c, true
		}
	}
	return basiq.Consent{}, false
}

// Revocable reports whether a consent can be revoked: one in force, not one
// already revoked or expired.
func Revocable(c basiq.Consent) bool { return c.Status == basiq.ConsentActive }

func (a *applying) confirmAnswered(yes bool) {
	s := a.s
	c := s.Explore.Confirm
	if c == nil {
		return
	}
	s.Explore.Confirm = nil
	uid := s.User.User.ID
	switch {
	case c.Kind == ConfirmDeleteUser && yes:
		a.deleteUser()
	case c.Kind == ConfirmDeleteUser:
		a.finish(s.ending)
	case !yes:
	case c.Kind == ConfirmDeleteConnection:
		a.dropNotice(CallDeleteConnection)
		s.Explore.Busy = "Deleting the connection…"
		a.say(NoteDoing, "Deleting connection "+c.ID+" (DELETE /users/"+uid+"/connections/"+c.ID+")")
		a.do(DeleteConnection{UserID: uid, ConnectionID: c.ID})
	case c.Kind == ConfirmRevokeConsent:
		a.dropNotice(CallRevokeConsent)
		s.Explore.Busy = "Revoking the consent…"
		a.say(NoteDoing, "Revoking consent "+c.ID+" (DELETE /users/"+uid+"/consents/"+c.ID+")")
		a.do(RevokeConsent{UserID: uid, ConsentID: c.ID})
	}
}

// exploreFailed says an action of the views failed: the views stay, and
// the action's key tries again.
func (a *applying) exploreFailed(call Call, err error) {
	p := problemFor(call, err)
	a.s.Notice = Notice{Text: p.What, Warning: true, About: call}
	a.sayProblem(p)
}

// dropNotice takes down a warning about call, as call is made again: it
// speaks of an attempt that is over.
func (a *applying) dropNotice(call Call) {
	if a.s.Notice.About == call {
		a.s.Notice = Notice{}
	}
}

// reloadAfterChange forgets the lists a change makes stale and reloads the view shown.
func (a *applying) reloadAfterChange() {
	x := &a.s.Explore
	x.Connections.Loaded, x.Consents.Loaded, x.Jobs.Loaded = false, false, false
	a.loadAccounts()
	a.loadView(false)
}

// reconsentWith goes through consent again with a fresh link: to connect
// another bank (action connect), or to log in again on a connection whose
// job failed (connectionID, at bank: Basiq's update-credentials flow).
func (a *applying) reconsentWith(action, connectionID, bank string) {
	s := a.s
	a.stopWaiting()
	a.stopJobs()
	a.clearProblem()
	s.Stage = StageConsent
	s.Link.Action, s.Link.ConnectionID, s.Link.Bank = action, connectionID, bank
	a.prepareConsent()
}
