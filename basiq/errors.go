package basiq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is every failure of a Basiq call: an HTTP answer other than 2xx, a
// body that is not what Basiq sends, or no complete answer at all (Status 0:
// none came, or its body broke off).
type Error struct {
	Status        int
	Method, Path  string
	CorrelationID string
	Items         []ErrorItem
	// Body describes a body that is not Basiq's JSON error list, e.g.
	// "an HTML page instead of JSON (a proxy or gateway answered)", or a
	// redirect.
	Body string
	// Location is where a 3xx pointed. Redirects are never followed: that
	// would send the key or token, and the body, to wherever it says.
	Location string
	// UserMayExist is set when a POST /users failed after it reached Basiq:
	// a 5xx, no answer or a lost one, a 2xx whose body could not be read. A
	// user may have been created, so it was not repeated: look before
	// creating another.
	UserMayExist bool

	cause error
}

// ErrorItem is one entry of Basiq's error list.
type ErrorItem struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source"`
}

// ErrorSource points at the part of the request Basiq objected to.
type ErrorSource struct {
	Pointer   string `json:"pointer"`
	Parameter string `json:"parameter"`
}

const (
	bodyHTML         = "an HTML page instead of JSON (a proxy or gateway answered)"
	bodyEmpty        = "an empty body"
	bodyTooBig       = "a body over 10 MiB"
	bodyNotJSON      = "a body that is not Basiq's JSON error list"
	bodyUndocumented = "a body that is not the JSON Basiq documents"
	bodyCut          = "a body cut short"
	bodyNoUserID     = "an answer without the new user's id"
	bodyNoToken      = "a token response without an access_token"
)

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "basiq: %s %s: %s", e.Method, e.Path, e.Answer())
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " (correlation id %s)", e.CorrelationID)
	}
	if e.UserMayExist {
		b.WriteString("; not retried, as it reached Basiq and the user may have been created (Basiq does not de-duplicate users): look for it before creating another")
	}
	return b.String()
}

// Answer is what came back, in a few words: "no answer: <why>", "200 OK
// came, then the body broke off: <why>", "502 with an HTML page…", "500
// internal-server-error: <detail>". Error adds the request and the
// correlation id.
func (e *Error) Answer() string {
	var b strings.Builder
	var broken *brokenBody
	switch {
	case e.Status == 0 && errors.As(e.cause, &broken):
		b.WriteString(errorText(e.cause))
	case e.Status == 0:
		b.WriteString("no answer")
		if e.cause != nil {
			b.WriteString(": " + errorText(e.cause))
		}
	case e.Body != "":
		fmt.Fprintf(&b, "%d with %s", e.Status, e.Body)
	case len(e.Items) > 0:
		fmt.Fprintf(&b, "%d %s", e.Status, e.Code())
		if msg := e.message(); msg != "" {
			b.WriteString(": " + msg)
		}
		if len(e.Items) > 1 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Items)-1)
		}
	default:
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	}
	return b.String()
}

// Unwrap gives the network, time-bound or context error behind a Status 0
// Error.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) first() ErrorItem {
	if e == nil || len(e.Items) == 0 {
		return ErrorItem{}
	}
	return e.Items[0]
}

// message is the first item's detail, else its title.
func (e *Error) message() string {
	it := e.first()
	if it.Detail != "" {
		return it.Detail
	}
	return it.Title
}

// Code is the first item's code, "" when there is none.
func (e *Error) Code() string { return e.first().Code }

// Title is the first item's title.
func (e *Error) Title() string { return e.first().Title }

// Detail is the first item's detail.
func (e *Error) Detail() string { return e.first().Detail }

// Field names the input the first item is about ("email", "mobile", ...),
// from its source pointer or parameter; "" when Basiq does not say.
func (e *Error) Field() string {
	src := e.first().Source
	if src == nil {
		return ""
	}
	name := src.Parameter
	if p := strings.Trim(src.Pointer, "/"); p != "" {
		name = p[strings.LastIndexByte(p, '/')+1:]
	}
	return strings.ToLower(strings.TrimSpace(name))
}

// errorBody is Basiq's error list: {type:"list", correlationId, data:[...]}.
type errorBody struct {
	CorrelationID string      `json:"correlationId"`
	Data          []ErrorItem `json:"data"`
}

// decodeError turns a non-2xx answer into an Error. It never fails: a body
// that is not Basiq's error list is described instead.
func decodeError(status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status, CorrelationID: correlationFromHeader(header)}
	trimmed := bytes.TrimSpace(body)
	switch {
	case status/100 == 3:
		e.Location = header.Get("Location")
		e.Body = "a redirect with no Location"
		if e.Location != "" {
			e.Body = fmt.Sprintf("a redirect to %q (API calls never follow one)", e.Location)
		}
	case len(trimmed) == 0:
		e.Body = bodyEmpty
	case looksHTML(trimmed):
		e.Body = bodyHTML
	default:
		var eb errorBody
		if err := json.Unmarshal(trimmed, &eb); err != nil || len(eb.Data) == 0 {
			e.Body = bodyNotJSON
			if eb.CorrelationID != "" {
				e.CorrelationID = eb.CorrelationID
			}
			return e
		}
		if eb.CorrelationID != "" {
			e.CorrelationID = eb.CorrelationID
		}
		e.Items = eb.Data
	}
	return e
}

// looksHTML spots the error pages proxies and gateways send.
func looksHTML(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	if len(b) > 1024 {
		b = b[:1024]
	}
	lower := bytes.ToLower(b)
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<title"} {
		if bytes.Contains(lower, []byte(tag)) {
			return true
		}
	}
	return false
}

// correlationFromHeader reads a correlation id header, should Basiq or a
// gateway send one; the body's correlationId wins when both exist.
func correlationFromHeader(h http.Header) string {
	for _, k := range []string{"X-Correlation-Id", "Correlation-Id", "X-Request-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func correlationFromBody(body []byte) string {
	var eb struct {
		CorrelationID string `json:"correlationId"`
	}
	if json.Unmarshal(body, &eb) != nil {
		return ""
	}
	return eb.CorrelationID
}

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func hasCode(e *Error, code string) bool {
	for _, it := range e.Items {
		if it.Code == code {
			return true
		}
	}
	return false
}

// IsBadAPIKey: Basiq answers an unknown or wrong-environment key on /token
// with 404 parameter-not-valid (not 401), in its JSON error list. A 404
// without one is not Basiq's (IsNotBasiq): the key may be fine.
func IsBadAPIKey(err error) bool {
	if errors.Is(err, errNoKey) {
		return true
	}
	e, ok := asError(err)
	return ok && e.Path == "/token" && e.Status == http.StatusNotFound && len(e.Items) > 0
}

// IsNotBasiq: a 404 without Basiq's JSON error list, which every route of
// Basiq's (and the simulator's) gives: the API URL points at something
// else, a web server or a webhook handler on that port.
func IsNotBasiq(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusNotFound && len(e.Items) == 0
}

// IsTokenExpired: the token was rejected as expired (403 access-denied) or
// invalid (401 invalid-authorization-token).
func IsTokenExpired(err error) bool { return isTokenRejected(err) }

func isTokenRejected(err error) bool {
	return isRefusal(err, "access-denied", "invalid-authorization-token")
}

// IsWrongScope: the token is valid but may not do this (403 forbidden-access,
// or 401 unauthorized-access for a client token bound to another user).
func IsWrongScope(err error) bool { return isRefusal(err, "forbidden-access", "unauthorized-access") }

// isRefusal reports whether err is Basiq's 403 with the code forbidden or
// its 401 with the code unauthorized.
func isRefusal(err error, forbidden, unauthorized string) bool {
	e, ok := asError(err)
	return ok && ((e.Status == http.StatusForbidden && hasCode(e, forbidden)) ||
		(e.Status == http.StatusUnauthorized && hasCode(e, unauthorized)))
}

// IsNotFound: the user, job, account or institution does not exist.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusNotFound && e.Path != "/token"
}

// IsRateLimited: Basiq said too many requests.
func IsRateLimited(err error) bool {
	e, ok := asError(err)
	return ok && (e.Status == http.StatusTooManyRequests || hasCode(e, "too-many-requests"))
}

// IsUnavailable: Basiq or a gateway in front of it is down (5xx).
func IsUnavailable(err error) bool {
	e, ok := asError(err)
	return ok && (e.Status >= 500 || hasCode(e, "service-unavailable"))
}

// IsNetwork: no complete HTTP answer came (dial failure, reset, timeout, a
// body that broke off). A cancelled context is not a network failure. A POST
// /users that timed out is also UserMayExist: check that first.
func IsNetwork(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == 0 && !errors.Is(e.cause, context.Canceled)
}

// IsTimeout: one of the client's time bounds ended the call (Config's
// IdleTimeout, AttemptTimeout, CallTimeout): Basiq stopped answering, or
// took too long. Its message says which, in words a user understands. It
// is also IsNetwork, and context.DeadlineExceeded to errors.Is, as the
// caller's own deadline is; IsTimeout tells the two apart.
func IsTimeout(err error) bool {
	var t *timeoutError
	return errors.As(err, &t)
}

// UserMayExist reports whether err is a POST /users failure whose user may
// nevertheless have been created.
func UserMayExist(err error) bool {
	e, ok := asError(err)
	return ok && e.UserMayExist
}
