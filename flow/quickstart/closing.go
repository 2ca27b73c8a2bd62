package quickstart

import "github.com/basiq-onboard/basiq-onboard/basiq"

// Closing is what the wizard leaves in the terminal on the way out, as
// decided here: the faces draw it in their words.
type Closing struct {
	// Failed are the jobs that failed, each with its failed step.
	Failed []FailedJob
	// UserID is the session's user, "" when it had none (nothing more is said).
	UserID string
	JobIDs []string
	// NotDeleted is why deleting the user on the way out failed, nil when it did not.
	NotDeleted *Problem
	Deleted    bool // the user was deleted (on quit, or --delete-user)
	// Fetch says which commands fetch the accounts again: none, this
	// user's, or (after the demo, whose simulator went with its user) a
	// user of the reader's own at Basiq.
	Fetch FetchFor
	// DemoGone: the demo's simulator stopped, and its user with it.
	DemoGone bool
	// Resume is how to pick the run up from a shell, where no commands are
	// given ("" for none).
	Resume string
	// Script is the session saved as a script in this run, nil for none.
	Script *Written
}

// FetchFor is whose accounts the closing commands fetch again.
type FetchFor int

const (
	FetchNone    FetchFor = iota
	FetchThis             // this session's user, at the API it ran against
	FetchYourOwn          // a user of the reader's own, at Basiq (after the demo)
)

// FailedJob is a job that failed at a step.
type FailedJob struct {
	ID     string
	Step   string // Basiq's title of the failed step
	Reason string // StepFailure's line
}

// Closing is the session's closing words, decided.
func (s *Session) Closing() Closing {
	c := Closing{UserID: s.User.User.ID, JobIDs: s.Jobs.Order, Deleted: s.Deleted, Script: s.Script}
	for _, id := range s.Jobs.FailedIDs() {
		if step := s.Jobs.ByID[id].Job.FailedStep(); step != nil {
			c.Failed = append(c.Failed, FailedJob{ID: id, Step: step.Title, Reason: StepFailure(step)})
		}
	}
	if c.UserID == "" {
		return c
	}
	if p := s.Problem; p != nil && p.Call == CallDeleteUser {
		c.NotDeleted = p
	}
	switch {
	case s.Deleted || s.Accounts.Loaded && s.Demo:
		c.DemoGone = s.Demo && !s.Deleted
		if s.Demo {
			c.Fetch = FetchYourOwn
		}
	case s.Accounts.Loaded:
		c.Fetch = FetchThis
	default:
		c.Resume = s.Resume(s.Problem) // only what still works from here: after the demo, a new demo
	}
	return c
}

// FetchURL is the API the closing commands call: Basiq's after the demo.
func (c Closing) FetchURL(apiURL string) string {
	if c.Fetch == FetchYourOwn || apiURL == "" {
		return basiq.DefaultBaseURL
	}
	return apiURL
}
