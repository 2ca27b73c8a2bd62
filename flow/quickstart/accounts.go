package quickstart

import (
	"fmt"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// AccountsState is the user's accounts.
type AccountsState struct {
	List    []basiq.Account
	Loaded  bool
	Loading bool
	// Stale says the last refresh failed; the list is from before it.
	Stale *Problem
	// Version changes whenever the list or the banks' names change.
	Version int
	// Export is where the last export went, or why it failed (nil: none yet).
	Export *Written
	asked  bool // loaded once the accounts were ready
	final  bool // loaded again once every job was over
	seq    int  // the last load asked for: an answer to an earlier one is out of date
}

// Feed is one account's transactions, page by page.
type Feed struct {
	Items   []basiq.Transaction
	Next    string // the next page's cursor, "" when there is none
	Started bool   // the first page is in
	Loading bool
	Problem *Problem
	// Endpoint is the request of the first page, filter and all, as the
	// views show it: "GET /users/{id}/transactions?filter=…&limit=50".
	Endpoint string
	id       int // answers carry it: one for a feed since replaced (a new filter) is dropped
}

// More reports whether another page can be asked for.
func (f *Feed) More() bool { return f != nil && f.Started && f.Next != "" }

func (a *applying) accountsEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case AccountsLoaded:
		a.accountsLoaded(ev)
	case AccountsAsked:
		if s.Stage == StageConnect && (s.AccountsReady() || s.AccountsFromBefore()) {
			s.Stage = StageAccounts
		}
	case TransactionsAsked:
		a.askTransactions(ev)
	case TransactionsLoaded:
		f, ok := s.Feeds[ev.AccountID]
		if !ok || f.id != ev.FeedID {
			return true // a page of a feed since replaced
		}
		f.Loading = false
		if ev.Err != nil {
			p := problemFor(CallTransactions, ev.Err)
			p.Remedies = []Remedy{RemedyRetry}
			f.Problem = &p
			return true
		}
		f.Problem, f.Started, f.Next = nil, true, ev.Next
		f.Items = append(f.Items, ev.Items...)
	default:
		return false
	}
	return true
}

// AccountsReady reports whether the accounts are in: every job watched has
// retrieved its accounts, and they are loaded.
func (s *Session) AccountsReady() bool { return s.Jobs.AccountsReady() && s.Accounts.Loaded }

// AccountsFromBefore reports whether the jobs are over without bringing
// accounts, while those loaded before them (a refresh or another bank that
// did not work) can still be shown.
func (s *Session) AccountsFromBefore() bool {
	return s.Accounts.Loaded && s.Jobs.AllOver() && !s.Jobs.AccountsReady()
}

// accountsMaybe loads the accounts when they are ready: in the wizard as soon
// as every job has retrieved them, and once more when every job is over (the
// last steps may change balances); headless once, at the end.
func (a *applying) accountsMaybe() {
	s := a.s
	js := &s.Jobs
	acc := &s.Accounts
	switch {
	case acc.Loading:
	case !s.cfg.Interactive:
		if js.AllSucceeded() && !acc.asked {
			acc.final = true
			a.loadAccounts()
		}
	case js.AccountsReady() && !acc.asked:
		acc.final = js.AllSucceeded()
		a.loadAccounts()
	case js.AllSucceeded() && acc.Loaded && !acc.final:
		acc.final = true
		a.loadAccounts()
	}
}

func (a *applying) loadAccounts() {
	s := a.s
	a.clearProblem(CallAccounts)
	a.dropNotice(CallAccounts)
	s.Accounts.asked, s.Accounts.Loading = true, true
	s.Accounts.seq++
	a.say(NoteDoing, "Fetching the accounts (GET /users/"+s.User.User.ID+"/accounts)")
	a.do(LoadAccounts{Seq: s.Accounts.seq, UserID: s.User.User.ID})
}

func (a *applying) accountsLoaded(ev AccountsLoaded) {
	s := a.s
	acc := &s.Accounts
	if ev.Seq != acc.seq {
		return // a later load is on its way (the accounts changed since this was asked)
	}
	acc.Loading = false
	if ev.Err != nil {
		p := problemFor(CallAccounts, ev.Err)
		p.Remedies = []Remedy{RemedyRetry}
		if acc.Loaded {
			// A refresh: the accounts shown stay, marked as from before.
			acc.Stale = &p
			s.Notice = Notice{Text: "Refreshing the accounts failed; these are from before: " + p.What, Warning: true, About: CallAccounts}
			return
		}
		a.fail(p)
		return
	}
	acc.List, acc.Loaded, acc.Stale = ev.Accounts, true, nil
	acc.Version++
	for _, account := range ev.Accounts {
		a.nameBank(account.Institution) // a deleted connection's accounts stay, and need their bank's name too
	}
	a.do(Say{Kind: NoteAccounts, Text: plural(len(ev.Accounts), "account"), Accounts: ev.Accounts})
	if !s.cfg.Interactive {
		if len(s.Jobs.Order) > 0 && !s.Jobs.AllSucceeded() {
			return
		}
		// The result names the user's connections too.
		if !s.Explore.Connections.Loaded {
			s.Explore.Connections.Loading = true
			a.do(LoadConnections{UserID: s.User.User.ID})
			return
		}
		a.end(ExitOK)
		return
	}
	a.accountsMaybe()
}

func (a *applying) askTransactions(ev TransactionsAsked) {
	s := a.s
	if !s.Accounts.Loaded {
		return
	}
	f := a.feed(ev.AccountID)
	switch {
	case f.Loading:
		return
	case f.Problem != nil: // the page that failed, again
	case ev.More && f.Next == "":
		return
	case !ev.More && f.Started:
		return
	}
	f.Loading, f.Problem = true, nil
	load := LoadTransactions{FeedID: f.id, UserID: s.User.User.ID, AccountID: ev.AccountID, Cursor: f.Next, Limit: TransactionsPage}
	if ev.AccountID == AllAccounts {
		load.Filters = s.Explore.Filter.Filters()
	}
	f.Endpoint = "GET " + basiq.TransactionQuery{AccountID: ev.AccountID, Limit: load.Limit, Filters: load.Filters}.FirstPage(load.UserID)
	a.do(load)
}

func (a *applying) feed(accountID string) *Feed {
	f, ok := a.s.Feeds[accountID]
	if !ok {
		a.s.feeds++
		f = &Feed{id: a.s.feeds}
		a.s.Feeds[accountID] = f
	}
	return f
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
