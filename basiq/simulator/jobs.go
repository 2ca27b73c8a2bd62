package simulator

import (
	"slices"
	"time"
)

// Job steps, in order. A job at a bank that asks a multi-factor challenge
// lists mfa-challenge between verify-credentials and retrieve-accounts from
// the start, as Basiq's jobs list all their steps (basiq-api.md §5).
const (
	stepVerify       = "verify-credentials"
	stepMFA          = "mfa-challenge"
	stepAccounts     = "retrieve-accounts"
	stepTransactions = "retrieve-transactions"
)

var (
	connectionSteps = []string{stepVerify, stepAccounts, stepTransactions}
	mfaSteps        = []string{stepVerify, stepMFA, stepAccounts, stepTransactions}
)

// newJob starts a connection job for c's current login; s.mu is held.
func (s *Server) newJob(u *user, c *connection, now time.Time) *job {
	j := &job{id: s.ids.uuid(), userID: u.id, connID: c.id, institution: c.institution, created: now,
		steps: connectionSteps, failure: c.failure}
	if inst, _ := findInstitution(c.institution); s.asksMFA(inst, j.id) {
		j.steps = mfaSteps
		if c.failure == nil {
			j.mfa = c.persona.challenge()
		}
	}
	s.jobs[j.id] = j
	u.jobs = append(u.jobs, j.id)
	s.watchJob(j)
	return j
}

// queued is how long a new job waits, all its steps pending ("created and
// waiting to be started"), before its first step starts.
func (s *Server) queued() time.Duration { return s.opts.StepDelay / 2 }

// stepEnd is when step i of a job that nobody has to answer ends, counted
// from the job's creation.
func (s *Server) stepEnd(i int) time.Duration {
	return s.queued() + time.Duration(i+1)*s.opts.StepDelay
}

// span is when a step runs and how it ends: a failure, or nil for success.
// A step after a failed one never starts.
type span struct {
	start, end time.Time
	never      bool
	fail       *failure
}

// schedule works out a job's steps from what is known of it: after the
// queue each step takes StepDelay, one after the other, except that a
// multi-factor challenge lasts until it is answered or expires. A failing
// login fails the first step when that step ends.
func (s *Server) schedule(j *job) []span {
	spans := make([]span, len(j.steps))
	t := j.created.Add(s.queued())
	failed := false
	for i, title := range j.steps {
		if failed {
			spans[i].never = true
			continue
		}
		sp := span{start: t, end: t.Add(s.opts.StepDelay)}
		switch title {
		case stepVerify:
			sp.fail = j.failure
		case stepMFA:
			sp.end, sp.fail = j.mfaEnd(t)
		}
		spans[i] = sp
		t, failed = sp.end, sp.fail != nil
	}
	return spans
}

// stepState is a job step as it stands at a moment.
type stepState struct {
	title, status string
	span
}

// states are j's steps at now.
func (s *Server) states(j *job, now time.Time) []stepState {
	out := make([]stepState, len(j.steps))
	for i, sp := range s.schedule(j) {
		st := stepState{title: j.steps[i], span: sp}
		switch {
		case sp.never || now.Before(sp.start):
			st.status = "pending"
		case now.Before(sp.end):
			st.status = "in-progress"
		case sp.fail != nil:
			st.status = "failed"
		default:
			st.status = "success"
		}
		out[i] = st
	}
	return out
}

// stateOf is the step with this title at now; ok is false when j has none.
func (s *Server) stateOf(j *job, title string, now time.Time) (st stepState, ok bool) {
	i := slices.Index(j.steps, title)
	if i < 0 {
		return stepState{}, false
	}
	return s.states(j, now)[i], true
}

// stepDone reports whether the job's step with this title has succeeded.
func (s *Server) stepDone(j *job, title string, now time.Time) bool {
	st, ok := s.stateOf(j, title, now)
	return ok && st.status == "success"
}

// loginOutcome is what j has found out about its connection's login by now:
// "failed" (a step failed), "done" (the login, and any challenge, went
// through) or "" (not yet).
func (s *Server) loginOutcome(j *job, now time.Time) string {
	login := ""
	for _, st := range s.states(j, now) {
		switch {
		case st.status == "failed":
			return "failed"
		case st.title == stepVerify && st.status == "success" && !slices.Contains(j.steps, stepMFA),
			st.title == stepMFA && st.status == "success":
			login = "done"
		}
	}
	return login
}

// finished reports whether every step of j has succeeded or one has failed.
func (s *Server) finished(j *job, now time.Time) bool {
	states := s.states(j, now)
	last := states[len(states)-1]
	return last.status == "success" || slices.ContainsFunc(states, func(st stepState) bool { return st.status == "failed" })
}

// visibleAccounts are the user's connections whose accounts a job has
// retrieved by now.
func (s *Server) visibleAccounts(u *user, now time.Time) []*connection {
	var out []*connection
	for _, cid := range u.conns {
		if c := s.conns[cid]; s.connectionStepDone(u, c, stepAccounts, now) {
			out = append(out, c)
		}
	}
	return out
}

// connectionStepDone reports whether a job of this connection has done the
// step with this title by now; a job from before a purge counts for nothing.
func (s *Server) connectionStepDone(u *user, c *connection, title string, now time.Time) bool {
	for _, jid := range u.jobs[c.dataFrom:] {
		if j := s.jobs[jid]; j.connID == c.id && s.stepDone(j, title, now) {
			return true
		}
	}
	return false
}
