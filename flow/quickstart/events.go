package quickstart

import (
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Event is what happens to a session: the answer of an effect, a person's
// intent, or time passing. Apply takes them one at a time.
type Event interface{ isEvent() }

// Answers to effects.
type (
	// Started begins the session: the first event every face sends.
	Started struct{}
	// DemoStarted: the simulator runs (Err nil) and its client is in use.
	DemoStarted struct{ Err error }
	// SavedKeyLoaded carries the key kept from an earlier run ("" when none).
	SavedKeyLoaded struct {
		Key string
		Err error // a key file that cannot be used: said, not ignored
	}
	KeyChecked struct {
		Source KeySource
		Err    error
	}
	// KeyStoreProbed says where a saved key would go.
	KeyStoreProbed struct {
		Where    string
		Insecure bool // a plain file, not a keyring
	}
	KeySaved   struct{ Err error }
	UserLoaded struct {
		User    basiq.User
		Created bool // false: looked up by id
		Err     error
	}
	LinkMinted struct {
		Gen     int
		Token   string
		URL     string
		Expires time.Time
		Err     error
	}
	JobsListed struct {
		Gen     int
		Purpose ListPurpose
		Jobs    []basiq.Job
		Err     error
	}
	BrowserOpened struct{ Err error }
	AutoConsented struct {
		Gen    int
		JobIDs []string
		Err    error
	}
	JobPolled struct {
		Gen int
		ID  string
		Job basiq.Job
		Err error
	}
	InstitutionLoaded struct {
		ID   string
		Inst basiq.Institution
		Err  error
	}
	AccountsLoaded struct {
		Seq      int
		Accounts []basiq.Account
		Err      error
	}
	TransactionsLoaded struct {
		FeedID    int
		AccountID string
		Items     []basiq.Transaction
		Next      string // the cursor of the next page, "" after the last
		Err       error
	}
	ConnectionRefreshed struct {
		Gen         int
		FailedJobID string
		JobID       string
		Err         error
	}
	// Tick is time passing: deadlines are checked against it.
	Tick              struct{}
	ConnectionsLoaded struct {
		Items []basiq.Connection
		Err   error
	}
	ConsentsLoaded struct {
		Items []basiq.Consent
		Err   error
	}
	AllRefreshed struct {
		JobIDs []string
		Err    error
	}
	ConnectionDeleted struct {
		ID  string
		Err error
	}
	ConsentRevoked struct {
		ID  string
		Err error
	}
	UserDeleted struct{ Err error }
	// Remembered is what the last session kept for this API (zero: nothing).
	Remembered struct{ Memory Memory }
)

// Intents: what a person asks for in the wizard.
type (
	KeySubmitted struct{ Key string }
	DemoAsked    struct{}
	// Answered answers the question that stands (Session.Question): save
	// the key, create another user, continue with the last one, delete or
	// revoke something. The session knows which it is.
	Answered struct{ Yes bool }
	// UserSubmitted creates a user with these details, or with ID uses
	// the existing user of that id.
	UserSubmitted struct {
		User basiq.NewUser
		ID   string
	}
	ConsentAsked     struct{} // on from the user to consent
	BrowserAsked     struct{} // open the link again
	JobsPasted       struct{ IDs []string }
	AutoConsentAsked struct{} // demo: consent as a sandbox login
	WaitLongerAsked  struct{}
	// NewLinkAsked is consent again with a fresh link: at consent (or
	// where a problem offers it) the same consent again, through a failed
	// job's connection while it is there; in the views, another bank.
	NewLinkAsked struct{}
	RetryAsked   struct{} // what failed, again (after a failed job: consent again)
	// RefreshAsked refreshes a connection (Basiq runs its job again): ID's,
	// in Connections; with no ID, the failed job's.
	RefreshAsked      struct{ ID string }
	BackAsked         struct{}
	AccountsAsked     struct{} // from the jobs to the accounts
	TransactionsAsked struct {
		AccountID string
		More      bool // the next page, not the first
	}
	QuitAsked struct{ Interrupted bool } // Interrupted: ctrl+c, not a quit key
	// The views of the user, once the accounts are in.
	ViewAsked       struct{ View View }
	RefreshAllAsked struct{}
	// RemoveAsked asks (y/N) to delete the connection, or revoke the
	// consent, of this id: whichever of the user's it is.
	RemoveAsked          struct{ ID string }
	TransactionsFiltered struct{ Filter TransactionFilter }
	// ExportAsked writes the accounts and the transactions loaded ("csv" or "json").
	ExportAsked struct{ Format string }
	// ScriptAsked saves the session as a script in the current directory.
	ScriptAsked struct{}
)

// ListPurpose says why the user's jobs were listed.
type ListPurpose int

const (
	// ListSnapshot: before the link is shown, the jobs that are not new.
	ListSnapshot ListPurpose = iota + 1
	// ListWaiting: while waiting for consent, to find the new job.
	ListWaiting
	// ListBrowse: the Jobs view.
	ListBrowse
)

func (Started) isEvent()              {}
func (DemoStarted) isEvent()          {}
func (SavedKeyLoaded) isEvent()       {}
func (KeyChecked) isEvent()           {}
func (KeyStoreProbed) isEvent()       {}
func (KeySaved) isEvent()             {}
func (UserLoaded) isEvent()           {}
func (LinkMinted) isEvent()           {}
func (JobsListed) isEvent()           {}
func (BrowserOpened) isEvent()        {}
func (AutoConsented) isEvent()        {}
func (JobPolled) isEvent()            {}
func (InstitutionLoaded) isEvent()    {}
func (AccountsLoaded) isEvent()       {}
func (TransactionsLoaded) isEvent()   {}
func (ConnectionRefreshed) isEvent()  {}
func (Tick) isEvent()                 {}
func (KeySubmitted) isEvent()         {}
func (Answered) isEvent()             {}
func (RefreshAsked) isEvent()         {}
func (ExportAsked) isEvent()          {}
func (ScriptAsked) isEvent()          {}
func (DemoAsked) isEvent()            {}
func (UserSubmitted) isEvent()        {}
func (ConsentAsked) isEvent()         {}
func (BrowserAsked) isEvent()         {}
func (JobsPasted) isEvent()           {}
func (AutoConsentAsked) isEvent()     {}
func (WaitLongerAsked) isEvent()      {}
func (NewLinkAsked) isEvent()         {}
func (RetryAsked) isEvent()           {}
func (BackAsked) isEvent()            {}
func (AccountsAsked) isEvent()        {}
func (TransactionsAsked) isEvent()    {}
func (QuitAsked) isEvent()            {}
func (ConnectionsLoaded) isEvent()    {}
func (ConsentsLoaded) isEvent()       {}
func (AllRefreshed) isEvent()         {}
func (ConnectionDeleted) isEvent()    {}
func (ConsentRevoked) isEvent()       {}
func (UserDeleted) isEvent()          {}
func (Remembered) isEvent()           {}
func (ViewAsked) isEvent()            {}
func (RefreshAllAsked) isEvent()      {}
func (RemoveAsked) isEvent()          {}
func (TransactionsFiltered) isEvent() {}

// Answer is an effect's answer: an event that carries the call's error,
// nil when the call went well. Time passing and intents are not answers.
type Answer interface {
	Event
	Failure() error
}

func (e DemoStarted) Failure() error         { return e.Err }
func (e KeyChecked) Failure() error          { return e.Err }
func (e UserLoaded) Failure() error          { return e.Err }
func (e LinkMinted) Failure() error          { return e.Err }
func (e JobsListed) Failure() error          { return e.Err }
func (e AutoConsented) Failure() error       { return e.Err }
func (e JobPolled) Failure() error           { return e.Err }
func (e AccountsLoaded) Failure() error      { return e.Err }
func (e TransactionsLoaded) Failure() error  { return e.Err }
func (e ConnectionRefreshed) Failure() error { return e.Err }
func (e ConnectionsLoaded) Failure() error   { return e.Err }
func (e ConsentsLoaded) Failure() error      { return e.Err }
func (e AllRefreshed) Failure() error        { return e.Err }
func (e ConnectionDeleted) Failure() error   { return e.Err }
func (e ConsentRevoked) Failure() error      { return e.Err }
func (e UserDeleted) Failure() error         { return e.Err }
