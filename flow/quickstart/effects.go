package quickstart

import (
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// Effect is work the session asks its face to do. Each face performs them
// (flow.Performer) and sends the answer back as an Event.
type Effect interface{ isEffect() }

type (
	StartDemo    struct{}
	LoadSavedKey struct{}
	// CheckKey makes a client for the key and exchanges it for a server token.
	CheckKey struct {
		Key    string // a secret: never in a note
		Source KeySource
	}
	ProbeKeyStore struct{}
	SaveKey       struct{ Key string }
	CreateUser    struct{ User basiq.NewUser }
	LookUpUser    struct{ ID string }
	MintLink      struct {
		Gen                  int
		UserID               string
		Action, ConnectionID string // what the link is for (LinkState)
	}
	// ListJobs lists the user's jobs after a wait.
	ListJobs struct {
		Gen     int
		Purpose ListPurpose
		UserID  string
		After   time.Duration
	}
	OpenBrowser struct{ URL string }
	// AutoConsent does in the demo what the consent page does: log in as a sandbox login.
	AutoConsent struct {
		Gen           int // the link's generation
		Token         string
		InstitutionID string
		Login         string
		ConnectionID  string // log in again on this connection, "" for a new one
	}
	PollJob struct {
		Gen   int
		ID    string
		After time.Duration
	}
	LoadInstitution struct{ ID string }
	LoadAccounts    struct {
		Seq    int
		UserID string
	}
	LoadTransactions struct {
		FeedID    int
		UserID    string
		AccountID string // AllAccounts: every account's
		Cursor    string // "" for the first page
		Limit     int
		Filters   []basiq.Filter
	}
	RefreshConnection struct {
		Gen          int // the jobs' generation it was asked in: a later answer is dropped
		UserID       string
		ConnectionID string
		FailedJobID  string
	}
	LoadConnections  struct{ UserID string }
	LoadConsents     struct{ UserID string }
	RefreshAll       struct{ UserID string }
	DeleteConnection struct{ UserID, ConnectionID string }
	RevokeConsent    struct{ UserID, ConsentID string }
	DeleteUser       struct{ UserID string }
	// Remember keeps the session to pick up next time (never a secret);
	// a zero Memory forgets it.
	Remember struct{ Memory Memory }
	// Recall asks for what the last session kept (answered with Remembered).
	Recall struct{}
	// Say is news for the person or script watching: plain lines, --events.
	Say Note
	// Finish ends a run with its exit code.
	Finish struct{ Code int }
)

func (StartDemo) isEffect()         {}
func (LoadSavedKey) isEffect()      {}
func (CheckKey) isEffect()          {}
func (ProbeKeyStore) isEffect()     {}
func (SaveKey) isEffect()           {}
func (CreateUser) isEffect()        {}
func (LookUpUser) isEffect()        {}
func (MintLink) isEffect()          {}
func (ListJobs) isEffect()          {}
func (OpenBrowser) isEffect()       {}
func (AutoConsent) isEffect()       {}
func (PollJob) isEffect()           {}
func (LoadInstitution) isEffect()   {}
func (LoadAccounts) isEffect()      {}
func (LoadTransactions) isEffect()  {}
func (RefreshConnection) isEffect() {}
func (Say) isEffect()               {}
func (LoadConnections) isEffect()   {}
func (LoadConsents) isEffect()      {}
func (RefreshAll) isEffect()        {}
func (DeleteConnection) isEffect()  {}
func (RevokeConsent) isEffect()     {}
func (DeleteUser) isEffect()        {}
func (Remember) isEffect()          {}
func (Recall) isEffect()            {}
func (Finish) isEffect()            {}

// NoteKind is what a note is about; --events names them.
type NoteKind int

const (
	NoteDoing         NoteKind = iota + 1 // a request starts: "Creating a user (POST /users)"
	NoteDone                              // it went well: "✓ User 7f1c…"
	NoteInfo                              // something worth knowing
	NoteWarning                           // trouble being worked around
	NoteUser                              // the user is known
	NoteLink                              // the consent link
	NoteJobStep                           // a job's step changed
	NoteJobDone                           // a job ended (well or not)
	NoteProblem                           // a failure
	NoteAccounts                          // the accounts arrived
	NoteMFAChallenge                      // a bank asks a question: what it asks (never an answer)
	NoteMFAOutcome                        // what became of the answers
	NoteBasiqEvent                        // a Basiq event of the user seen (GET /events)
	NoteHandlerAnswer                     // --forward-to: what the handler answered a delivery
)

// Note is one piece of news. Text is always set, in plain words with no
// secret in it; the rest is there for the kinds that carry data.
type Note struct {
	Kind NoteKind
	Text string
	// Failed: what the note tells of failed (a job, NoteJobDone).
	Failed   bool
	User     *basiq.User
	Link     *LinkNote
	Step     *StepNote
	Problem  *Problem
	Accounts []basiq.Account
	MFA      *MFANote
	// Listen is the events session's own note (NoteBasiqEvent,
	// NoteHandlerAnswer): its Item is the session's, to read at once.
	Listen *listen.Note
}

// LinkNote is the consent link. Its URL holds a client token: shown because
// the person needs it, never logged.
type LinkNote struct {
	URL     string
	Expires time.Time
}

// StepNote is a job step that changed.
type StepNote struct {
	JobID  string
	Title  string // Basiq's title, e.g. "verify-credentials"
	Status string // Basiq's status
	Took   time.Duration
	// Reason is why it failed, "" unless Status is failed.
	Reason string
}
