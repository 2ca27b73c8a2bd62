package simulator

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"strings"
	"time"
)

// Multi-factor challenges, as Basiq's sandbox sets them. An institution's
// authorization says when its bank asks (Basiq's v2.1 "Create a connection"
// page): user-mfa always, "immediately after their credentials have been
// verified"; user-mfa-intermittent sometimes. The job's mfa-challenge step is
// then in progress with the prompt as its result until an answer comes (the
// consent page's second page, or POST /jobs/{id}/mfa), as Basiq's own connect
// control reads it, and for mfaExpiry at most. Which sandbox login answers
// what is Basiq's Testing page (basiq-api.md §7), in assets/personas.json.

// challenge is what a persona is asked and what it answers.
type challenge struct {
	Method  string   `json:"method"` // token or security-questions
	Prompts []string `json:"prompts"`
	Answers []string `json:"answers"`
}

// defaultChallenge is for the personas the Testing page gives no challenge:
// the one-time password jared and richard are asked.
var defaultChallenge = challenge{Method: "token", Prompts: []string{"OTP Password"}, Answers: []string{"1234"}}

func (p personaData) challenge() *challenge {
	if p.MFA != nil {
		return p.MFA
	}
	c := defaultChallenge
	return &c
}

// PersonaMFA is what a sandbox login answers to a multi-factor challenge.
func PersonaMFA(login string) (answers []string, ok bool) {
	p, ok := findPersona(login)
	if !ok {
		return nil, false
	}
	return p.challenge().Answers, true
}

// mfaExpiry is how long a challenge waits for its answer: the expiryMs of the
// answered challenge in core.json's GET /jobs/{jobId} examples.
const mfaExpiry = 120 * time.Second

// asksMFA reports whether the bank challenges this job's login. Nucleus
// (user-mfa-intermittent) asks about half the time: by the job's id, which
// a seeded simulator makes the same every run.
func (s *Server) asksMFA(inst institutionData, jobID string) bool {
	switch inst.Authorization {
	case "user-mfa":
		return true
	case "user-mfa-intermittent":
		h := fnv.New64a()
		h.Write([]byte(jobID))
		return h.Sum64()%2 == 0
	}
	return false
}

// mfaAnswer is an answer to a job's challenge and when it came.
type mfaAnswer struct {
	at     time.Time
	values []string
}

func (c *challenge) description() string {
	if c.Method == "security-questions" {
		return "Answer your security questions."
	}
	return "Enter the one-time password sent to your device."
}

func (c *challenge) accepts(values []string) bool {
	if c == nil || len(values) != len(c.Answers) {
		return false
	}
	for i, v := range values {
		if !strings.EqualFold(strings.TrimSpace(v), c.Answers[i]) {
			return false
		}
	}
	return true
}

// How an mfa-challenge step fails. Basiq documents invalid-credentials for a
// login that fails its multi-factor authentication (its "Codes" page names
// multi-factor-authentication among that code's kinds) and job-timed-out
// among a step's failure codes (core.json); the words are the simulator's.
var (
	wrongMFA = &failure{Code: "invalid-credentials", Title: "Cannot login to target institution, check credentials.",
		Detail: "The answer to the multi-factor challenge is not correct."}
	lateMFA = &failure{Code: "job-timed-out", Title: "The multi-factor challenge expired.",
		Detail: "The multi-factor challenge was not answered within 120 seconds."}
)

// mfaEnd is when the challenge that started at start ends, and how.
func (j *job) mfaEnd(start time.Time) (time.Time, *failure) {
	deadline := start.Add(mfaExpiry)
	if j.answer == nil || !j.answer.at.Before(deadline) {
		return deadline, lateMFA
	}
	at := j.answer.at
	if at.Before(start) {
		at = start // an answer given up front counts when the challenge starts
	}
	if !j.mfa.accepts(j.answer.values) {
		return at, wrongMFA
	}
	return at, nil
}

var (
	errNotAwaiting = errors.New("the job is not waiting for a multi-factor answer")
	errWrongAnswer = errors.New(wrongMFA.Detail)
)

// answerMFA answers the challenge j is waiting on at now; s.mu is held.
func (s *Server) answerMFA(j *job, values []string, now time.Time) error {
	st, ok := s.stateOf(j, stepMFA, now)
	if !ok || st.status != "in-progress" || j.answer != nil {
		return errNotAwaiting
	}
	j.answer = &mfaAnswer{at: now, values: values}
	s.rewatch(j)
	if !j.mfa.accepts(values) {
		return errWrongAnswer
	}
	return nil
}

// challengeResult is an mfa-challenge step's result while it waits and once
// answered, as in core.json's example.
func challengeResult(base string, j *job) *stepResult {
	return &stepResult{Type: "mfa", Method: j.mfa.Method, Description: j.mfa.description(), Input: j.mfa.Prompts,
		ExpiryMs: mfaExpiry.Milliseconds(), Links: links{"response": base + "/jobs/" + j.id + "/mfa"}}
}

// handleAnswerMFA is POST /jobs/{id}/mfa: {"mfa-response": ["1234"]}. Basiq
// answers 202 with the job when the answer is right, an error otherwise
// (its v2.1 reference). core.json asks for a CLIENT_ACCESS token; whether a
// server token is refused is unconfirmed (basiq-api.md §11), so both pass.
func (s *Server) handleAnswerMFA(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Response []string `json:"mfa-response"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		s.fail(w, &apiError{status: 400, code: "invalid-content", title: "Invalid content", detail: "Posted MFA response is not in valid format."})
		return
	}
	if len(in.Response) == 0 {
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied",
			detail: "mfa-response is required.", source: &source{Parameter: "mfa-response"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.lookupJob(w, r)
	if !ok {
		return
	}
	switch err := s.answerMFA(j, in.Response, s.clock.Now()); err {
	case nil:
		writeJSON(w, http.StatusAccepted, ref{Type: "job", ID: j.id, Links: links{"self": s.baseURL(r) + "/jobs/" + j.id}})
	case errWrongAnswer:
		s.fail(w, &apiError{status: 400, code: wrongMFA.Code, title: wrongMFA.Title, detail: wrongMFA.Detail})
	default:
		s.fail(w, badParameter("The job is not waiting for a multi-factor answer.", "mfa-response"))
	}
}
