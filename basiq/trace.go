package basiq

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
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
	// RequestBody and ResponseBody are the bodies with secrets hidden, cut
	// to their first TraceBodyLimit bytes; RequestBytes and ResponseBytes
	// are their whole lengths (of what was read, for an answer over 10 MiB).
	RequestBody, ResponseBody   string
	RequestBytes, ResponseBytes int
	// ResponseNotKept is set for the token route's answer: its body is
	// never kept, whole or cut (ResponseBody is ""), only its length.
	ResponseNotKept bool
	Err             string
}

// TraceBodyLimit is how much of a body a trace keeps.
const TraceBodyLimit = 64 << 10

const (
	redacted        = Redacted
	keyPlaceholder  = "$BASIQ_API_KEY"
	tokenPlaceholer = "$BASIQ_TOKEN"
	tokenPath       = "/token"
)

// accessTokenValue is what a token answer holds of its token, closed or cut.
var accessTokenValue = regexp.MustCompile(`"access_token"\s*:\s*"((?:[^"\\]|\\.)*)`)

// redactString replaces the API key, every token this client has seen and
// anything shaped like a secret.
func (c *Client) redactString(s string) string { return c.redact.String(s) }

// redactBody is a body as a trace keeps it: its first TraceBodyLimit
// bytes (whole characters), secrets hidden. Cut first, so that a huge body
// costs no more than a small one; the redactor holds on cut text.
func (c *Client) redactBody(b []byte) string {
	if b == nil {
		return ""
	}
	return c.redact.String(CutBytes(string(b), TraceBodyLimit))
}

// CutBytes is s cut to at most n bytes, at the end of a whole character.
func CutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
	b.WriteString(" " + ShellWord(x.URL))
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
			b.WriteString(" -H " + ShellWord(k+": "+v))
		}
	}
	if x.RequestBody != "" {
		b.WriteString(" --data-raw " + ShellWord(x.RequestBody))
	}
	return b.String()
}

// plainShellWord needs no quotes, in a command or in ${VAR:-…}.
var plainShellWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellWord is s as one word of a POSIX shell: as it is when that is safe,
// else single-quoted. Every command the program writes (a curl, the
// exported script, the summary's lines) quotes with it.
func ShellWord(s string) string {
	if plainShellWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
