package basiq

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Exchange is one HTTP request and its answer, with secrets replaced, for
// the request inspector and --debug traces.
type Exchange struct {
	Time                          time.Time
	Method, URL                   string
	Status                        int // 0 when no answer came
	Duration                      time.Duration
	CorrelationID                 string
	RequestHeader, ResponseHeader http.Header
	RequestBody, ResponseBody     string
	Err                           string
}

const (
	redacted        = "[redacted]"
	keyPlaceholder  = "$BASIQ_API_KEY"
	tokenPlaceholer = "$BASIQ_TOKEN"
)

var accessTokenField = regexp.MustCompile(`("access_token"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// redactString replaces the API key and every token this client has seen.
func (c *Client) redactString(s string) string {
	if c.key != "" {
		s = strings.ReplaceAll(s, c.key, redacted)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range c.secrets {
		s = strings.ReplaceAll(s, t, redacted)
	}
	return s
}

// redactBody also blanks access_token fields, since a /token answer is
// traced before its token is known to the client.
func (c *Client) redactBody(b []byte) string {
	if b == nil {
		return ""
	}
	s := accessTokenField.ReplaceAllString(string(b), `$1"`+redacted+`"`)
	return c.redactString(s)
}

// redactHeader copies h with credentials replaced by the kind they are.
func (c *Client) redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization", "Proxy-Authorization":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " " + redacted
			case "Cookie", "Set-Cookie":
				v = redacted
			default:
				v = c.redactString(v)
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

// scrub removes secrets from everything an Error will print, in case a
// server echoes one back.
func (c *Client) scrub(e *Error) {
	for i := range e.Items {
		it := &e.Items[i]
		it.Code, it.Title, it.Detail = c.redactString(it.Code), c.redactString(it.Title), c.redactString(it.Detail)
		if it.Source != nil {
			src := *it.Source
			src.Pointer, src.Parameter = c.redactString(src.Pointer), c.redactString(src.Parameter)
			it.Source = &src
		}
	}
	e.CorrelationID = c.redactString(e.CorrelationID)
	e.Location, e.Body = c.redactString(e.Location), c.redactString(e.Body)
	if e.cause != nil {
		if msg := errorText(e.cause); c.redactString(msg) != msg {
			e.cause = scrubbedError{msg: c.redactString(msg), err: e.cause}
		}
	}
}

// scrubbedError keeps the chain (for errors.Is) but prints a cleaned message.
type scrubbedError struct {
	msg string
	err error
}

func (s scrubbedError) Error() string { return s.msg }
func (s scrubbedError) Unwrap() error { return s.err }

// Curl is a shell command repeating the request, with "$BASIQ_API_KEY" and
// "$BASIQ_TOKEN" where the credentials went.
func (x Exchange) Curl() string {
	var b strings.Builder
	b.WriteString("curl")
	if x.Method != "" && x.Method != http.MethodGet {
		b.WriteString(" -X " + x.Method)
	}
	b.WriteString(" " + shellQuote(x.URL))
	keys := make([]string, 0, len(x.RequestHeader))
	for k := range x.RequestHeader {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range x.RequestHeader[k] {
			if http.CanonicalHeaderKey(k) == "Authorization" {
				scheme, _, _ := strings.Cut(v, " ")
				switch strings.ToLower(scheme) {
				case "basic":
					b.WriteString(` -H "Authorization: Basic ` + keyPlaceholder + `"`)
				default:
					b.WriteString(` -H "Authorization: Bearer ` + tokenPlaceholer + `"`)
				}
				continue
			}
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	if x.RequestBody != "" {
		b.WriteString(" --data-raw " + shellQuote(x.RequestBody))
	}
	return b.String()
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
