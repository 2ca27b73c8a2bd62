package quickstart

import (
	"fmt"
	"slices"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// JobSet is the jobs being watched, in the order they were found.
type JobSet struct {
	Gen   int // bumped whenever watching restarts; older answers are dropped
	Order []string
	ByID  map[string]*WatchedJob
	Since time.Time // when watching began
	known map[string]bool
	// institutions are the banks the user's job list named, for jobs whose
	// own answer lacks one (GET /jobs/{id} names none until accounts are in).
	institutions map[string]basiq.Ref
	// banks are the banks of the user's connections, by connection id: a
	// refresh's job is at its connection's bank.
	banks map[string]basiq.Ref
}

// WatchedJob is one job and what has been seen of it.
type WatchedJob struct {
	Job          basiq.Job
	Seen         bool                 // Job holds an answer
	StepStarted  map[string]time.Time // step title -> first seen under way
	StepEnded    map[string]time.Time // step title -> first seen over
	PollFailures int
	PollProblem  *Problem // trouble checking it, being worked around
	// MFA is the bank's question the job waits on, nil when none.
	MFA *Challenge
	// answersInFlight is a challenge the job went past while its answers
	// were still on their way: Basiq's answer to them is still told.
	answersInFlight *Challenge
	// FromBefore: a job this session did not start (--job-id, or from last time).
	FromBefore bool
}

func newJobSet() JobSet {
	return JobSet{ByID: map[string]*WatchedJob{}, known: map[string]bool{}, institutions: map[string]basiq.Ref{}, banks: map[string]basiq.Ref{}}
}

// Bank is the job's institution id, "" when unknown.
func (w *WatchedJob) Bank() string { return w.Job.InstitutionID() }

// StepTook is how long a step ran: until it ended, or until now.
func (w *WatchedJob) StepTook(title string, now time.Time) (time.Duration, bool) {
	start, ok := w.StepStarted[title]
	if !ok {
		return 0, false
	}
	end, over := w.StepEnded[title]
	if !over {
		end = now
	}
	return max(end.Sub(start), 0), true
}

// FailedIDs are the failed jobs, in order.
func (js JobSet) FailedIDs() []string {
	var ids []string
	for _, id := range js.Order {
		if js.ByID[id].Job.State() == basiq.JobFailed {
			ids = append(ids, id)
		}
	}
	return ids
}

// ConnectProblem is the failure the job view shows under the jobs, nil
// when none: one not under a job's steps (checking a job, a refresh,
// loading the accounts).
func (s *Session) ConnectProblem() *Problem {
	if p := s.Problem; p != nil && p.Call != CallJob && s.Stage == StageConnect {
		return p
	}
	return nil
}

// ConnectStopped reports whether a failure stands at the jobs and nothing
// is checked until a key is pressed.
func (s *Session) ConnectStopped() bool {
	return s.Failed() && !s.Jobs.Running() || s.Problem != nil && !s.Problem.Warning
}

// JobFailure is why a watched job failed, in Basiq's words and ours; nil
// while it has not.
func (s *Session) JobFailure(id string) *Problem {
	w, ok := s.Jobs.ByID[id]
	if !ok || w.Job.State() != basiq.JobFailed {
		return nil
	}
	p := JobProblem(w.Job, s.BankName(w.Bank()))
	return &p
}

// RetryConsents reports whether trying again goes through consent: after a
// job that failed at the bank.
func (p *Problem) RetryConsents() bool { return p != nil && p.Call == CallJob }

// AccountsReady reports whether every job has retrieved its accounts.
func (js JobSet) AccountsReady() bool {
	for _, id := range js.Order {
		j := js.ByID[id].Job
		if j.State() != basiq.JobSucceeded && !j.StepDone(basiq.StepRetrieveAccounts) {
			return false
		}
	}
	return len(js.Order) > 0
}

// AllOver reports whether every job has succeeded or failed.
func (js JobSet) AllOver() bool {
	for _, id := range js.Order {
		if s := js.ByID[id].Job.State(); s != basiq.JobSucceeded && s != basiq.JobFailed {
			return false
		}
	}
	return len(js.Order) > 0
}

// Running reports whether a watched job is still under way (with no jobs,
// none is: a user come back to has nothing being retrieved).
func (js JobSet) Running() bool {
	return len(js.Order) > 0 && !js.AllOver()
}

// AllSucceeded reports whether every job has succeeded.
func (js JobSet) AllSucceeded() bool {
	for _, id := range js.Order {
		if js.ByID[id].Job.State() != basiq.JobSucceeded {
			return false
		}
	}
	return len(js.Order) > 0
}

// Progress is the share of the steps of all jobs that are over.
func (js JobSet) Progress() float64 {
	total, over := 0, 0
	for _, id := range js.Order {
		for _, st := range js.ByID[id].Job.Steps {
			total++
			if st.Done() || st.Status == basiq.StepFailed {
				over++
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(over) / float64(total)
}

func (js *JobSet) noteInstitutions(jobs []basiq.Job) {
	for _, j := range jobs {
		if j.Institution != nil && j.Institution.ID != "" {
			js.institutions[j.ID] = *j.Institution
			js.noteBank(j.ConnectionID(), *j.Institution)
		}
	}
}

// noteBank keeps a connection's bank ("" connection: nothing to keep).
func (js *JobSet) noteBank(connectionID string, inst basiq.Ref) {
	if connectionID != "" && inst.ID != "" {
		js.banks[connectionID] = inst
	}
}

// bankOf is the bank a job is at, as far as known without its own word.
func (js *JobSet) bankOf(id string, job basiq.Job) (basiq.Ref, bool) {
	if ref, ok := js.institutions[id]; ok {
		return ref, true
	}
	ref, ok := js.banks[job.ConnectionID()]
	return ref, ok
}

func (a *applying) jobEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case JobPolled:
		if ev.Gen == s.Jobs.Gen {
			a.jobPolled(ev)
		}
	case InstitutionLoaded:
		// The id stands in for a name that did not load: nothing depends on it.
		if ev.Err == nil {
			s.Institutions[ev.ID] = ev.Inst
			s.Accounts.Version++ // the table names the bank
		} else {
			s.unnamed[ev.ID] = true
		}
		a.announceAt(ev.ID)
	case ConnectionRefreshed:
		if ev.Gen != s.Jobs.Gen {
			return true // asked for before the person moved on (back to consent, say)
		}
		s.Explore.Busy = ""
		if ev.Err != nil && ev.FailedJobID == "" { // asked for from the Connections view
			a.exploreFailed(CallRefresh, ev.Err)
			return true
		}
		if ev.Err != nil {
			p := problemFor(CallRefresh, ev.Err)
			p.Remedies = []Remedy{RemedyRetry, RemedyNewLink, RemedyBack}
			a.fail(p)
			return true
		}
		a.watch([]string{ev.JobID})
	default:
		return false
	}
	return true
}

// watchFromBefore watches jobs this session did not start (--job-id, last time's).
func (a *applying) watchFromBefore(ids []string) {
	a.watch(ids)
	for _, w := range a.s.Jobs.ByID {
		w.FromBefore = true
	}
}

// watch moves to the connect step and polls each job (at most MaxJobs).
func (a *applying) watch(ids []string) {
	s := a.s
	if s.Stage == StageConsent {
		a.noteConsented(ids) // jobs consent started, not a refresh's or --job-id's
	}
	a.stopWaiting()
	a.clearProblem()
	s.Stage = StageConnect
	js := &s.Jobs
	js.Gen++
	js.Order, js.ByID, js.Since = nil, map[string]*WatchedJob{}, a.now
	s.Accounts.asked, s.Accounts.final = false, false
	// A new job may change every list of the views: they read again when shown.
	x := &s.Explore
	x.View, x.Connections.Loaded, x.Consents.Loaded, x.Jobs.Loaded = ViewAccounts, false, false, false
	s.Feeds = map[string]*Feed{} // and the transactions: a new bank's, or a refresh's, come with it
	s.resumeJobs = nil
	defer a.remember()
	for _, id := range ids {
		if _, dup := js.ByID[id]; dup || len(js.Order) == MaxJobs {
			continue
		}
		js.known[id] = true
		js.Order = append(js.Order, id)
		js.ByID[id] = &WatchedJob{StepStarted: map[string]time.Time{}, StepEnded: map[string]time.Time{}}
		a.say(NoteInfo, "Watching job "+id)
		a.do(PollJob{Gen: js.Gen, ID: id})
	}
}

// stopJobs drops every job answer in flight.
func (a *applying) stopJobs() {
	a.s.Jobs.Gen++
}

// repollJobs polls again the jobs whose checking failed.
func (a *applying) repollJobs() {
	js := &a.s.Jobs
	a.clearProblem()
	for _, id := range js.Order {
		w := js.ByID[id]
		if s := w.Job.State(); !w.Seen || s == basiq.JobPending || s == basiq.JobRunning {
			w.PollFailures, w.PollProblem = 0, nil
			a.do(PollJob{Gen: js.Gen, ID: id})
		}
	}
	if js.AccountsReady() && !a.s.Accounts.Loaded {
		a.loadAccounts()
	}
}

func (a *applying) jobPolled(ev JobPolled) {
	s := a.s
	js := &s.Jobs
	w, ok := js.ByID[ev.ID]
	if !ok {
		return
	}
	if ev.Err != nil {
		w.PollFailures++
		p := problemFor(CallGetJob, ev.Err)
		switch {
		case basiq.IsNotFound(ev.Err):
			p.What = "Checking the job: Basiq has no job " + ev.ID + " for this application."
			p.Meaning = ""
			p.Next = "Check the id, or go through consent again."
			p.Remedies = []Remedy{RemedyNewLink, RemedyBack}
		case !retryable(ev.Err) || w.PollFailures >= maxPollFailures:
			p.Remedies = []Remedy{RemedyRetry, RemedyNewLink, RemedyBack}
		default:
			delay := s.pollDelay(JobPollEvery, w.PollFailures)
			p.Warning, p.Next = true, "Checking again in "+delay.Round(time.Second).String()+"."
			w.PollProblem = &p
			a.say(NoteWarning, p.What+" "+p.Next)
			a.do(PollJob{Gen: js.Gen, ID: ev.ID, After: delay})
			return
		}
		w.PollProblem = nil
		a.fail(p)
		return
	}
	w.PollFailures, w.PollProblem = 0, nil
	job := ev.Job
	if owner := job.UserID(); owner != "" && s.User.User.ID != "" && owner != s.User.User.ID {
		a.refuseJob(ev.ID, owner)
		return
	}
	if ref, ok := js.bankOf(ev.ID, job); ok && job.Institution == nil {
		job.Institution = &ref
	}
	if job.Institution != nil {
		js.noteBank(job.ConnectionID(), *job.Institution)
	}
	a.noteSteps(ev.ID, w, job)
	w.Job, w.Seen = job, true
	s.noteJobOutcome(ev.ID, job)
	a.nameBank(job.InstitutionID())
	a.challenged(ev.ID, w)
	if s.finished || s.closing {
		return // a question nobody can answer ended a headless run
	}
	switch job.State() {
	case basiq.JobPending, basiq.JobRunning:
		a.do(PollJob{Gen: js.Gen, ID: ev.ID, After: JobPollEvery})
	case basiq.JobSucceeded:
		a.do(Say{Kind: NoteJobDone, Text: "Job " + text.Field(ev.ID) + " done"})
		a.remember()
	case basiq.JobFailed:
		a.do(Say{Kind: NoteJobDone, Text: "Job " + text.Field(ev.ID) + " failed", Failed: true})
		a.remember()
		a.fail(JobProblem(job, s.BankName(job.InstitutionID())))
		return
	}
	a.accountsMaybe()
}

// noteSteps dates each step's start and end, and says what changed.
func (a *applying) noteSteps(id string, w *WatchedJob, job basiq.Job) {
	before := map[string]string{}
	for _, st := range w.Job.Steps {
		before[st.Title] = st.Status
	}
	for _, st := range job.Steps {
		over := st.Done() || st.Status == basiq.StepFailed
		if _, seen := w.StepStarted[st.Title]; !seen && st.Status != basiq.StepPending && !over {
			// Only a step seen running has a known start; one that ran
			// between two looks took an unknown part of the time between.
			w.StepStarted[st.Title] = a.now
		}
		if _, seen := w.StepEnded[st.Title]; over && !seen {
			w.StepEnded[st.Title] = a.now
		}
		if before[st.Title] == st.Status || (st.Status == basiq.StepPending && before[st.Title] == "") {
			continue
		}
		n := &StepNote{JobID: id, Title: st.Title, Status: st.Status}
		if over {
			n.Took, _ = w.StepTook(st.Title, a.now)
		}
		if st.Status == basiq.StepFailed {
			n.Reason = StepFailure(&st)
		}
		a.do(Say{Kind: NoteJobStep, Text: fmt.Sprintf("%s: %s", text.Field(st.Title), text.Field(st.Status)), Step: n})
	}
}

// nameBank asks for an institution's name, once ("" asks nothing).
func (a *applying) nameBank(id string) {
	if _, asked := a.s.Institutions[id]; !asked && id != "" {
		a.s.Institutions[id] = basiq.Institution{ID: id} // asked once; the name fills in when it loads
		a.do(LoadInstitution{ID: id})
	}
}

// BankName names an institution for people: its name once loaded, else its id.
func (s *Session) BankName(id string) string {
	if inst, ok := s.Institutions[id]; ok && inst.Name != "" {
		return text.Field(inst.DisplayName())
	}
	if name, ok := sandboxBankNames[id]; ok {
		return name // before (or without) its record: the sandbox's own banks have known names
	}
	if id != "" {
		return text.Field(id)
	}
	return "your bank"
}

// sandboxBankNames are the names Basiq's institution records give the
// sandbox banks the quickstart connects.
var sandboxBankNames = map[string]string{SandboxInstitution: "Hooli Bank", SecondBank: "Pied Piper Bank"}

// retryConnection asks Basiq to run the failed job's connection again; with
// no connection to refresh, consent again is the only way.
func (a *applying) retryConnection() {
	s := a.s
	failed := s.Jobs.FailedIDs()
	if len(failed) == 0 {
		return
	}
	conn := s.Jobs.ByID[failed[0]].Job.ConnectionID()
	if conn == "" {
		a.reconsent()
		return
	}
	a.clearProblem()
	a.say(NoteDoing, "Refreshing connection "+conn+" (POST /users/"+s.User.User.ID+"/connections/"+conn+"/refresh)")
	a.do(RefreshConnection{Gen: s.Jobs.Gen, UserID: s.User.User.ID, ConnectionID: conn, FailedJobID: failed[0]})
}

// refuseJob stops watching a job of another user: its steps and accounts
// are not this user's to show.
func (a *applying) refuseJob(id, owner string) {
	s := a.s
	js := &s.Jobs
	delete(js.ByID, id)
	js.Order = slices.DeleteFunc(js.Order, func(x string) bool { return x == id })
	a.remember()
	a.fail(Problem{Call: CallGetJob, Code: jobOfAnotherUser,
		What:     "Job " + id + " is a job of user " + owner + ", not of user " + s.User.User.ID + ": it is not watched.",
		Meaning:  "Basiq's links.source names the user whose connection a job is about.",
		Next:     "Give a job of this user, or look up user " + owner + " to watch it.",
		Remedies: []Remedy{RemedyNewLink, RemedyBack}})
}

// jobOfAnotherUser is the code of a job refused because another user's connection is its source.
const jobOfAnotherUser = "job-of-another-user"
