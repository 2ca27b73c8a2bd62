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
}

type connection struct {
	id, userID, institution string
	persona                 personaData
	failure                 *failure // nil: the login works
	created                 time.Time
	accountIDs              []string
	accounts                []accountData
}

type job struct {
	id, userID, connID, institution string
	created                         time.Time
	steps                           []string
	failure                         *failure // fails at the first step
}

// New makes a simulator. Start it, or mount Handler yourself.
func New(o Options) *Server {
	s := &Server{
		opts:    o,
		clock:   o.Clock,
		secret:  make([]byte, 32),
		users:   map[string]*user{},
		jobs:    map[string]*job{},
		conns:   map[string]*connection{},
		stopped: make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.opts.MaxUsers <= 0 {
		s.opts.MaxUsers = DefaultMaxUsers
	}
	_, _ = rand.Read(s.secret)
	s.ids = newIDSource(o.Seed)
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

// CompleteConsent does what submitting the consent page does: for the user
// the client token is bound to, a connection to institutionID as loginID,
// and a job. It returns the job ids, as the consent redirect would.
func (s *Server) CompleteConsent(ctx context.Context, clientToken, institutionID, loginID, password string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	claims, apiErr := s.checkToken("Bearer " + clientToken)
	switch {
	case apiErr != nil:
		return nil, fmt.Errorf("consent: %s", apiErr.detail)
	case claims.Scope != scopeClient || claims.UserID == "":
		return nil, errors.New("consent: the token is not a client token bound to a user")
	}
	id, err := s.connect(claims.UserID, institutionID, loginID, password)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// connect creates a connection and its job; the job fails later, as the
// sandbox does, when the login is wrong.
func (s *Server) connect(userID, institutionID, loginID, password string) (string, error) {
	if _, ok := findInstitution(institutionID); !ok {
		return "", fmt.Errorf("institution %q is not in the sandbox", institutionID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return "", errors.New("the user no longer exists")
	}
	now := s.clock.Now()
	c := &connection{id: s.ids.uuid(), userID: userID, institution: institutionID, created: now}
	p, known := findPersona(loginID)
	switch {
	case !known || p.Password != password:
		c.failure = wrongLogin
	case p.Failure != nil:
		c.failure = p.Failure
	default:
		c.persona = p
		c.accounts = p.Accounts
		for range p.Accounts {
			c.accountIDs = append(c.accountIDs, s.ids.uuid())
		}
	}
	s.conns[c.id] = c
	u.conns = append(u.conns, c.id)
	return s.newJob(u, c, now), nil
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
	delete(s.users, u.id)
	if i := slices.Index(s.userOrder, u.id); i >= 0 {
		s.userOrder = slices.Delete(s.userOrder, i, i+1)
	}
}

// connectionSteps are the steps of every connection job, in order.
var connectionSteps = []string{"verify-credentials", "retrieve-accounts", "retrieve-transactions"}

// newJob starts a connection job; s.mu is held.
func (s *Server) newJob(u *user, c *connection, now time.Time) string {
	j := &job{id: s.ids.uuid(), userID: u.id, connID: c.id, institution: c.institution, created: now,
		steps: connectionSteps, failure: c.failure}
	s.jobs[j.id] = j
	u.jobs = append(u.jobs, j.id)
	return j.id
}

// queued is how long a new job waits, all its steps pending ("created and
// waiting to be started"), before its first step starts.
func (s *Server) queued() time.Duration { return s.opts.StepDelay / 2 }

// stepEnd is when step i of a job ends, counted from the job's creation.
func (s *Server) stepEnd(i int) time.Duration {
	return s.queued() + time.Duration(i+1)*s.opts.StepDelay
}

// stepStatus is a step's status at now: after the queue, each step takes
// StepDelay, one after the other; a failing job fails its first step when
// that step ends.
func (s *Server) stepStatus(j *job, i int, now time.Time) string {
	if j.failure != nil && i > 0 {
		return "pending" // after a failed step, the rest never start
	}
	elapsed := now.Sub(j.created)
	switch {
	case elapsed >= s.stepEnd(i):
		if j.failure != nil {
			return "failed"
		}
		return "success"
	case elapsed >= s.stepEnd(i)-s.opts.StepDelay:
		return "in-progress"
	}
	return "pending"
}

// stepDone reports whether the job's step with this title has succeeded.
func (s *Server) stepDone(j *job, title string, now time.Time) bool {
	for i, t := range j.steps {
		if t == title {
			return s.stepStatus(j, i, now) == "success"
		}
	}
	return false
}

// visibleAccounts are the user's connections whose accounts a job has
// retrieved by now.
func (s *Server) visibleAccounts(u *user, now time.Time) []*connection {
	var out []*connection
	for _, cid := range u.conns {
		if c := s.conns[cid]; s.connectionStepDone(u, c, "retrieve-accounts", now) {
			out = append(out, c)
		}
	}
	return out
}

// connectionStepDone reports whether a job of this connection has done the
// step with this title by now.
func (s *Server) connectionStepDone(u *user, c *connection, title string, now time.Time) bool {
	for _, jid := range u.jobs {
		if j := s.jobs[jid]; j.connID == c.id && s.stepDone(j, title, now) {
			return true
		}
	}
	return false
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
