package basiq

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	DefaultBaseURL     = "https://au-api.basiq.io"
	DefaultConsentBase = "https://consent.basiq.io/home"
	DefaultUserAgent   = "basiq-onboard/dev"

	apiVersion         = "3.0"
	maxBodyBytes       = 10 << 20
	defaultMaxAttempts = 4
	backoffBase        = 500 * time.Millisecond
	backoffCap         = 30 * time.Second
	// Basiq tokens live 60 minutes; its own samples refresh every 30, and we
	// never use one with less than 5 minutes left.
	tokenRefreshAge   = 30 * time.Minute
	tokenMinRemaining = 5 * time.Minute

	// Basiq answers in well under a second, so 15s of silence means it has
	// stopped. An attempt gets half the call's budget, leaving room for one
	// retry of an attempt that timed out. The call's 60s is what Basiq's own
	// JS SDK allows a request.
	defaultIdleTimeout    = 15 * time.Second
	defaultAttemptTimeout = 30 * time.Second
	defaultCallTimeout    = 60 * time.Second
)

// Clock is the time source; tests pass a fake whose After fires at once.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock: what every Clock is outside tests.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a Client. Only APIKey is needed for the real API.
type Config struct {
	APIKey  string
	BaseURL string // default DefaultBaseURL; http only for loopback hosts
	// HTTPClient's transport is used; its redirect policy is not: a 3xx
	// comes back as an error, never followed. Nil = http.DefaultTransport.
	HTTPClient *http.Client
	UserAgent  string         // default DefaultUserAgent
	Clock      Clock          // nil = the real clock; it times the waits between retries
	Trace      func(Exchange) // once per attempt, secrets replaced; may be called concurrently
	// Redactor hides secrets in traces and errors; the client tells it the
	// key and every token it sees. Nil: one of the client's own.
	Redactor    *Redactor
	MaxAttempts int            // per call, 0 = 4
	Jitter      func() float64 // in [0,1); nil = math/rand/v2

	// Time bounds, 0 = the default; running out of one is IsTimeout.
	// IdleTimeout ends an attempt when Basiq sends nothing for that long
	// (waiting for its answer to start, or between reads of its body): 15s.
	// AttemptTimeout ends an attempt that takes longer in all: 30s.
	// CallTimeout ends a call, its token, retries and the waits between them
	// included: 60s. A Retry-After that would outlast it is not waited out.
	IdleTimeout, AttemptTimeout, CallTimeout time.Duration
}

// Client talks to the Basiq API v3 with a cached server token.
type Client struct {
	key       string
	base      *url.URL
	http      *http.Client
	userAgent string
	clock     Clock
	trace     func(Exchange)
	attempts  int
	jitter    func() float64

	idleTimeout, attemptTimeout, callTimeout      time.Duration
	stoppedAnswering, attemptTooLong, callTooLong *timeoutError

	flight singleflight.Group
	mu     sync.Mutex
	tok    serverToken
	// redact knows the key and every token this client has seen, so traces
	// and errors can be scrubbed of them.
	redact *Redactor
	// userTokens are CLIENT_ACCESS tokens by the user they are bound to
	// (AnswerMFA's); the consent link's are never kept.
	userTokens map[string]serverToken
}

type serverToken struct {
	value           string
	issued, expires time.Time
}

// New checks the configuration and returns a client. It makes no request.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := checkBaseURL(raw)
	if err != nil {
		return nil, err
	}
	c := &Client{
		key:       strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.APIKey), "Basic ")),
		base:      base,
		http:      noRedirects(cfg.HTTPClient),
		userAgent: cfg.UserAgent,
		clock:     cfg.Clock,
		trace:     cfg.Trace,
		attempts:  cfg.MaxAttempts,
		jitter:    cfg.Jitter,
		redact:    cfg.Redactor,

		userTokens: map[string]serverToken{},
	}
	if c.redact == nil {
		c.redact = NewRedactor()
	}
	c.redact.Remember(c.key)
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.clock == nil {
		c.clock = RealClock{}
	}
	if c.attempts <= 0 {
		c.attempts = defaultMaxAttempts
	}
	if c.jitter == nil {
		c.jitter = rand.Float64
	}
	c.idleTimeout = cmp.Or(cfg.IdleTimeout, defaultIdleTimeout)
	c.attemptTimeout = cmp.Or(cfg.AttemptTimeout, defaultAttemptTimeout)
	c.callTimeout = cmp.Or(cfg.CallTimeout, defaultCallTimeout)
	c.stoppedAnswering = &timeoutError{"Basiq stopped answering (nothing came for " + seconds(c.idleTimeout) + ")"}
	c.attemptTooLong = &timeoutError{"Basiq took too long to answer (over " + seconds(c.attemptTimeout) + ")"}
	c.callTooLong = &timeoutError{"Basiq took too long: gave up after " + seconds(c.callTimeout) + ", retries included"}
	return c, nil
}

// noRedirects copies hc so that a 3xx comes back as the answer: following
// it would send the key or token, and the body, wherever the server said.
func noRedirects(hc *http.Client) *http.Client {
	c := &http.Client{}
	if hc != nil {
		copied := *hc
		c = &copied
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// seconds writes d as "15s" or "0.2s", not "1m0s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// timeoutError is one of the client's time bounds running out. Like any
// deadline, it is context.DeadlineExceeded to errors.Is.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string        { return e.msg }
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// withBudget bounds one call: its attempts, the waits between them and the
// token it needs.
func (c *Client) withBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, c.callTimeout, c.callTooLong)
}

// checkBaseURL refuses anything but https, except plain http to this machine
// (the simulator): the key and tokens must not cross a network in clear text.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("basiq: base URL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("basiq: base URL %q uses plain http; only https is allowed except for localhost", raw)
		}
	default:
		return nil, fmt.Errorf("basiq: base URL %q must use https", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("basiq: base URL %q must not carry a query, fragment or user info", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL is the API base the client talks to, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// authKind says which credential a request carries.
type authKind int

const (
	authBearer authKind = iota // the server token
	authBasic                  // the API key (POST /token only)
	authNone
)

// retryPolicy says when a failed attempt may be repeated.
type retryPolicy int

const (
	// retrySafe: idempotent requests (GET, DELETE, /token) retry on no
	// answer, 429, 502, 503 and 504.
	retrySafe retryPolicy = iota
	// retryUnsent: requests that create something (POST /users) repeat only
	// when the server provably did nothing: they never reached it, or it
	// refused them with 429.
	retryUnsent
)

type request struct {
	method      string
	path        string // absolute path, e.g. /users/{id}
	query       url.Values
	body        []byte
	contentType string
	auth        authKind
	retry       retryPolicy
	createsUser bool // a failure after sending sets Error.UserMayExist
	// tracedBody, when set, is what the trace shows for a body that holds a
	// secret (an MFA answer); hide are those secrets, cut from the answer
	// and the error too.
	tracedBody string
	hide       []string
	// stream, when set, reads a 2xx body as it arrives instead of keeping it
	// whole (GET /events: a week of events is megabytes, most of them seen
	// already); its error is the body's, told as decode tells a kept one's.
	stream func(io.Reader) error
}

// answer is a complete HTTP answer; a streamed one keeps only the start of
// its body (for the trace and to tell an HTML page) and how reading it ended.
type answer struct {
	status    int
	header    http.Header
	body      []byte
	streamErr error
}

// getJSON fetches path and decodes it into a T.
func getJSON[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	err := c.call(ctx, get(path, nil), &out)
	return out, err
}

// callJSON is call with body, encoded as JSON, as the request's body.
func (c *Client) callJSON(ctx context.Context, req request, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req.body, req.contentType = b, "application/json"
	return c.call(ctx, req, out)
}

// call sends req with the server token and decodes a 2xx JSON body into out
// (nil = ignore the body), within one call budget. An expired or rejected
// token is refreshed once and the request repeated once: never in a loop.
func (c *Client) call(ctx context.Context, req request, out any) error {
	ctx, cancel := c.withBudget(ctx)
	defer cancel()
	tok, err := c.serverToken(ctx)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, req, tok, out)
	if isTokenRejected(err) {
		c.dropToken(tok)
		if tok, err = c.serverToken(ctx); err != nil {
			return err
		}
		_, err = c.send(ctx, req, tok, out)
	}
	return err
}

// decode reads a 2xx answer into out. A body it cannot read after a POST
// /users means the user may exist: the server said it was done.
func (c *Client) decode(req request, a answer, out any) error {
	if out == nil && req.stream == nil {
		return nil
	}
	body := bytes.TrimSpace(a.body)
	var err error
	switch {
	case req.stream != nil:
		err = a.streamErr
	case len(body) > 0:
		err = json.NewDecoder(bytes.NewReader(body)).Decode(out)
	}
	e := &Error{Status: a.status, Method: req.method, Path: req.path, CorrelationID: correlationFromHeader(a.header), UserMayExist: req.createsUser, cause: err}
	switch {
	case len(body) == 0:
		e.Body = bodyEmpty
	case err == nil:
		if u, ok := out.(*User); !ok || !req.createsUser || u.ID != "" {
			return nil
		}
		e.Body = bodyNoUserID
	case errors.Is(err, errTooManyEvents), errors.Is(err, errEventTooBig):
		e.Body = err.Error()
	case looksHTML(body):
		e.Body = bodyHTML
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Body = bodyCut
	default:
		e.Body = bodyUndocumented
	}
	c.scrub(e)
	e.hide(req.hide)
	return e
}

// send performs req, retrying as its policy allows and its context's
// deadline leaves time for, and returns a 2xx answer decoded into out (nil:
// the body is not read). Every other outcome is an *Error.
func (c *Client) send(ctx context.Context, req request, token string, out any) (answer, error) {
	attempt := 0 // attempts that count against MaxAttempts
	for {
		if ctx.Err() != nil {
			// Nothing was sent, so no user can have been created.
			return answer{}, &Error{Method: req.method, Path: req.path, cause: context.Cause(ctx)}
		}
		a, sent, err := c.once(ctx, req, token)
		var e *Error
		switch {
		case err == nil && a.status/100 == 2:
			err := c.decode(req, a, out)
			if err == nil || req.retry != retrySafe || errors.Is(err, errTooManyEvents) || errors.Is(err, errEventTooBig) {
				return a, err // (a list past its bounds comes the same again)
			}
			// A 2xx whose body cannot be read (cut short, a proxy's page) is
			// asked for again, as if no answer came: the request changes nothing.
			e, a = err.(*Error), answer{}
		default:
			e = c.failure(req, a, sent, err)
		}
		if ctx.Err() != nil || errors.Is(err, errBodyTooBig) {
			return answer{}, e
		}
		// Basiq saying when to come back is not a failure to count: such
		// waits are bounded by the call's budget alone.
		if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
			attempt++
		}
		wait, ok := c.retryWait(req, attempt, a, err != nil || a.status == 0, sent)
		if !ok || !timeLeft(ctx, wait) {
			return answer{}, e
		}
		select {
		case <-ctx.Done():
			e.cause = context.Cause(ctx)
			return answer{}, e
		case <-c.clock.After(wait):
		}
	}
}

// failure describes an attempt that did not bring a 2xx answer. sent says
// whether the request may have reached the server.
func (c *Client) failure(req request, a answer, sent bool, err error) *Error {
	var e *Error
	switch {
	case errors.Is(err, errBodyTooBig):
		e = &Error{Status: a.status, CorrelationID: correlationFromHeader(a.header), Body: bodyTooBig}
	case err != nil && a.status != 0:
		e = &Error{cause: &brokenBody{status: a.status, err: err}}
	case err != nil:
		e = &Error{cause: err}
	default:
		e = decodeError(a.status, a.header, a.body)
	}
	e.Method, e.Path = req.method, req.path
	if req.createsUser && ((err != nil && sent) || a.status >= 500) {
		// The server may have acted on it: Basiq does not de-duplicate users.
		e.UserMayExist = true
	}
	c.scrub(e)
	e.hide(req.hide)
	return e
}

// brokenBody is an answer whose status and headers came but whose body
// did not, all of it.
type brokenBody struct {
	status int
	err    error
}

func (b *brokenBody) Error() string {
	return fmt.Sprintf("%d %s came, then the body broke off: %s", b.status, http.StatusText(b.status), errorText(b.err))
}

func (b *brokenBody) Unwrap() error { return b.err }

// timeLeft reports whether waiting d still ends before ctx's deadline: a
// wait that would outlast the call hands the error back at once instead.
func timeLeft(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// retryWait decides whether to try again and after how long.
func (c *Client) retryWait(req request, attempt int, a answer, noAnswer, sent bool) (time.Duration, bool) {
	if attempt >= c.attempts {
		return 0, false
	}
	switch {
	case noAnswer:
		if req.retry == retryUnsent && sent {
			return 0, false
		}
	case a.status == http.StatusTooManyRequests:
		// Refused, so not done: even a request that creates may be repeated.
	case req.retry == retryUnsent:
		return 0, false // the server answered, so the request arrived
	case a.status == http.StatusBadGateway, a.status == http.StatusServiceUnavailable, a.status == http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	if d, ok := retryAfter(a.header, c.clock.Now()); ok {
		return d, true
	}
	// Exponential backoff with full jitter: a random wait up to the cap, so
	// many clients do not retry in step.
	ceiling := backoffBase << (attempt - 1)
	if ceiling > backoffCap || ceiling <= 0 {
		ceiling = backoffCap
	}
	return time.Duration(c.jitter() * float64(ceiling)), true
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// once performs one HTTP exchange, ended early when the server sends
// nothing for the idle bound or the whole takes longer than the attempt
// bound. sent reports whether any of the request may have reached the
// server; it is false only for failures before or while connecting. A
// status with an error means the body broke off.
func (c *Client) once(ctx context.Context, req request, token string) (a answer, sent bool, err error) {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	tooLong := time.AfterFunc(c.attemptTimeout, func() { stop(c.attemptTooLong) })
	defer tooLong.Stop()
	idle := time.AfterFunc(c.idleTimeout, func() { stop(c.stoppedAnswering) })
	defer idle.Stop()
	stillSending := func() { idle.Reset(c.idleTimeout) }

	u := *c.base
	u.Path = c.base.Path + req.path
	u.RawPath = ""
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}
	var rd io.Reader
	if req.body != nil {
		rd = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), rd)
	if err != nil {
		return answer{}, false, err
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("basiq-version", apiVersion)
	hr.Header.Set("User-Agent", c.userAgent)
	if req.contentType != "" {
		hr.Header.Set("Content-Type", req.contentType)
	}
	switch req.auth {
	case authBasic:
		hr.Header.Set("Authorization", "Basic "+c.key)
	case authBearer:
		hr.Header.Set("Authorization", "Bearer "+token)
	}

	start := c.clock.Now()
	x := Exchange{Time: start, Method: req.method, URL: c.redactString(u.String()), RequestHeader: c.redactHeader(hr.Header),
		RequestBody: c.redactBody(req.body), RequestBytes: len(req.body)}
	if req.tracedBody != "" {
		x.RequestBody = req.tracedBody
	}
	defer func() {
		x.Duration = c.clock.Now().Sub(start)
		if err != nil {
			x.Err = hideAll(c.redactString(errorText(err)), req.hide)
		}
		x.ResponseBody = hideAll(x.ResponseBody, req.hide)
		if c.trace != nil {
			c.trace(x)
		}
	}()

	resp, err := c.http.Do(hr)
	if err != nil {
		return answer{}, !neverSent(err), whyEnded(ctx, err)
	}
	defer resp.Body.Close()
	stillSending()
	a = answer{status: resp.StatusCode, header: resp.Header}
	x.Status = resp.StatusCode
	x.ResponseHeader = c.redactHeader(resp.Header)
	x.CorrelationID = c.redactString(correlationFromHeader(resp.Header))
	if req.stream != nil && a.status/100 == 2 {
		return c.readStream(ctx, req, a, resp.Body, stillSending, &x)
	}
	body, err := io.ReadAll(io.LimitReader(activityReader{resp.Body, stillSending}, maxBodyBytes+1))
	if err != nil {
		return a, true, whyEnded(ctx, err)
	}
	x.ResponseBytes = len(body)
	if req.path == tokenPath {
		// A token answer is never kept, whole or cut, whatever its status:
		// what is left of a token in it is remembered, so that it is hidden
		// wherever else it turns up.
		x.ResponseNotKept = true
		if m := accessTokenValue.FindSubmatch(body); m != nil {
			c.redact.Remember(string(m[1]))
		}
	} else {
		x.ResponseBody = c.redactBody(body)
	}
	if len(body) > maxBodyBytes {
		// An oversized body is an error whatever the status.
		return a, true, errBodyTooBig
	}
	a.body = body
	if a.status >= 400 { // Basiq's error list holds it; an answer that worked is not read twice (a week of events is megabytes)
		if id := correlationFromBody(body); id != "" {
			x.CorrelationID = c.redactString(id)
		}
	}
	return a, true, nil
}

// readStream hands a 2xx body to req.stream as it arrives, keeping its
// first TraceBodyLimit bytes for the trace and for decode. A transport
// failure is the attempt's error, as a kept body's; the stream's own error
// (not JSON, cut short, over its bounds) is the answer's, for decode.
func (c *Client) readStream(ctx context.Context, req request, a answer, body io.Reader, stillSending func(), x *Exchange) (answer, bool, error) {
	r := &streamReader{r: activityReader{body, stillSending}}
	streamErr := req.stream(r)
	x.ResponseBytes = r.n
	x.ResponseBody = c.redact.String(CutBytes(string(r.head), TraceBodyLimit))
	if r.err != nil && !errors.Is(r.err, io.EOF) {
		return a, true, whyEnded(ctx, r.err)
	}
	a.body, a.streamErr = r.head, streamErr
	if a.body == nil {
		a.body = []byte{} // read, and empty
	}
	return a, true, nil
}

// streamReader counts what it reads, keeps the start of it, and remembers
// how reading ended.
type streamReader struct {
	r    io.Reader
	n    int
	head []byte
	err  error
}

func (s *streamReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += n
	if room := TraceBodyLimit - len(s.head); room > 0 {
		s.head = append(s.head, p[:min(n, room)]...)
	}
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// activityReader calls active whenever bytes arrive, so that a body that
// keeps coming is not taken for a server that stopped.
type activityReader struct {
	r      io.Reader
	active func()
}

func (a activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.active()
	}
	return n, err
}

// whyEnded gives the reason ctx ended (a time bound, the caller's cancel),
// rather than the transport's report of it, when it has.
func whyEnded(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// neverSent reports failures that happen before a connection exists: the
// request cannot have reached the server, so even a POST may be repeated.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// errorText is err's message without url.Error's "Get \"...\": " prefix.
func errorText(err error) string {
	var dial *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) && errors.As(err, &dial) && dial.Addr != nil {
		// The usual cause on this machine: the simulator not started, or another port.
		return "nothing listens at " + dial.Addr.String() + " (connection refused)"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// Authenticate gets a server token, or reuses the cached one.
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.serverToken(ctx)
	return err
}

func (c *Client) tokenFresh(t serverToken) bool {
	now := c.clock.Now()
	return t.value != "" && now.Sub(t.issued) < tokenRefreshAge && t.expires.Sub(now) > tokenMinRemaining
}

// serverToken returns a usable server token. Concurrent callers on a cold or
// stale cache share one POST /token.
func (c *Client) serverToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	t := c.tok
	c.mu.Unlock()
	if c.tokenFresh(t) {
		return t.value, nil
	}
	ch := c.flight.DoChan("server", func() (any, error) {
		c.mu.Lock()
		t := c.tok
		c.mu.Unlock()
		if c.tokenFresh(t) {
			return t.value, nil
		}
		// Detached from the first caller's cancellation: the others share
		// this fetch. fetchToken gives it a call budget of its own.
		value, expires, err := c.fetchToken(context.WithoutCancel(ctx), url.Values{"scope": {"SERVER_ACCESS"}})
		if err != nil {
			return "", err
		}
		c.mu.Lock()
		c.tok = serverToken{value: value, issued: c.clock.Now(), expires: expires}
		c.mu.Unlock()
		return value, nil
	})
	select {
	case <-ctx.Done():
		return "", &Error{Method: http.MethodPost, Path: "/token", cause: context.Cause(ctx)}
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// dropToken forgets tok if it is still the cached one, so that one refresh
// serves every caller that saw it rejected.
func (c *Client) dropToken(tok string) {
	c.mu.Lock()
	if c.tok.value == tok {
		c.tok = serverToken{}
	}
	c.mu.Unlock()
}

// ClientToken mints a CLIENT_ACCESS token bound to userID, for the consent
// UI. It is not cached: each consent URL gets a fresh one.
func (c *Client) ClientToken(ctx context.Context, userID string) (string, time.Time, error) {
	if err := ValidateID(userID); err != nil {
		return "", time.Time{}, err
	}
	return c.fetchToken(ctx, url.Values{"scope": {"CLIENT_ACCESS"}, "userId": {userID}})
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

var errBodyTooBig = errors.New("response body over 10 MiB")

var errNoKey = errors.New("basiq: no API key: paste the key from the Basiq dashboard")

func (c *Client) fetchToken(ctx context.Context, form url.Values) (string, time.Time, error) {
	if c.key == "" {
		return "", time.Time{}, errNoKey
	}
	ctx, cancel := c.withBudget(ctx)
	defer cancel()
	req := request{
		method: http.MethodPost, path: tokenPath, body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", auth: authBasic, retry: retrySafe,
	}
	var tr tokenResponse
	a, err := c.send(ctx, req, "", &tr)
	if err != nil {
		return "", time.Time{}, err
	}
	if tr.AccessToken == "" {
		return "", time.Time{}, &Error{Status: a.status, Method: req.method, Path: req.path, Body: bodyNoToken}
	}
	c.redact.Remember(tr.AccessToken)
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour // Basiq documents 3600 s always
	}
	return tr.AccessToken, c.clock.Now().Add(life), nil
}
