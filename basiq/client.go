package basiq

import (
	"bytes"
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
	// A Retry-After longer than this is handed back to the caller rather
	// than waited out inside one call.
	maxRetryAfter = 2 * time.Minute
	// Basiq tokens live 60 minutes; its own samples refresh every 30, and we
	// never use one with less than 5 minutes left.
	tokenRefreshAge    = 30 * time.Minute
	tokenMinRemaining  = 5 * time.Minute
	defaultHTTPTimeout = 60 * time.Second
)

// Clock is the time source; tests pass a fake whose After fires at once.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a Client. Only APIKey is needed for the real API.
type Config struct {
	APIKey      string
	BaseURL     string // default DefaultBaseURL; http only for loopback hosts
	HTTPClient  *http.Client
	UserAgent   string         // default DefaultUserAgent
	Clock       Clock          // nil = the real clock
	Trace       func(Exchange) // once per attempt, secrets replaced; may be called concurrently
	MaxAttempts int            // per call, 0 = 4
	Jitter      func() float64 // in [0,1); nil = math/rand/v2
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

	flight singleflight.Group
	mu     sync.Mutex
	tok    serverToken
	// secrets holds every token this client has seen, so traces and
	// errors can be scrubbed of them.
	secrets map[string]bool
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
		http:      cfg.HTTPClient,
		userAgent: cfg.UserAgent,
		clock:     cfg.Clock,
		trace:     cfg.Trace,
		attempts:  cfg.MaxAttempts,
		jitter:    cfg.Jitter,
		secrets:   map[string]bool{},
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.attempts <= 0 {
		c.attempts = defaultMaxAttempts
	}
	if c.jitter == nil {
		c.jitter = rand.Float64
	}
	return c, nil
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
	// retrySafe: idempotent requests (GET, DELETE, /token) retry on network
	// errors, 429, 502, 503 and 504.
	retrySafe retryPolicy = iota
	// retryUnsent: requests that create something (POST /users) repeat only
	// when they provably never reached the server.
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
}

// call sends req with the server token and decodes a 2xx JSON body into out
// (nil = ignore the body). An expired or rejected token is refreshed once
// and the request repeated once: never in a loop.
func (c *Client) call(ctx context.Context, req request, out any) error {
	tok, err := c.serverToken(ctx)
	if err != nil {
		return err
	}
	body, err := c.send(ctx, req, tok)
	if isTokenRejected(err) {
		c.dropToken(tok)
		if tok, err = c.serverToken(ctx); err != nil {
			return err
		}
		body, err = c.send(ctx, req, tok)
	}
	if err != nil {
		return err
	}
	return c.decode(req, body, out)
}

func (c *Client) decode(req request, body []byte, out any) error {
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &Error{Status: http.StatusOK, Method: req.method, Path: req.path, Body: "an empty body"}
	}
	if err := json.Unmarshal(body, out); err != nil {
		e := &Error{Status: http.StatusOK, Method: req.method, Path: req.path, cause: err}
		if looksHTML(body) {
			e.Body = bodyHTML
		} else {
			e.Body = "a body that is not the JSON Basiq documents"
		}
		return e
	}
	return nil
}

// send performs req, retrying as its policy allows, and returns the body of
// a 2xx answer. Every other outcome is an *Error.
func (c *Client) send(ctx context.Context, req request, token string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			// Nothing was sent, so no user can have been created.
			return nil, &Error{Method: req.method, Path: req.path, cause: err}
		}
		status, header, body, sent, err := c.once(ctx, req, token)
		if err == nil && status >= 200 && status < 300 {
			return body, nil
		}
		var e *Error
		final := false
		switch {
		case errors.Is(err, errBodyTooBig):
			e = &Error{Status: status, CorrelationID: correlationFromHeader(header), Body: bodyTooBig}
			final = true
		case err != nil:
			e = &Error{cause: err}
		default:
			e = decodeError(status, header, body)
		}
		e.Method, e.Path = req.method, req.path
		c.scrub(e)
		if req.createsUser && ((err != nil && sent) || status >= 500) {
			// The server may have acted on it: Basiq does not de-duplicate users.
			e.UserMayExist = true
		}
		if ctx.Err() != nil {
			e.cause = ctx.Err()
			return nil, e
		}
		wait, ok := c.retryWait(req, attempt, status, header, err != nil, sent)
		if final || !ok {
			return nil, e
		}
		select {
		case <-ctx.Done():
			e.cause = ctx.Err()
			return nil, e
		case <-c.clock.After(wait):
		}
	}
}

// retryWait decides whether to try again and after how long.
func (c *Client) retryWait(req request, attempt, status int, header http.Header, noAnswer, sent bool) (time.Duration, bool) {
	if attempt >= c.attempts {
		return 0, false
	}
	switch {
	case noAnswer:
		if req.retry == retryUnsent && sent {
			return 0, false
		}
	case req.retry == retryUnsent:
		return 0, false // the server answered, so the request arrived
	case status == http.StatusTooManyRequests, status == http.StatusBadGateway,
		status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	if d, ok := retryAfter(header, c.clock.Now()); ok {
		if d > maxRetryAfter {
			return 0, false
		}
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

// once performs one HTTP exchange. sent reports whether any of the request
// may have reached the server; it is false only for failures before or
// while connecting.
func (c *Client) once(ctx context.Context, req request, token string) (status int, header http.Header, body []byte, sent bool, err error) {
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
		return 0, nil, nil, false, err
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
	x := Exchange{Time: start, Method: req.method, URL: u.String(), RequestHeader: c.redactHeader(hr.Header), RequestBody: c.redactBody(req.body)}
	defer func() {
		x.Duration = c.clock.Now().Sub(start)
		if err != nil {
			x.Err = c.redactString(errorText(err))
		}
		if c.trace != nil {
			c.trace(x)
		}
	}()

	resp, err := c.http.Do(hr)
	if err != nil {
		return 0, nil, nil, !neverSent(err), err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	x.Status = resp.StatusCode
	x.ResponseHeader = c.redactHeader(resp.Header)
	x.CorrelationID = c.redactString(correlationFromHeader(resp.Header))
	if err != nil {
		return 0, nil, nil, true, err
	}
	if len(body) > maxBodyBytes {
		x.ResponseBody = "(over 10 MiB, not kept)"
		// An oversized body is an error whatever the status.
		return resp.StatusCode, resp.Header, nil, true, errBodyTooBig
	}
	x.ResponseBody = c.redactBody(body)
	if id := correlationFromBody(body); id != "" {
		x.CorrelationID = c.redactString(id)
	}
	return resp.StatusCode, resp.Header, body, true, nil
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
		// this fetch. It is still bounded by the retry budget.
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
		return "", ctx.Err()
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
	req := request{
		method: http.MethodPost, path: "/token", body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", auth: authBasic, retry: retrySafe,
	}
	body, err := c.send(ctx, req, "")
	if err != nil {
		return "", time.Time{}, err
	}
	var tr tokenResponse
	if err := c.decode(req, body, &tr); err != nil {
		return "", time.Time{}, err
	}
	if tr.AccessToken == "" {
		return "", time.Time{}, &Error{Status: http.StatusOK, Method: req.method, Path: req.path, Body: "a token response without an access_token"}
	}
	c.mu.Lock()
	c.secrets[tr.AccessToken] = true
	c.mu.Unlock()
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour // Basiq documents 3600 s always
	}
	return tr.AccessToken, c.clock.Now().Add(life), nil
}
