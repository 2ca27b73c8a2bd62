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
	KeySubmitted  struct{ Key string }
	DemoAsked     struct{}
	SaveAnswered  struct{ Save bool }
	UserSubmitted struct{ User basiq.NewUser }
	// CreateAgainAnswered answers "the last POST /users may have made the user: create another?".
	CreateAgainAnswered struct{ Yes bool }
	ExistingUserGiven   struct{ ID string }
	ConsentAsked        struct{} // on from the user to consent
	BrowserAsked        struct{} // open the link again
	JobsPasted          struct{ IDs []string }
	AutoConsentAsked    struct{} // demo: consent as a sandbox login
	WaitLongerAsked     struct{}
	NewLinkAsked        struct{} // consent again, with a fresh link
	RetryAsked          struct{} // the failed call (or connection) again
	BackAsked           struct{}
	AccountsAsked       struct{} // from the jobs to the accounts
	TransactionsAsked   struct {
		AccountID string
		More      bool // the next page, not the first
	}
	QuitAsked struct{ Interrupted bool } // Interrupted: ctrl+c, not a quit key
	// The views of the user, once the accounts are in.
	ViewAsked              struct{ View View }
	ReloadAsked            struct{}
	RefreshConnectionAsked struct{ ID string }
	RefreshAllAsked        struct{}
	DeleteConnectionAsked  struct{ ID string }
	RevokeConsentAsked     struct{ ID string }
	ConfirmAnswered        struct{ Yes bool }
	AnotherBankAsked       struct{}
	TransactionsFiltered   struct{ Filter TransactionFilter }
	// ContinueAnswered answers "continue with the last session's user?".
	ContinueAnswered struct{ Yes bool }
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

func (Started) isEvent()                {}
func (DemoStarted) isEvent()            {}
func (SavedKeyLoaded) isEvent()         {}
func (KeyChecked) isEvent()             {}
func (KeyStoreProbed) isEvent()         {}
func (KeySaved) isEvent()               {}
func (UserLoaded) isEvent()             {}
func (LinkMinted) isEvent()             {}
func (JobsListed) isEvent()             {}
func (BrowserOpened) isEvent()          {}
func (AutoConsented) isEvent()          {}
func (JobPolled) isEvent()              {}
func (InstitutionLoaded) isEvent()      {}
func (AccountsLoaded) isEvent()         {}
func (TransactionsLoaded) isEvent()     {}
func (ConnectionRefreshed) isEvent()    {}
func (Tick) isEvent()                   {}
func (KeySubmitted) isEvent()           {}
func (DemoAsked) isEvent()              {}
func (SaveAnswered) isEvent()           {}
func (UserSubmitted) isEvent()          {}
func (CreateAgainAnswered) isEvent()    {}
func (ExistingUserGiven) isEvent()      {}
func (ConsentAsked) isEvent()           {}
func (BrowserAsked) isEvent()           {}
func (JobsPasted) isEvent()             {}
func (AutoConsentAsked) isEvent()       {}
func (WaitLongerAsked) isEvent()        {}
func (NewLinkAsked) isEvent()           {}
func (RetryAsked) isEvent()             {}
func (BackAsked) isEvent()              {}
func (AccountsAsked) isEvent()          {}
func (TransactionsAsked) isEvent()      {}
func (QuitAsked) isEvent()              {}
func (ConnectionsLoaded) isEvent()      {}
func (ConsentsLoaded) isEvent()         {}
func (AllRefreshed) isEvent()           {}
func (ConnectionDeleted) isEvent()      {}
func (ConsentRevoked) isEvent()         {}
func (UserDeleted) isEvent()            {}
func (Remembered) isEvent()             {}
func (ViewAsked) isEvent()              {}
func (ReloadAsked) isEvent()            {}
func (RefreshConnectionAsked) isEvent() {}
func (RefreshAllAsked) isEvent()        {}
func (DeleteConnectionAsked) isEvent()  {}
func (RevokeConsentAsked) isEvent()     {}
func (ConfirmAnswered) isEvent()        {}
func (AnotherBankAsked) isEvent()       {}
func (TransactionsFiltered) isEvent()   {}
func (ContinueAnswered) isEvent()       {}

// failureOf is the error an answer carries, nil for none (or for an intent).
func failureOf(ev Event) error {
	_, err := callAnswer(ev)
	return err
}

// callAnswer is an effect's answer's error, and whether ev is an answer to a
// call to Basiq at all (not an intent, nor time passing).
func callAnswer(ev Event) (bool, error) {
	switch ev := ev.(type) {
	case DemoStarted:
		return true, ev.Err
	case KeyChecked:
		return true, ev.Err
	case UserLoaded:
		return true, ev.Err
	case LinkMinted:
		return true, ev.Err
	case JobsListed:
		return true, ev.Err
	case AutoConsented:
		return true, ev.Err
	case JobPolled:
		return true, ev.Err
	case AccountsLoaded:
		return true, ev.Err
	case TransactionsLoaded:
		return true, ev.Err
	case ConnectionRefreshed:
		return true, ev.Err
	case ConnectionsLoaded:
		return true, ev.Err
	case ConsentsLoaded:
		return true, ev.Err
	case AllRefreshed:
		return true, ev.Err
	case ConnectionDeleted:
		return true, ev.Err
	case ConsentRevoked:
		return true, ev.Err
	case UserDeleted:
		return true, ev.Err
	}
	return false, nil
}
