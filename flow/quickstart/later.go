package quickstart

import (
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
		if ev.Memory.UserID == "" || basiq.ValidateID(ev.Memory.UserID) != nil {
			return true
		}
		s.memory = ev.Memory
		a.offerToContinue()
	case ContinueAnswered:
		offer := s.User.Offer
		if offer == nil || s.Stage != StageUser {
			return true
		}
		s.User.Offer = nil
		if ev.Yes {
			s.resumeJobs, s.resumeCreated = offer.Jobs, offer.Created
			a.lookUpUser(offer.UserID)
		}
	case UserDeleted:
		s.Explore.Busy, s.closing = "", false
		if ev.Err != nil {
			p := problemFor(CallDeleteUser, ev.Err)
			a.do(Say{Kind: NoteProblem, Text: p.What, Problem: &p})
			s.Problem = &p
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
