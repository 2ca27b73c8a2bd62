package flow

import (
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Results of the commands in commands.go. Poll results carry the generation
// they were started in; a result from an older generation is dropped.

type keySource int

const (
	keyTyped keySource = iota
	keyFromEnv
	keyFromStore
	keyDemo
)

type keyCheckedMsg struct {
	api    API
	key    string // kept in memory only, for saving; never rendered
	source keySource
	err    error
}

type keySavedMsg struct{ err error }

type demoStartedMsg struct {
	demo Demo
	err  error
}

type userReadyMsg struct {
	user    basiq.User
	created bool // false: an existing user, looked up by id
	err     error
}

type consentLinkMsg struct {
	token   string
	url     string
	expires time.Time
	err     error
}

type browserOpenedMsg struct{ err error }

type userJobsMsg struct {
	gen  int
	jobs []basiq.Job
	at   time.Time
	err  error
}

type autoConsentMsg struct {
	jobIDs []string
	err    error
}

type jobPolledMsg struct {
	gen int
	id  string
	job basiq.Job
	err error
}

type institutionMsg struct {
	id   string
	inst basiq.Institution
	err  error
}

type accountsMsg struct {
	accounts []basiq.Account
	err      error
}

type transactionsMsg struct {
	accountID string
	txns      []basiq.Transaction
	more      bool
	err       error
}

type exportedMsg struct {
	dir   string   // where the files went
	files []string // their names, in the order written
	err   error
}

// clockTickMsg refreshes what depends on the time ("checked 3s ago", elapsed times).
type clockTickMsg struct{ gen int }

// refreshedMsg is the answer to "retry": a new job for the failed job's connection.
type refreshedMsg struct {
	oldJobID, jobID string
	err             error
}
