// Package simulator is a local Basiq API v3 that behaves like the real one:
// the same paths, status codes, error bodies, job steps and sandbox personas,
// and a consent page standing in for consent.basiq.io. It is written from
// Basiq's documentation and spec, not from the client in basiq/, which it
// does not import: a misunderstanding in one cannot hide in the other.
//
// Jobs progress lazily: a step's status is worked out from the clock when
// the job is read, so there is no goroutine per job and tests with a fake
// clock (or a zero step delay) never wait.
package simulator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// DemoAPIKey is the one API key the simulator accepts. It looks like a real
// Basiq key (base64 of "application:secret") and says what it is.
const DemoAPIKey = "ZGVtby1hcHBsaWNhdGlvbjpub3QtYS1yZWFsLWtleS1iYXNpcS1vbmJvYXJkLXNpbXVsYXRvcg=="

// Clock is the time the simulator sees; tests pass a fake one.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Options configure a simulator.
type Options struct {
	StepDelay   time.Duration // how long each job step takes; 0 = done at once
	Clock       Clock         // nil = the real clock
	Faults      Faults        // misbehaviour on purpose: ParseFaults or MustParseFaults of a spec; zero = none
	RedirectURL string        // where the consent page sends the browser; "" = a "return to the terminal" page
	Seed        int64         // seeds ids and faults; 0 = random ids
	MaxUsers    int           // users kept at most, the oldest dropped first; 0 = DefaultMaxUsers

	// WebhookTimeScale multiplies the webhooks' retry schedule (not the 15 s
	// an attempt may take): 0.001 makes 5 min 0.3 s. 0 = 1.
	WebhookTimeScale float64
	// WebhookFaults make chosen deliveries misbehave on purpose
	// (webhook.ParseFaults of a --webhook-faults spec); zero = none.
	WebhookFaults webhook.Faults
	// WebhookTransport carries the deliveries (tests: an in-memory network);
	// nil = loopback connections of the engine's own.
	WebhookTransport http.RoundTripper
	// WebhookObserve, if set, is handed each delivery attempt once it is
	// recorded (what GET …/messages/{id} shows from then on); it must not
	// block.
	WebhookObserve func(webhook.Attempt)
}

// DefaultMaxUsers bounds the memory of a simulator left running.
const DefaultMaxUsers = 10000

// Server is one simulated Basiq: its users, connections and jobs live as
// long as it does, in memory only.
type Server struct {
	opts   Options
	clock  Clock
	secret []byte // signs tokens
	faults *faultState
	ids    *idSource

	mu        sync.Mutex
	users     map[string]*user
	userOrder []string // oldest first
	jobs      map[string]*job
	conns     map[string]*connection
	authLinks map[string]*authLink // every user's, by id: replaced ones too, which answer 410
	ev        eventLog             // the events, the webhooks and the jobs whose steps have events to come

	handler  http.Handler
	base     string
	httpSrv  *http.Server
	stopped  chan struct{} // closed by Close
	stopOnce sync.Once
}

type user struct {
	id, email, mobile         string
	firstName, lastName, name string
	middleName                string
	jobs                      []string // newest last
	conns                     []string
	consents                  []*consent // oldest first
	authLink                  string     // the latest auth link's id; "" for none
	authLinks                 []string   // every auth link made for the user
}

type connection struct {
	id, userID, institution string
	persona                 personaData // who logged in last; zero until a login works
	failure                 *failure    // nil: the login works
	created                 time.Time
	// deleted: DELETE …/connections/{id} took it off the lists; its accounts
	// and transactions stay on the user, as Basiq documents.
	deleted bool
	// dataFrom is the index in the user's jobs of the first one whose data
	// counts: a purge drops what the jobs before it retrieved.
	dataFrom   int
	accountIDs []string
	accounts   []accountData
	announced  string // the status its events last told: "", pending, active or invalid
}

type job struct {
	id, userID, connID, institution string
	created                         time.Time
	steps                           []string
	failure                         *failure   // fails at the first step
	mfa                             *challenge // what the mfa-challenge step asks; nil when the login fails first
	answer                          *mfaAnswer // nil until answered
}

// New makes a simulator. Start it, or mount Handler yourself.
func New(o Options) *Server {
	s := &Server{
		opts:      o,
		clock:     o.Clock,
		secret:    make([]byte, 32),
		users:     map[string]*user{},
		jobs:      map[string]*job{},
		conns:     map[string]*connection{},
		authLinks: map[string]*authLink{},
		stopped:   make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.opts.MaxUsers <= 0 {
		s.opts.MaxUsers = DefaultMaxUsers
	}
	_, _ = rand.Read(s.secret)
	s.ids = newIDSource(o.Seed)
	s.ev.init(o.Seed)
	s.faults = newFaultState(o.Faults, o.Seed, s.stopped)
	s.handler = s.routes()
	return s
}

// Handler serves the API and the consent page.
func (s *Server) Handler() http.Handler { return s.handler }

// Heal ends the misbehaviour asked for with Options.Faults: from now on
// every request is answered as asked (latency too). Tests use it to see a
// client recover once the trouble is over.
func (s *Server) Heal() { s.faults.heal() }

// Start listens on addr (e.g. "127.0.0.1:0" for a free port) and serves in
// the background. It returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.base = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s.base, nil
}

// Close stops serving and waits (briefly) for requests in flight; requests
// hung on purpose (the hang fault) end at once.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stopped) })
	s.stopDelivering()
	if s.httpSrv == nil {
		return nil
	}
	// Answers in flight get a moment to finish; a client that went away
	// mid-request (its run ended) leaves a connection Shutdown would wait
	// on for nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := s.httpSrv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.httpSrv.Close()
	}
	return err
}

// ConsentBase is the consent page's address (after Start).
func (s *Server) ConsentBase() string { return s.base + "/consent/home" }

// baseURL is the absolute base for links: the listener's, or the request's host.
func (s *Server) baseURL(r *http.Request) string {
	if s.base != "" {
		return s.base
	}
	return "http://" + r.Host
}

// ConsentOption changes what CompleteConsent does.
type ConsentOption func(*consentRequest)

type consentRequest struct {
	connectionID string   // "": a new connection
	mfaAnswers   []string // nil: a challenge waits for AnswerMFA or POST /jobs/{id}/mfa
}

// MFAResponse answers the bank's multi-factor challenge, if it asks one, as
// soon as it does: PersonaMFA gives a sandbox login's answers.
func MFAResponse(answers ...string) ConsentOption {
	return func(r *consentRequest) { r.mfaAnswers = answers }
}

// UpdateConnection logs in again on an existing connection, as the consent
// page does with ?connectionId=: the new job is that connection's.
func UpdateConnection(connectionID string) ConsentOption {
	return func(r *consentRequest) { r.connectionID = connectionID }
}

// CompleteConsent does what submitting the consent page does: for the user
// the client token is bound to, consent (unless given already), a connection
// to institutionID as loginID, and a job. It returns the job ids, as the
// consent redirect would. institutionID may be "" with UpdateConnection.
func (s *Server) CompleteConsent(ctx context.Context, clientToken, institutionID, loginID, password string, opts ...ConsentOption) ([]string, error) {
	userID, err := s.clientUser(ctx, clientToken)
	if err != nil {
		return nil, err
	}
	var req consentRequest
	for _, o := range opts {
		o(&req)
	}
	id, err := s.connect(userID, institutionID, loginID, password, req)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// AnswerMFA answers the challenge a job of the token's user is waiting on,
// as the consent page's second page does. A wrong answer fails the step (and
// is returned as an error); so does one that comes too late.
func (s *Server) AnswerMFA(ctx context.Context, clientToken, jobID string, answers ...string) error {
	userID, err := s.clientUser(ctx, clientToken)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[jobID]
	if !ok || j.userID != userID {
		return fmt.Errorf("the user has no job %q", jobID)
	}
	return s.answerMFA(j, answers, s.clock.Now())
}

// clientUser is the user a client token is bound to.
func (s *Server) clientUser(ctx context.Context, clientToken string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	claims, apiErr := s.checkToken("Bearer " + clientToken)
	switch {
	case apiErr != nil:
		return "", fmt.Errorf("consent: %s", apiErr.detail)
	case claims.Scope != scopeClient || claims.UserID == "":
		return "", errors.New("consent: the token is not a client token bound to a user")
	}
	return claims.UserID, nil
}

// connect gives consent where the user has none, logs in to a new
// connection (or again to req.connectionID) and starts its job; the job fails
// later, as the sandbox does, when the login is wrong.
func (s *Server) connect(userID, institutionID, loginID, password string, req consentRequest) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectLocked(userID, institutionID, loginID, password, req)
}

// connectLocked is connect with s.mu held.
func (s *Server) connectLocked(userID, institutionID, loginID, password string, req consentRequest) (string, error) {
	u, ok := s.users[userID]
	if !ok {
		return "", errors.New("the user no longer exists")
	}
	now := s.clock.Now()
	s.settleConsents(u, now) // an expired consent's connections are gone before any is looked for
	var c *connection
	if req.connectionID != "" {
		c = s.userConnection(u, req.connectionID)
		switch {
		case c == nil:
			return "", fmt.Errorf("the user has no connection %q", req.connectionID)
		case institutionID != "" && institutionID != c.institution:
			return "", fmt.Errorf("connection %s is to %s, not %s", c.id, c.institution, institutionID)
		}
	} else {
		if _, ok := findInstitution(institutionID); !ok {
			return "", fmt.Errorf("institution %q is not in the sandbox", institutionID)
		}
		c = &connection{id: s.ids.uuid(), userID: userID, institution: institutionID, created: now}
	}
	s.giveConsent(u, now)
	if req.connectionID == "" {
		s.conns[c.id] = c
		u.conns = append(u.conns, c.id)
		s.raiseConnection(u, c, "created", now)
	}
	s.logIn(c, loginID, password)
	j := s.newJob(u, c, now)
	if req.mfaAnswers != nil {
		j.answer = &mfaAnswer{at: now, values: req.mfaAnswers}
		s.rewatch(j) // the challenge ends when it starts, not when it would expire: its events come with its steps
	}
	return j.id, nil
}

// logIn checks a login at c's bank: a persona's data comes with its first
// good login (its account ids stay while the same persona logs in again).
func (s *Server) logIn(c *connection, loginID, password string) {
	p, known := findPersona(loginID)
	switch {
	case !known || p.Password != password:
		c.failure = wrongLogin
	case p.Failure != nil:
		c.failure = p.Failure
	default:
		c.failure = nil
		if c.persona.Login == p.Login {
			return
		}
		c.persona, c.accounts, c.accountIDs = p, p.Accounts, nil
		for range p.Accounts {
			c.accountIDs = append(c.accountIDs, s.ids.uuid())
		}
	}
}

// userConnection is one of u's connections that has not been deleted, or nil.
func (s *Server) userConnection(u *user, id string) *connection {
	c, ok := s.conns[id]
	if !ok || c.userID != u.id || c.deleted {
		return nil
	}
	return c
}

// addUser keeps a new user, dropping the oldest beyond MaxUsers; s.mu is held.
func (s *Server) addUser(u *user) {
	s.users[u.id] = u
	s.userOrder = append(s.userOrder, u.id)
	for len(s.userOrder) > s.opts.MaxUsers {
		s.removeUser(s.users[s.userOrder[0]])
	}
}

// removeUser forgets a user and all that was theirs; s.mu is held. Their
// tokens then find no one: the API answers 404 and the consent page says so.
func (s *Server) removeUser(u *user) {
	for _, j := range u.jobs {
		delete(s.jobs, j)
	}
	for _, c := range u.conns {
		delete(s.conns, c)
	}
	for _, l := range u.authLinks {
		delete(s.authLinks, l)
	}
	delete(s.users, u.id)
	if i := slices.Index(s.userOrder, u.id); i >= 0 {
		s.userOrder = slices.Delete(s.userOrder, i, i+1)
	}
}

// idSource makes UUIDs: reproducible with a seed, random without.
type idSource struct {
	mu   sync.Mutex
	next func() uint64
}

func newIDSource(seed int64) *idSource {
	if seed == 0 {
		return &idSource{next: func() uint64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		}}
	}
	state := uint64(seed)
	return &idSource{next: func() uint64 {
		// splitmix64: a small, well-mixed sequence for reproducible ids.
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}}
}

func (g *idSource) uuid() string {
	g.mu.Lock()
	hi, lo := g.next(), g.next()
	g.mu.Unlock()
	return formatUUID(hi, lo)
}

// uuidOf is a UUID that is always the same for the same parts: an id for
// something made afresh on every request, such as a transaction.
func uuidOf(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return formatUUID(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16]))
}

// formatUUID writes 128 bits as a version 4 UUID, as Basiq's ids look.
func formatUUID(hi, lo uint64) string {
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// validUUID reports whether id looks like a Basiq id.
func validUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
