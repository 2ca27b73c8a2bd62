package flow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// problemFor turns an error from Basiq into what the user reads: what
// happened while doing what, what it means, what to do. Words for Basiq's
// codes come from the one table, basiq.AdviceFor; this adds what only the
// wizard knows (which screen, which key retries).
func problemFor(doing string, err error) theme.Problem {
	var apiErr *basiq.Error
	switch {
	case basiq.UserMayExist(err):
		return theme.Problem{
			What:          fmt.Sprintf("No clear answer came back while %s: %s", doing, answer(err)),
			Meaning:       "The request reached Basiq, so the user may or may not exist now (Basiq does not de-duplicate users).",
			Next:          "Look in the Basiq dashboard before trying again, or use that user's id with ctrl+u.",
			CorrelationID: correlationID(err),
		}
	case basiq.IsBadAPIKey(err):
		return theme.Problem{
			What:          "Basiq did not recognise this key (404 parameter-not-valid).",
			Next:          "Copy it again from the Basiq dashboard (Developer → API Keys), all of it, for this application.",
			CorrelationID: correlationID(err),
		}
	case errors.Is(err, context.DeadlineExceeded):
		return theme.Problem{
			What: fmt.Sprintf("Basiq did not answer in time while %s.", doing),
			Next: "Check your connection, then press enter to try again.",
		}
	case basiq.IsNetwork(err):
		return theme.Problem{
			What: fmt.Sprintf("Could not reach Basiq while %s: %s", doing, answer(err)),
			Next: "Check your network connection (or proxy), then try again.",
		}
	case errors.As(err, &apiErr) && apiErr.Body != "":
		return theme.Problem{
			What: fmt.Sprintf("Basiq answered %d with %s while %s.", apiErr.Status, apiErr.Body, doing),
			Next: "Something between you and Basiq (a proxy or gateway) may be in the way; try again in a minute.",
		}
	case errors.As(err, &apiErr):
		advice := basiq.AdviceFor(apiErr.Code())
		what := apiErr.Title()
		if d := apiErr.Detail(); d != "" {
			what = joinSentences(what, d)
		}
		if what == "" {
			what = fmt.Sprintf("Basiq answered %d", apiErr.Status)
		}
		if code := apiErr.Code(); code != "" {
			what = fmt.Sprintf("%s (%d %s)", what, apiErr.Status, code)
		}
		return theme.Problem{What: what, Meaning: advice.Meaning, Next: advice.Next, CorrelationID: apiErr.CorrelationID}
	}
	return theme.Problem{What: fmt.Sprintf("Something went wrong while %s: %v", doing, err), Next: "Try again."}
}

func correlationID(err error) string {
	if e, ok := asAPIError(err); ok {
		return e.CorrelationID
	}
	return ""
}

func asAPIError(err error) (*basiq.Error, bool) {
	var apiErr *basiq.Error
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}

// retryable reports whether trying the same thing again may work.
func retryable(err error) bool {
	return basiq.IsNetwork(err) || basiq.IsUnavailable(err) || basiq.IsRateLimited(err) || errors.Is(err, context.DeadlineExceeded)
}

func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	if strings.HasPrefix(strings.ToLower(b), strings.ToLower(strings.TrimRight(a, ".!?"))) {
		return b // Basiq's detail often repeats its title: "Internal Server error. Contact support."
	}
	if last := a[len(a)-1]; last != '.' && last != '!' && last != '?' {
		a += "."
	}
	return a + " " + b
}

// answer is what came back from Basiq, without the request and correlation
// id that Error() adds (the problem shows the id on a line of its own).
func answer(err error) string {
	var apiErr *basiq.Error
	if errors.As(err, &apiErr) {
		return apiErr.Answer()
	}
	return err.Error()
}
