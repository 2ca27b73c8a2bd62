package quickstart

import (
	"errors"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// A bank's multi-factor challenge, answered where the person is: the job
// view's fields, or (headless, with a terminal) one question a line. Basiq
// takes the answers with POST /jobs/{id}/mfa; the job's mfa-challenge step
// then says what became of them: it goes on, or fails (a wrong answer:
// invalid-credentials; none in time: job-timed-out), and a failed job offers
// consent again for its connection. The answers are secrets: they go in the
// one effect that sends them and nowhere else (no note, no state).

// Challenge is the bank's question a job waits on.
type Challenge struct {
	Method      string   // "token" (a code the bank sent) or "security-questions"
	Description string   // the bank's words, e.g. "Enter the one-time password sent to your device."
	Questions   []string // one answer each, in order: "OTP Password", "What's your first company?"
	Expires     time.Time
	Sending     bool // the answers are on their way
	Sent        bool // Basiq took them: the job goes on
	// Refused is Basiq's word on answers it did not take (a wrong answer:
	// the job fails), "" when none.
	Refused string
	// Problem is trouble sending them (no answer came): another try is the way.
	Problem *Problem
	said    bool // told (and, headless, asked): once the bank's name is known
}

// Token reports whether the bank asks for a code it sent rather than answers.
func (c *Challenge) Token() bool { return c.Method != "security-questions" }

// Open reports whether the challenge takes answers now.
func (c *Challenge) Open() bool { return c != nil && !c.Sending && !c.Sent && c.Refused == "" }

// MFANote is a challenge as --events tells it: its questions, never an answer.
type MFANote struct {
	JobID     string
	Bank      string
	Method    string
	Questions []string
	Expires   time.Time
	// Outcome is set once the answers were sent: "accepted", or "refused" with Reason.
	Outcome string
	Reason  string
}

// MFA outcomes.
const (
	MFAAccepted = "accepted"
	MFARefused  = "refused"
)

// Ask is a question for the person at a terminal, line by line (headless
// with a terminal on stdin): the key (never echoed), the new user's email,
// or the answers to a bank's challenge.
type Ask struct {
	Kind      AskKind
	JobID     string   // AskMFA: the job waiting
	Bank      string   // AskMFA: the bank asking
	Questions []string // AskMFA: one line each
	Token     bool     // AskMFA: a code the bank sent, not answers to questions
}

// AskKind is what Ask asks for.
type AskKind int

const (
	AskKey AskKind = iota + 1
	AskEmail
	AskMFA
)

// AnswerMFA sends a job's answers (secrets: never in a note).
type AnswerMFA struct {
	Gen     int // the jobs' generation
	UserID  string
	JobID   string
	Answers []string
}

type (
	// Typed is what the person typed for Ask (headless, at the terminal)
	// or in the job view's fields (AskMFA): one value (the key, the email),
	// or one a question. Err: no answer could be read (the input ended).
	Typed struct {
		Kind    AskKind
		JobID   string
		Answers []string
		Err     error
	}
	// MFASent is Basiq's answer to AnswerMFA.
	MFASent struct {
		Gen   int
		JobID string
		Err   error
	}
)

func (Ask) isEffect()       {}
func (AnswerMFA) isEffect() {}
func (Typed) isEvent()      {}
func (MFASent) isEvent()    {}

// mfaNoTerminal is the code of a challenge a headless run cannot put to anyone.
const mfaNoTerminal = "mfa-no-terminal"

func (a *applying) mfaEvent(ev Event) bool {
	s := a.s
	switch ev := ev.(type) {
	case MFASent:
		if ev.Gen == s.Jobs.Gen {
			a.mfaSent(ev)
		}
	case Typed:
		a.typed(ev)
	default:
		return false
	}
	return true
}

// challenged follows the job's challenge: a new one is said (and, headless,
// asked or failed); one that ended is let go.
func (a *applying) challenged(id string, w *WatchedJob) {
	s := a.s
	prompt, expires, waiting := w.Job.WaitingForMFA()
	if !waiting {
		if w.MFA != nil && w.MFA.Sending {
			w.answersInFlight = w.MFA // the poll came back before POST /jobs/{id}/mfa did
		}
		w.MFA = nil
		return
	}
	if w.MFA != nil {
		w.MFA.Expires = expires
		a.announce(id, w) // the bank's name did not come by this poll: said all the same, the clock runs
		return
	}
	c := &Challenge{Method: prompt.Method, Description: prompt.Description, Questions: append([]string(nil), prompt.Input...), Expires: expires}
	if len(c.Questions) == 0 {
		c.Questions = []string{"one-time code"}
	}
	w.MFA = c
	if s.named(w.Bank()) {
		a.announce(id, w)
	} // else once the bank's name is in, or at the next poll: the question names the bank that asks
}

// announce says a job's new challenge and, headless, puts it to the person
// (or fails the run, where there is nobody).
func (a *applying) announce(id string, w *WatchedJob) {
	s := a.s
	c := w.MFA
	if c == nil || c.said {
		return
	}
	c.said = true
	bank, expires := s.BankName(w.Bank()), c.Expires
	asks := upperFirst(bank) + " asks: " + strings.Join(c.Questions, " · ")
	if c.Token() {
		asks = upperFirst(bank) + " sent a code (" + strings.Join(c.Questions, " · ") + ")"
	}
	note := &MFANote{JobID: id, Method: c.Method, Questions: c.Questions, Expires: expires}
	if w.Bank() != "" {
		note.Bank = bank // a name, or the institution's id: never "your bank"
	}
	a.do(Say{Kind: NoteMFAChallenge, Text: asks + "; it waits until " + expires.Local().Format("15:04:05"), MFA: note})
	switch {
	case s.cfg.Interactive:
		// The job view shows the fields.
	case s.cfg.Ask:
		a.do(Ask{Kind: AskMFA, JobID: id, Bank: bank, Questions: c.Questions, Token: c.Token()})
	default:
		a.fail(Problem{Call: CallMFA, Code: mfaNoTerminal,
			What:    "Job " + id + " waits for an answer to " + bank + "'s security question, and this run has no terminal to ask it in.",
			Meaning: "The bank goes on only once it has the answer; it waits " + expires.Sub(a.now).Round(time.Second).String() + " more, then fails the job.",
			Next:    "Run it again where a person can type the answer at a terminal, or answer with POST /jobs/" + id + "/mfa before the time is up."})
	}
}

// sendMFA sends answers typed for a job's challenge, one a question.
func (a *applying) sendMFA(id string, answers []string) {
	s := a.s
	w, ok := s.Jobs.ByID[id]
	if !ok || !w.MFA.Open() {
		return
	}
	c := w.MFA
	if len(answers) != len(c.Questions) {
		return // a face sends one a question
	}
	for _, v := range answers {
		if strings.TrimSpace(v) == "" {
			c.Problem = &Problem{Call: CallMFA, What: "Every question needs an answer.", Next: "Type one in each field, then send them."}
			return
		}
	}
	c.Sending, c.Problem = true, nil
	a.say(NoteDoing, "Sending the answers to "+s.BankName(w.Bank())+" (POST /jobs/"+id+"/mfa)")
	a.do(AnswerMFA{Gen: s.Jobs.Gen, UserID: s.User.User.ID, JobID: id, Answers: answers})
}

func (a *applying) mfaSent(ev MFASent) {
	s := a.s
	w, ok := s.Jobs.ByID[ev.JobID]
	if !ok {
		return
	}
	c := w.MFA
	if c == nil {
		// The job went on before Basiq answered: an error now says nothing
		// its steps did not (they moved past the question), a success is told.
		if c, w.answersInFlight = w.answersInFlight, nil; c == nil || ev.Err != nil {
			return
		}
	}
	c.Sending = false
	note := &MFANote{JobID: ev.JobID, Method: c.Method, Questions: c.Questions, Expires: c.Expires}
	bank := s.BankName(w.Bank())
	if w.Bank() != "" {
		note.Bank = bank
	}
	var apiErr *basiq.Error
	switch {
	case ev.Err == nil:
		c.Sent = true
		note.Outcome = MFAAccepted
		a.do(Say{Kind: NoteMFAOutcome, Text: upperFirst(bank) + " took the answers; the job goes on", MFA: note})
	case errors.As(ev.Err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 && !basiq.IsRateLimited(ev.Err) && !basiq.IsTokenExpired(ev.Err):
		// Basiq read the answers and did not take them: the step fails, and the job with it.
		p := problemFor(CallMFA, ev.Err)
		c.Refused = p.What
		note.Outcome, note.Reason = MFARefused, p.What
		a.do(Say{Kind: NoteMFAOutcome, Text: upperFirst(bank) + " did not take the answers: " + p.What, MFA: note})
	default:
		p := problemFor(CallMFA, ev.Err)
		p.Next = "They may not have reached the bank: send them again while it waits."
		c.Problem = &p
		if !s.cfg.Interactive {
			a.fail(p)
			return
		}
		a.say(NoteWarning, p.What)
	}
}

// typed takes what the person typed: at the terminal, or in the job view.
func (a *applying) typed(ev Typed) {
	s := a.s
	if ev.Err != nil {
		what := map[AskKind]string{AskKey: "the API key", AskEmail: "the new user's email", AskMFA: "the answers to the bank's question"}[ev.Kind]
		a.fail(Problem{What: "No answer came for " + what + ": " + ev.Err.Error() + ".",
			Next: "Run it again and type it, or give it as the flags and environment do."})
		return
	}
	value := ""
	if len(ev.Answers) > 0 {
		value = strings.TrimSpace(ev.Answers[0])
	}
	switch ev.Kind {
	case AskKey:
		if s.Stage != StageKey || s.Key.Checking {
			return
		}
		if value == "" {
			a.say(NoteWarning, "A key is needed: paste it from the Basiq dashboard (API Keys).")
			a.do(Ask{Kind: AskKey})
			return
		}
		a.checkKey(value, KeyTyped)
	case AskEmail:
		if s.Stage != StageUser || s.User.Working || s.User.User.ID != "" {
			return
		}
		a.createUser(basiq.NewUser{Email: value}, false)
	case AskMFA:
		if w, ok := s.Jobs.ByID[ev.JobID]; ok && w.MFA.Open() {
			a.sendMFA(ev.JobID, ev.Answers)
			if c := w.MFA; c.Problem != nil && s.asks() {
				a.say(NoteWarning, c.Problem.What)
				a.do(Ask{Kind: AskMFA, JobID: ev.JobID, Bank: s.BankName(w.Bank()), Questions: c.Questions, Token: c.Token()})
			}
		}
	}
}

// asks reports whether a headless run can ask the person at a terminal.
func (s *Session) asks() bool { return !s.cfg.Interactive && s.cfg.Ask }

// named reports whether the bank's name is as known as it will be: loaded,
// failed to load, or never asked for.
func (s *Session) named(id string) bool {
	inst, asked := s.Institutions[id]
	return !asked || inst.Name != "" || s.unnamed[id]
}

// announceAt says the challenges waiting for a bank's name, now it is in.
func (a *applying) announceAt(bank string) {
	for _, id := range a.s.Jobs.Order {
		if w := a.s.Jobs.ByID[id]; w.Bank() == bank && w.MFA != nil {
			a.announce(id, w)
		}
	}
}

// upperFirst starts a sentence with s ("your bank" too).
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
