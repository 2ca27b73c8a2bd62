package quickstart

import (
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// Memory is what a session keeps to be picked up next time, for the API it
// ran against: never a secret (no key, no token, no link).
type Memory struct {
	UserID  string   `json:"userId"`
	Created bool     `json:"created"`        // made by this tool, so it may offer to delete it
	Jobs    []string `json:"jobs,omitempty"` // watched and not yet over
}

func (a *applying) laterEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case Remembered:
		if s.Demo || ev.Memory.UserID == "" || basiq.ValidateID(ev.Memory.UserID) != nil {
			return true
		}
		s.memory = ev.Memory
		a.offerToContinue()
	case JobsRecalled:
		a.jobsRecalled(ev)
	case UserDeleted:
		s.Explore.Busy, s.closing = "", false
		if ev.Err != nil {
			p := problemFor(CallDeleteUser, ev.Err)
			s.Problem = a.sayProblem(p)
			a.finish(max(s.ending, ExitFailed))
			return true
		}
		s.Deleted = true
		a.do(Say{Kind: NoteDone, Text: "User " + text.Field(s.User.User.ID) + " deleted"}, Remember{})
		a.finish(s.ending)
	default:
		return false
	}
	return true
}

// offerToContinue offers the last session's user, where nothing else
// (--user-id, --job-id, a user already here) says who the user is.
func (a *applying) offerToContinue() {
	s := a.s
	if s.memory.UserID == "" || s.Stage != StageUser || s.User.User.ID != "" || s.User.Working || s.User.Offer != nil || s.cfg.UserID != "" {
		return
	}
	m := s.memory
	s.User.Offer = &m
	s.memory = Memory{} // offered once
}

// remember keeps the user, and the jobs not yet over, for next time (not
// the demo's: its simulator goes with it).
func (a *applying) remember() {
	s := a.s
	if s.Demo || s.User.User.ID == "" || s.Deleted {
		return
	}
	m := Memory{UserID: s.User.User.ID, Created: s.User.Created}
	for _, id := range s.Jobs.Order {
		w := s.Jobs.ByID[id]
		if st := w.Job.State(); !w.Seen || st == basiq.JobPending || st == basiq.JobRunning {
			m.Jobs = append(m.Jobs, id)
		}
	}
	a.do(Remember{Memory: m})
}

// end ends the run with code. Where --delete-user asks, the user this run
// made is deleted first, and the run says so.
func (a *applying) end(code int) {
	s := a.s
	if s.cfg.DeleteUser && s.User.Created && !s.Deleted && s.User.User.ID != "" {
		s.ending = code
		a.deleteUser()
		return
	}
	a.finish(code)
}

// askToDelete asks, on quitting, whether to delete the user this session
// made (default no); code is the exit code either way. false: nothing to ask.
func (a *applying) askToDelete(code int) bool {
	s := a.s
	if !s.User.Created || s.Deleted || s.User.User.ID == "" || s.Explore.Confirm != nil || s.closing {
		return false
	}
	s.ending = code
	s.Explore.Confirm = &Confirm{Kind: ConfirmDeleteUser, ID: s.User.User.ID,
		Question: "Delete the user this session made (" + s.User.User.ID + ")?",
		Then:     "DELETE /users/{id}: Basiq deletes the user with its connections, accounts and transactions."}
	return true
}

func (a *applying) deleteUser() {
	s := a.s
	s.closing = true
	s.Explore.Busy = "Deleting the user…"
	a.say(NoteDoing, "Deleting user "+s.User.User.ID+" (DELETE /users/"+s.User.User.ID+")")
	a.do(DeleteUser{UserID: s.User.User.ID})
}

// RecallJobs asks Basiq about the jobs the last session left unfinished.
type RecallJobs struct {
	UserID string
	IDs    []string
}

// JobsRecalled is Basiq's word on each of them, in the order asked.
type JobsRecalled struct{ Jobs []RecalledJob }

// RecalledJob is one job of the last session: GET /jobs/{id}'s answer.
type RecalledJob struct {
	ID  string
	Job basiq.Job
	Err error
}

func (RecallJobs) isEffect()  {}
func (JobsRecalled) isEvent() {}

// recallJobs asks about last time's unfinished jobs before showing any:
// only those still under way are this run's to watch.
func (a *applying) recallJobs(ids []string) {
	s := a.s
	s.User.Working = true
	a.doing(&s.User.Doing, "Checking the jobs from last time (GET /jobs/{id})")
	a.do(RecallJobs{UserID: s.User.User.ID, IDs: ids})
}

// jobsRecalled sorts last time's jobs: those still under way are watched
// now; those over since are history (the Jobs view has them), not this
// run's outcome; those Basiq no longer knows, or that are another user's,
// are dropped, with a line that says so.
func (a *applying) jobsRecalled(ev JobsRecalled) {
	s := a.s
	if s.Stage != StageUser || len(s.resumeJobs) == 0 {
		return
	}
	s.resumeJobs, s.User.Working = nil, false
	var running, over, dropped []string
	for _, r := range ev.Jobs {
		switch st := r.Job.State(); {
		case basiq.IsNotFound(r.Err):
			dropped = append(dropped, r.ID)
		case r.Err != nil:
			running = append(running, r.ID) // no word yet: watching it says what it is
		case r.Job.UserID() != "" && r.Job.UserID() != s.User.User.ID:
			dropped = append(dropped, r.ID)
		case st == basiq.JobPending || st == basiq.JobRunning:
			running = append(running, r.ID)
		default:
			over = append(over, r.ID)
		}
	}
	var parts []string
	for _, part := range []string{
		jobsSaid(over, "from last time ended since (the Jobs view has it)", "from last time ended since (the Jobs view has them)"),
		jobsSaid(dropped, "is unknown to Basiq now and was dropped", "from last time are unknown to Basiq now and were dropped"),
	} {
		if part != "" {
			parts = append(parts, part)
		}
	}
	if len(parts) > 0 {
		text := strings.Join(parts, "; ") + "."
		// Something to look at: news of last time, not of this run (a warning outlasts the views' own hints).
		s.Notice = Notice{Text: strings.ToUpper(text[:1]) + text[1:], Warning: true}
		a.say(NoteInfo, s.Notice.Text)
	}
	if len(running) > 0 {
		a.watchFromBefore(running)
		return
	}
	a.remember()
	a.toViewsOrConsent()
}

// jobsSaid says what became of ids: one by its short id, several by
// their number; "" for none.
func jobsSaid(ids []string, one, several string) string {
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "job " + shortID(ids[0]) + "… " + one
	}
	return plural(len(ids), "job") + " " + several
}

// shortID is an id's first eight characters, as the screens show ids.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
