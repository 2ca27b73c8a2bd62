package quickstart

import (
	"errors"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Codes of problems that are not Basiq's: what a script reads in --json's
// and --events' problem.
const (
	CodeTimeout = "timeout" // --timeout ran out
	CodeUsage   = "usage"   // the run could not start as asked (exit 2)
)

// ProblemReport is a problem as --json's result and --events' problem lines
// give it: our words (what, meaning, next) and Basiq's (code, title,
// detail, correlation id).
type ProblemReport struct {
	Code          string `json:"code"`
	What          string `json:"what"`
	Meaning       string `json:"meaning"`
	Next          string `json:"next"`
	CorrelationID string `json:"correlation_id"`
	Title         string `json:"title"`
	Detail        string `json:"detail"`
}

// Report is the problem for a script to read.
func (p *Problem) Report() ProblemReport {
	return ProblemReport{Code: p.Code, What: p.What, Meaning: p.Meaning, Next: p.Next,
		CorrelationID: p.CorrelationID, Title: p.Title, Detail: p.Detail}
}

// timeoutProblem is --timeout (limit) running out: at the jobs (watching),
// waiting for consent (withUser), or before either; last is the call the
// run last saw fail, whose answer it names (nil: none failed).
func timeoutProblem(limit time.Duration, watching, withUser bool, last error) Problem {
	p := Problem{Call: CallTimeout, Code: CodeTimeout}
	switch {
	case watching:
		p.What = "The job did not finish within " + limit.String() + " (--timeout)."
	case withUser:
		p.What = "No connection within " + limit.String() + " (--timeout)."
	default:
		p.What = "Nothing was done within " + limit.String() + " (--timeout)."
	}
	p.Meaning = "--timeout bounds the whole run, consent and jobs included, and it ran out."
	var apiErr *basiq.Error
	switch {
	case errors.As(last, &apiErr) && (apiErr.Status != 0 || apiErr.Body != ""):
		p.Meaning = "Basiq's last answer: " + apiErr.Answer()
		p.CorrelationID, p.Title, p.Detail = apiErr.CorrelationID, apiErr.Title(), apiErr.Detail()
	case last != nil:
		p.Meaning = "The last call had no answer: " + answer(last)
	}
	return p
}
