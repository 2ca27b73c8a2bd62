package quickstart

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// Call names a request of the quickstart: what failed, for the words of a
// problem and for what "try again" repeats.
type Call int

const (
	CallStartDemo        Call = iota + 1 // start the built-in simulator
	CallServerToken                      // POST /token: check the key
	CallCreateUser                       // POST /users
	CallGetUser                          // GET /users/{id}
	CallClientToken                      // POST /token CLIENT_ACCESS: the consent link
	CallListJobs                         // GET /users/{id}/jobs: the snapshot and the wait for consent
	CallAutoConsent                      // demo: consent as a sandbox persona
	CallGetJob                           // GET /jobs/{id}
	CallRefresh                          // POST /users/{id}/connections/{id}/refresh
	CallJob                              // not a call: a job step that failed at the bank
	CallAccounts                         // GET /users/{id}/accounts
	CallTransactions                     // GET /users/{id}/transactions
	CallTimeout                          // not a call: --timeout ran out
	CallConnections                      // GET /users/{id}/connections
	CallConsents                         // GET /users/{id}/consents
	CallDeleteConnection                 // DELETE /users/{id}/connections/{id}
	CallRevokeConsent                    // DELETE /users/{id}/consents/{id}
	CallDeleteUser                       // DELETE /users/{id}
	CallMFA                              // POST /jobs/{id}/mfa, or a bank's question nobody can answer
	CallEvents                           // GET /events?filter=user.id.eq(…)
)

// doing is what the call was doing, for "… while checking the key".
var doing = map[Call]string{
	CallStartDemo:        "starting the built-in simulator",
	CallServerToken:      "checking the key",
	CallCreateUser:       "creating the user",
	CallGetUser:          "looking up the user",
	CallClientToken:      "minting a client token for the consent link",
	CallListJobs:         "checking the user's jobs",
	CallAutoConsent:      "completing consent in the simulator",
	CallGetJob:           "checking the job",
	CallRefresh:          "asking Basiq to retry the connection",
	CallAccounts:         "loading the accounts",
	CallTransactions:     "loading transactions",
	CallConnections:      "loading the connections",
	CallConsents:         "loading the consents",
	CallDeleteConnection: "deleting the connection",
	CallRevokeConsent:    "revoking the consent",
	CallDeleteUser:       "deleting the user",
	CallMFA:              "sending the answers to the bank's question",
	CallEvents:           "loading the user's events",
}

// Remedy is a way forward from a problem. The wizard gives each a key on the
// screen where it shows; a headless run has none and stops.
type Remedy int

const (
	RemedyRetry   Remedy = iota + 1 // the same call again; after a failed job, consent again
	RemedyNewLink                   // consent again with a fresh link
	RemedyBack                      // one step back
	RemedyQuit                      // always possible; listed where it is the only way
	RemedyRefresh                   // the failed job's connection run again (where Basiq advises it)
)

// Problem is a failure in plain words, face-neutral: Next never names a key
// or a flag (the faces add those, from Remedies and Resume).
type Problem struct {
	Call          Call
	What          string // what happened, Basiq's answer in a few words
	Meaning       string // what it means, "" when the words say it
	Next          string // what to do about it
	Code          string // Basiq's error code (or CodeTimeout, CodeUsage), "" when none
	CorrelationID string // Basiq's id for support, "" when none
	// Title and Detail are Basiq's own words (its error's, or the failed
	// step's), "" where it sent none.
	Title, Detail string
	Remedies      []Remedy
	// Warning marks trouble the quickstart is already working around
	// (a poll that will be tried again): shown, but not a failure.
	Warning bool
	// Resume is how to pick the run up from a shell after this problem, in
	// one line with its command; "" where none would help (a timeout says
	// it in Next, a usage error has nothing to pick up).
	Resume string
}

// Offers reports whether r is one of the problem's remedies.
func (p *Problem) Offers(r Remedy) bool {
	if p == nil {
		return false
	}
	for _, x := range p.Remedies {
		if x == r {
			return true
		}
	}
	return false
}

// problemFor turns an error from a call into what the user reads. Words for
// Basiq's codes come from the one table, basiq.AdviceFor.
func problemFor(call Call, err error) Problem {
	doing := doing[call]
	var apiErr *basiq.Error
	p := Problem{Call: call}
	if errors.As(err, &apiErr) {
		p.CorrelationID = apiErr.CorrelationID
		p.Code, p.Title, p.Detail = apiErr.Code(), apiErr.Title(), apiErr.Detail()
	}
	switch {
	case basiq.UserMayExist(err):
		p.What = fmt.Sprintf("No clear answer came back while %s: %s", doing, answer(err))
		p.Meaning = "The request reached Basiq, so the user may or may not exist now (Basiq does not de-duplicate users)."
		p.Next = "Look in the Basiq dashboard before creating another; if it is there, use its id."
	case basiq.IsBadAPIKey(err):
		p.What = "Checking the key: Basiq did not recognise it"
		if apiErr != nil {
			p.What += fmt.Sprintf(" (%d %s)", apiErr.Status, text.Field(apiErr.Code()))
		}
		p.What += "."
		p.Next = "Copy it again from the Basiq dashboard (Developer → API Keys), all of it, for this application."
	case basiq.IsTimeout(err):
		p.What = fmt.Sprintf("%s while %s.", strings.TrimRight(answer(err), "."), doing)
		p.Next = "Basiq, or the network to it, is slow right now; try again in a minute."
	case errors.Is(err, context.DeadlineExceeded):
		p.What = fmt.Sprintf("Basiq did not answer in time while %s.", doing)
		p.Next = "Check your connection, then try again."
	case basiq.IsNetwork(err):
		p.What = fmt.Sprintf("Could not reach Basiq while %s: %s", doing, answer(err))
		p.Next = "Check your network connection (or proxy), then try again."
	case apiErr != nil && apiErr.Location != "":
		p.What = fmt.Sprintf("Basiq's address answered %d with %s while %s.", apiErr.Status, text.Field(apiErr.Body), doing)
		p.Next = "The API URL should be Basiq's API itself (" + basiq.DefaultBaseURL + "): check --api-url and BASIQ_API_URL."
	case basiq.IsNotBasiq(err) && apiErr.Body != "":
		p.What = fmt.Sprintf("The API URL answered %d with %s while %s: that is not Basiq's API, nor the simulator's.", apiErr.Status, apiErr.Body, doing)
		p.Next = "Check --api-url and BASIQ_API_URL: Basiq's is " + basiq.DefaultBaseURL + "."
	case apiErr != nil && apiErr.Body != "":
		p.What = fmt.Sprintf("Basiq answered %d with %s while %s.", apiErr.Status, apiErr.Body, doing)
		p.Next = "Something between you and Basiq (a proxy or gateway) may be in the way; try again in a minute."
	case apiErr != nil:
		advice := basiq.AdviceFor(apiErr.Code())
		what := text.Field(apiErr.Title())
		if d := apiErr.Detail(); d != "" {
			what = joinSentences(what, text.Field(d))
		}
		if what == "" {
			what = fmt.Sprintf("Basiq answered %d", apiErr.Status)
		}
		if code := apiErr.Code(); code != "" {
			what = fmt.Sprintf("%s (%d %s)", what, apiErr.Status, text.Field(code))
		}
		if doing != "" { // "Creating the user: Service unavailable. (503 service-unavailable)"
			what = strings.ToUpper(doing[:1]) + doing[1:] + ": " + what
		}
		p.What, p.Meaning, p.Next = what, advice.Meaning, advice.Next
		if c := apiErr.Code(); apiErr.Status >= 500 && (c == "service-unavailable" || c == "system-unavailable" || c == "maintenance") {
			// The table's words for these codes are about the bank (a job
			// step's); an HTTP answer with them is Basiq's own.
			p.Meaning, p.Next = "Basiq (or something between you and it) is not answering as it should right now.", "Try again in a minute."
		}
	default:
		p.What = fmt.Sprintf("Something went wrong while %s: %s", doing, text.Field(err.Error()))
		p.Next = "Try again."
	}
	return p
}

// JobProblem is a job that failed at the bank, in Basiq's words and ours.
func JobProblem(job basiq.Job, bank string) Problem {
	step := job.FailedStep()
	code, title, detail := "", "", ""
	if step != nil && step.Result != nil {
		code, title, detail = text.Field(step.Result.Code), text.Field(step.Result.Title), text.Field(step.Result.Explanation())
	}
	advice := basiq.AdviceFor(code)
	what := "Basiq could not connect to " + bank
	if reason := joinSentences(title, detail); reason != "" {
		what += ": " + reason
	}
	if code != "" {
		what += " (" + code + ")"
	}
	p := Problem{Call: CallJob, What: what, Meaning: advice.Meaning, Next: advice.Next, Code: code, Title: title, Detail: detail}
	if step != nil && step.Title == basiq.StepMFAChallenge {
		// The bank's question failed, not the login: Basiq says invalid-credentials
		// for a wrong answer and job-timed-out for none in time. Consent again
		// for that connection logs in and asks again.
		p.Meaning = "The bank did not accept the answer given to its security question."
		if code == "job-timed-out" {
			p.Meaning = "No answer reached the bank in the time it gives to answer its security question."
		}
		p.Next = "Go through consent again for this connection, log in, and answer the bank's question before its time is up."
		p.Remedies = []Remedy{RemedyRetry, RemedyQuit}
		return p
	}
	// Trying again is consent again (for this connection); where Basiq
	// advises it, refreshing the connection runs the same login again.
	p.Remedies = []Remedy{RemedyRetry}
	if advice.Remedy == basiq.RemedyRetry || advice.Remedy == basiq.RemedyWaitRetry {
		p.Remedies = append(p.Remedies, RemedyRefresh)
	}
	p.Remedies = append(p.Remedies, RemedyQuit)
	return p
}

// StepFailure is a failed step's reason in one line: "Account is locked. Call the bank. (invalid-credentials)".
func StepFailure(s *basiq.Step) string {
	if s.Result == nil {
		return "no reason given"
	}
	return joinSentences(text.Field(s.Result.Title), text.Field(s.Result.Explanation())) + " (" + text.Field(s.Result.Code) + ")"
}

// retryable reports whether trying the same thing again may work.
func retryable(err error) bool {
	return basiq.IsNetwork(err) || basiq.IsUnavailable(err) || basiq.IsRateLimited(err) ||
		basiq.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded)
}

func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	if strings.HasPrefix(strings.ToLower(b), strings.ToLower(strings.TrimRight(a, ".!?"))) || sameStart(a, b, 3) {
		// Basiq's detail often repeats its title: "Internal Server error. Contact
		// support.", "Cannot login to target institution, check credentials.
		// Cannot login to target institution using supplied credentials."
		return b
	}
	if last := a[len(a)-1]; last != '.' && last != '!' && last != '?' {
		a += "."
	}
	return a + " " + b
}

// sameStart reports whether a and b begin with the same n words, whatever
// their case and punctuation.
func sameStart(a, b string, n int) bool {
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	wa, wb := words(a), words(b)
	if len(wa) < n || len(wb) < n {
		return false
	}
	for i := range n {
		if wa[i] != wb[i] {
			return false
		}
	}
	return true
}

// answer is what came back from Basiq, without the request and correlation
// id that Error() adds (the problem has a line of its own for the id).
func answer(err error) string {
	var apiErr *basiq.Error
	if errors.As(err, &apiErr) {
		return text.Field(apiErr.Answer())
	}
	return text.Field(err.Error())
}

// FieldOf is the request field Basiq's error names ("email", "mobile"), "" when none.
func fieldOf(err error) string {
	var apiErr *basiq.Error
	if errors.As(err, &apiErr) {
		return apiErr.Field()
	}
	return ""
}

func detailOf(err error) string {
	var apiErr *basiq.Error
	if errors.As(err, &apiErr) {
		if d := apiErr.Detail(); d != "" {
			return text.Field(d)
		}
		return text.Field(apiErr.Title())
	}
	return text.Field(err.Error())
}
