package webhook

import (
	"container/heap"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/dueheap"
	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

// BasiqSchedule is the delay before each attempt of a message, Basiq's: at
// once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts).
// Each delay runs from the end of the attempt before it.
var BasiqSchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Defaults of Options.
const (
	// DefaultTimeout bounds one attempt of Basiq's deliveries: Basiq names
	// none, so Svix's 15 s (listen's --forward-timeout passes its own 10 s).
	DefaultTimeout = 15 * time.Second
	// DefaultHistory is how many messages are kept, the newest.
	DefaultHistory = 1000
	// DefaultBodyLimit is how much of each answer is kept, in bytes.
	DefaultBodyLimit = 2048
	// maxAttemptsKept bounds the attempts kept for one message (a message
	// resent again and again); the oldest go first, the count goes on.
	maxAttemptsKept = 32
	// drainLimit is how much more of an answer is read, unkept, so the
	// connection can carry the next attempt; past it the connection closes.
	drainLimit = 64 << 10
	// MaxPayload bounds a message's body: Basiq's are a few hundred bytes
	// (links, not data), and the history keeps each one.
	MaxPayload = 256 << 10
	// maxIDLength bounds a webhook-id.
	maxIDLength = 256
)

// Options configure an Engine. The zero value delivers as Basiq does.
type Options struct {
	// Timeout bounds each attempt, from connecting to the end of the
	// answer's headers and the part of its body that is kept; no answer
	// within it is a failed attempt. 0 = DefaultTimeout. Never scaled.
	Timeout time.Duration
	// Schedule is the delay before each attempt of a message, from the end
	// of the one before (the first from Send); its length is the number of
	// attempts. nil = BasiqSchedule.
	Schedule []time.Duration
	// TimeScale multiplies the schedule's delays, not Timeout: 0.001 makes
	// 5 min 0.3 s, for end-to-end runs. 0 = 1.
	TimeScale float64
	// History is how many messages are kept, with their attempts; past it the
	// oldest settled one goes first (where none has settled, the oldest,
	// its retries cancelled). 0 = DefaultHistory.
	History int
	// BodyLimit is how much of each answer's body is kept, in bytes. 0 =
	// DefaultBodyLimit.
	BodyLimit int
	// Concurrency is how many attempts to one URL may be in flight at once.
	// 0 = 1: a URL receives its messages one at a time, in the order they
	// became due, so a slow handler delays its own next message by at most
	// Timeout and never another URL's.
	Concurrency int
	// Faults make chosen messages misbehave on purpose.
	Faults Faults
	// Observe, if set, is called once for each attempt after it is recorded,
	// from the goroutine that made it: calls for one URL come in order
	// (with Concurrency 1), calls for different URLs may come at once. The
	// next attempt to that URL waits for it to return, so it should hand the
	// attempt on (to a channel, a tea.Program) rather than work on it. It may
	// call the engine's methods, but Close. Close's aborted attempts are
	// observed before Close returns.
	Observe func(Attempt)
	// LoopbackOnly refuses, at Send and again when connecting, any URL
	// whose host is not this machine (CheckLoopback).
	LoopbackOnly bool
	// Transport carries the requests; nil = one of the engine's own, which
	// uses no proxy. Redirects are never followed, whatever the transport.
	Transport http.RoundTripper
}

// Endpoint is where a message goes and the secret that signs it.
type Endpoint struct {
	URL    string
	Secret Secret
}

// Message is one event's delivery, on every attempt the same.
type Message struct {
	// ID is the webhook-id of every attempt; "" = a new UUID, as Basiq's are.
	ID string
	// EventType is the event's type ("user.created"): faults are aimed by
	// it, and faces show it.
	EventType string
	// Payload is the body, sent byte for byte as given: never re-encoded.
	Payload []byte
	// Tag is the sender's own key for the message (the simulator: the
	// webhook it was sent for); Messages and CancelTag select by it.
	Tag string
}

// State is where a message stands.
type State string

// The states of a message.
const (
	Scheduled State = "scheduled" // an attempt is due at Record.Next (or it is held back: out-of-order)
	Queued    State = "queued"    // due, waiting for its URL's previous attempt to end
	Sending   State = "sending"   // an attempt is in flight
	Delivered State = "delivered" // the last attempt was answered 2xx
	Failed    State = "failed"    // every attempt of the schedule failed
	Cancelled State = "cancelled" // Cancel, CancelTag or Close stopped it
)

// Settled reports whether nothing more happens to the message unless it is
// sent again.
func (s State) Settled() bool { return s == Delivered || s == Failed || s == Cancelled }

// Outcome is how one attempt ended.
type Outcome string

// The outcomes of an attempt. Only Success is a delivery.
const (
	Success     Outcome = "success"     // answered 2xx
	Rejected    Outcome = "rejected"    // answered another status
	Redirected  Outcome = "redirected"  // answered 3xx: redirects are not followed
	TimedOut    Outcome = "timed-out"   // no answer within Options.Timeout
	Unreachable Outcome = "unreachable" // no connection (refused, no such host, not loopback)
	Aborted     Outcome = "aborted"     // stopped by Cancel, CancelTag or Close
)

// Attempt is one POST of a message, as recorded.
type Attempt struct {
	ID        string // a UUID of the attempt's own
	MessageID string // the webhook-id sent
	EventType string
	Tag       string
	N         int       // which attempt of the message, counted from 1 (a Resend goes on counting)
	Time      time.Time // when it was sent
	URL       string
	Timestamp int64  // the webhook-timestamp sent (Unix seconds; older than Time under stale-timestamp)
	Signature string // the webhook-signature sent
	Fault     FaultKind
	Status    int    // the answer's HTTP status; 0 without one
	Body      string // the answer's body, sanitised, at most Options.BodyLimit bytes of it
	BodyCut   bool   // the answer's body was longer than what is kept
	Location  string // a redirect's Location, sanitised
	Duration  time.Duration
	Outcome   Outcome
	Err       string    // what went wrong, for a person ("" on success), sanitised
	Next      time.Time // when the message's next attempt is due; zero when none is
}

// OK reports whether the attempt delivered the message.
func (a Attempt) OK() bool { return a.Outcome == Success }

// Record is a message with its attempts, as Message and Messages copy it.
type Record struct {
	Message
	URL      string
	Created  time.Time // when it was handed to Send
	State    State
	Next     time.Time // when the next attempt is due, if Scheduled
	Fault    FaultKind // the fault aimed at its first attempt, "" for none
	Tried    int       // attempts made; Attempts keeps the last 32
	Attempts []Attempt // oldest first
}

// Errors of Send and Resend.
var (
	ErrClosed         = errors.New("the webhook engine is closed")
	ErrUnknownMessage = errors.New("no such message (never sent, or no longer kept)")
	ErrDuplicateID    = errors.New("a message with that id was sent already (Resend sends it again)")
)

// Engine delivers messages: each is a queue of signed attempts on the
// schedule, every attempt bounded in time and recorded. Its methods are
// safe for concurrent use. Close it: it runs goroutines until then.
type Engine struct {
	opts      Options
	client    *http.Client
	own       *http.Transport // the engine's own transport, closed with it; nil when given one
	badSecret Secret          // signs bad-signature faults

	ctx    context.Context // cancelled by Close: every attempt in flight ends
	cancel context.CancelFunc
	wake   chan struct{} // tells the timer loop the earliest due time changed
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	byID   map[string]*record
	order  []*record // oldest first
	lanes  map[string]*lane
	due    dueheap.Heap[*record] // the scheduled messages, the soonest first
	counts map[faultCounter]int
}

// record is a message's state; the engine's lock guards it.
type record struct {
	msg       Message
	to        Endpoint
	created   time.Time
	state     State
	next      time.Time
	heapIndex int  // in Engine.due; -1 when not there
	held      bool // out-of-order: waiting for the next message to its URL
	step      int  // the schedule's index of the next attempt in this round
	tried     int
	attempts  []Attempt
	fault     FaultKind
	faulty    bool               // the next attempt carries the fault (the first only)
	abort     context.CancelFunc // ends the attempt in flight
	resend    bool               // Resend came while an attempt was in flight
	gone      bool               // dropped from the history
}

// lane is the queue of one URL.
type lane struct {
	url      string
	queue    []*record // due, in the order they became due
	inFlight int
	held     []*record // out-of-order, waiting for the next message
}

type faultCounter struct{ url, eventType string }

// New starts an engine; Close stops it.
func New(o Options) (*Engine, error) {
	switch {
	case o.Timeout < 0:
		return nil, fmt.Errorf("the attempt timeout %v is negative", o.Timeout)
	case o.TimeScale < 0:
		return nil, fmt.Errorf("the time scale %g is negative", o.TimeScale)
	case o.History < 0, o.BodyLimit < 0, o.Concurrency < 0:
		return nil, errors.New("the history, the body limit and the concurrency cannot be negative")
	}
	for _, d := range o.Schedule {
		if d < 0 {
			return nil, fmt.Errorf("the schedule's delay %v is negative", d)
		}
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Schedule == nil {
		o.Schedule = BasiqSchedule
	}
	if len(o.Schedule) == 0 {
		return nil, errors.New("the schedule has no attempt")
	}
	o.Schedule = slices.Clone(o.Schedule)
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.History == 0 {
		o.History = DefaultHistory
	}
	if o.BodyLimit == 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.Concurrency == 0 {
		o.Concurrency = 1
	}
	bad, err := NewSecret()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		opts:      o,
		badSecret: bad,
		wake:      make(chan struct{}, 1),
		byID:      map[string]*record{},
		lanes:     map[string]*lane{},
		counts:    map[faultCounter]int{},
	}
	rt := o.Transport
	if rt == nil {
		e.own = newTransport(o.LoopbackOnly)
		rt = e.own
	}
	e.client = &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is the handler's answer, not a place to go
		},
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.wg.Add(1)
	go e.timers()
	return e, nil
}

func newTransport(onlyLoopback bool) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if onlyLoopback {
		d.Control = loopbackOnly
	}
	return &http.Transport{
		Proxy:               nil, // a delivery goes straight to the handler
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// scaled is a schedule delay on the engine's time scale.
func (e *Engine) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * e.opts.TimeScale)
}

// Send hands a message to the engine: its first attempt goes at once (or
// after the schedule's first delay), its retries on the schedule. It
// returns the message's id. The payload is copied: the caller may reuse it.
func (e *Engine) Send(to Endpoint, m Message) (string, error) {
	if _, err := ParseURL(to.URL); err != nil {
		return "", err
	}
	if e.opts.LoopbackOnly {
		if err := CheckLoopback(to.URL); err != nil {
			return "", err
		}
	}
	if to.Secret.IsZero() {
		return "", errors.New("the endpoint has no secret to sign with")
	}
	if m.ID == "" {
		m.ID = newUUID()
	}
	if err := checkID(m.ID); err != nil {
		return "", err
	}
	if len(m.Payload) > MaxPayload {
		return "", fmt.Errorf("the payload is %d bytes, more than a webhook's %d", len(m.Payload), MaxPayload)
	}
	m.Payload = slices.Clone(m.Payload)
	now := time.Now()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return "", ErrClosed
	}
	if _, dup := e.byID[m.ID]; dup {
		return "", fmt.Errorf("%s: %w", m.ID, ErrDuplicateID)
	}
	r := &record{msg: m, to: to, created: now, heapIndex: -1}
	r.fault = e.pickFaultLocked(to.URL, m.EventType)
	r.faulty = r.fault != ""
	e.byID[m.ID] = r
	e.order = append(e.order, r)
	e.trimLocked()

	l := e.laneLocked(to.URL)
	if r.fault == OutOfOrder && len(l.held) == 0 {
		r.held = true
		l.held = append(l.held, r)
		fallback := e.opts.Schedule[0] + 5*time.Second
		if len(e.opts.Schedule) > 1 {
			fallback = e.opts.Schedule[0] + e.opts.Schedule[1]
		}
		e.scheduleLocked(r, now.Add(e.scaled(fallback)))
		return m.ID, nil
	}
	if r.fault == OutOfOrder {
		r.fault, r.faulty = "", false // it takes the held one's place: that one goes after it
	}
	if d := e.scaled(e.opts.Schedule[0]); d > 0 {
		e.scheduleLocked(r, now.Add(d))
	} else {
		e.queueLocked(r)
	}
	// The next message has come: what was held back goes after it.
	for _, h := range l.held {
		h.held = false
		e.unscheduleLocked(h)
		e.queueLocked(h)
	}
	l.held = l.held[:0]
	e.dispatchLocked(l)
	return m.ID, nil
}

// pickFaultLocked counts the message for each rule's type and gives the
// first rule aimed at it.
func (e *Engine) pickFaultLocked(url, eventType string) FaultKind {
	if e.opts.Faults.None() {
		return ""
	}
	counted := map[string]bool{}
	kind := FaultKind("")
	for _, rule := range e.opts.Faults.Rules {
		if rule.EventType != "*" && rule.EventType != eventType {
			continue
		}
		c := faultCounter{url, rule.EventType}
		if !counted[rule.EventType] {
			counted[rule.EventType] = true
			e.counts[c]++
		}
		if kind == "" && rule.matches(e.counts[c]) {
			kind = rule.Kind
		}
	}
	return kind
}

func (e *Engine) laneLocked(url string) *lane {
	l := e.lanes[url]
	if l == nil {
		l = &lane{url: url}
		e.lanes[url] = l
	}
	return l
}

// dropLaneLocked forgets an idle lane, so URLs come and go without growth.
func (e *Engine) dropLaneLocked(l *lane) {
	if len(l.queue) == 0 && l.inFlight == 0 && len(l.held) == 0 {
		delete(e.lanes, l.url)
	}
}

func (e *Engine) scheduleLocked(r *record, at time.Time) {
	r.state, r.next = Scheduled, at
	if r.heapIndex >= 0 {
		heap.Fix(&e.due, r.heapIndex)
	} else {
		heap.Push(&e.due, r)
	}
	if e.due[0] == r {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

func (e *Engine) unscheduleLocked(r *record) {
	if r.heapIndex >= 0 {
		heap.Remove(&e.due, r.heapIndex)
	}
}

func (e *Engine) queueLocked(r *record) {
	r.state, r.next = Queued, time.Time{}
	l := e.laneLocked(r.to.URL)
	l.queue = append(l.queue, r)
}

// dispatchLocked starts the lane's due attempts, as many as it may have in
// flight.
func (e *Engine) dispatchLocked(l *lane) {
	for l.inFlight < e.opts.Concurrency && len(l.queue) > 0 {
		r := l.queue[0]
		l.queue = l.queue[1:]
		l.inFlight++
		r.state = Sending
		ctx, abort := context.WithCancel(e.ctx)
		r.abort = abort
		fault := FaultKind("")
		if r.faulty {
			fault, r.faulty = r.fault, false
		}
		e.wg.Add(1)
		go e.deliver(ctx, abort, r, l, fault)
	}
	e.dropLaneLocked(l)
}

// timers moves scheduled messages to their lanes when they fall due.
func (e *Engine) timers() {
	defer e.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		e.mu.Lock()
		now := time.Now()
		touched := map[*lane]bool{}
		for len(e.due) > 0 && !e.due[0].next.After(now) {
			r := heap.Pop(&e.due).(*record)
			l := e.laneLocked(r.to.URL)
			if r.held {
				r.held = false
				l.held = slices.DeleteFunc(l.held, func(h *record) bool { return h == r })
			}
			e.queueLocked(r)
			touched[l] = true
		}
		for l := range touched {
			e.dispatchLocked(l)
		}
		wait := time.Duration(-1)
		if len(e.due) > 0 {
			wait = e.due[0].next.Sub(now)
		}
		e.mu.Unlock()

		if wait >= 0 {
			t.Reset(wait)
		} else {
			t.Stop()
		}
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		case <-t.C:
		}
	}
}

// deliver makes one attempt (two, for a duplicate fault), records it and
// decides what follows.
func (e *Engine) deliver(ctx context.Context, abort context.CancelFunc, r *record, l *lane, fault FaultKind) {
	defer e.wg.Done()
	defer abort()
	e.mu.Lock()
	m, to := r.msg, r.to
	e.mu.Unlock()

	sends := 1
	if fault == Duplicate {
		sends = 2
	}
	var first Attempt
	for i := range sends {
		a := e.post(ctx, m, to, fault)
		last := i == sends-1 || ctx.Err() != nil // no duplicate after a cancel
		e.mu.Lock()
		r.tried++
		a.N = r.tried
		if i == 0 {
			first = a
		}
		if last {
			e.settleLocked(r, first) // the first attempt decides; a duplicate is extra
			a.Next = r.next
		}
		r.attempts = append(r.attempts, a)
		if len(r.attempts) > maxAttemptsKept {
			r.attempts = slices.Delete(r.attempts, 0, len(r.attempts)-maxAttemptsKept)
		}
		e.mu.Unlock()
		if e.opts.Observe != nil {
			e.opts.Observe(a)
		}
		if last {
			break
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	l.inFlight-- // a lane with an attempt in flight is never dropped: l is still the URL's
	e.dispatchLocked(l)
}

// settleLocked decides what follows an attempt: done, a retry, given up,
// or (Resend came meanwhile) the schedule again from the start.
func (e *Engine) settleLocked(r *record, a Attempt) {
	r.abort = nil
	switch {
	case r.gone || e.closed:
		r.state, r.next, r.resend = Cancelled, time.Time{}, false
	case r.resend:
		r.resend, r.step = false, 0
		e.queueLocked(r)
	case r.state == Cancelled:
	case a.OK():
		r.state, r.next = Delivered, time.Time{}
	case r.step+1 < len(e.opts.Schedule):
		r.step++
		e.scheduleLocked(r, time.Now().Add(e.scaled(e.opts.Schedule[r.step])))
	default:
		r.state, r.next = Failed, time.Time{}
	}
}

// Resend sends a recorded message again, as listen's r does: the same
// webhook-id and payload, a new timestamp and signature, its schedule from
// the start (retries again where it fails), and no fault. A message in
// flight is sent again once that attempt ends.
func (e *Engine) Resend(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	r := e.byID[id]
	if r == nil {
		return fmt.Errorf("%s: %w", id, ErrUnknownMessage)
	}
	r.faulty = false
	switch {
	case r.abort != nil: // in flight (perhaps cancelled, its attempt not yet ended)
		r.resend = true
	case r.state == Queued:
		r.step = 0
	default: // scheduled, held or settled: now
		l := e.laneLocked(r.to.URL)
		if r.held {
			r.held = false
			l.held = slices.DeleteFunc(l.held, func(h *record) bool { return h == r })
		}
		e.unscheduleLocked(r)
		r.step = 0
		e.queueLocked(r)
		e.dispatchLocked(l)
	}
	return nil
}

// Cancel stops a message: no more attempts, and the one in flight, if any,
// is ended. It reports whether the message was kept.
func (e *Engine) Cancel(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.byID[id]
	if r != nil {
		e.cancelLocked(r)
	}
	return r != nil
}

// CancelTag stops every message of a tag (the simulator: a webhook deleted)
// and says how many were still to be sent or in flight.
func (e *Engine) CancelTag(tag string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.order {
		if r.msg.Tag == tag && !r.state.Settled() {
			e.cancelLocked(r)
			n++
		}
	}
	return n
}

func (e *Engine) cancelLocked(r *record) {
	r.resend, r.faulty = false, false
	if r.state.Settled() {
		return
	}
	e.unscheduleLocked(r)
	l := e.lanes[r.to.URL]
	if l != nil {
		l.queue = slices.DeleteFunc(l.queue, func(q *record) bool { return q == r })
		l.held = slices.DeleteFunc(l.held, func(h *record) bool { return h == r })
	}
	r.held = false
	if r.abort != nil {
		r.abort()
	}
	r.state, r.next = Cancelled, time.Time{}
	if l != nil {
		e.dropLaneLocked(l)
	}
}

// trimLocked keeps the history within Options.History: the oldest settled
// message goes first; where none has settled, the oldest, cancelled.
func (e *Engine) trimLocked() {
	for len(e.order) > e.opts.History {
		i := slices.IndexFunc(e.order, func(r *record) bool { return r.state.Settled() })
		if i < 0 {
			i = 0
			e.cancelLocked(e.order[0])
		}
		r := e.order[i]
		r.gone = true
		delete(e.byID, r.msg.ID)
		e.order = slices.Delete(e.order, i, i+1)
	}
}

// Message is one recorded message, copied.
func (e *Engine) Message(id string) (Record, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.byID[id]
	if r == nil {
		return Record{}, false
	}
	return r.copy(), true
}

// Messages are the recorded messages of a tag ("" = all), oldest first,
// copied.
func (e *Engine) Messages(tag string) []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Record
	for _, r := range e.order {
		if tag == "" || r.msg.Tag == tag {
			out = append(out, r.copy())
		}
	}
	return out
}

func (r *record) copy() Record {
	return Record{
		Message:  r.msg, // the payload is never written after Send: sharing it is safe
		URL:      r.to.URL,
		Created:  r.created,
		State:    r.state,
		Next:     r.next,
		Fault:    r.fault,
		Tried:    r.tried,
		Attempts: slices.Clone(r.attempts),
	}
}

// Close stops the engine: no more sends, every message still to be sent is
// cancelled, the attempts in flight are ended (and recorded as aborted),
// and Close returns once every goroutine of the engine has.
func (e *Engine) Close() error {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		for _, r := range e.order {
			if !r.state.Settled() {
				e.cancelLocked(r)
			}
		}
	}
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	if e.own != nil {
		e.own.CloseIdleConnections()
	}
	return nil
}

// checkID accepts a webhook-id that travels as a header and in the signed
// content unchanged: printable ASCII, no spaces, at most 256 characters.
func checkID(id string) error {
	if len(id) > maxIDLength {
		return fmt.Errorf("the message id is %d characters, more than %d", len(id), maxIDLength)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("the message id %q has a space, a control or a non-ASCII character", printable.Text(id))
		}
	}
	return nil
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// DueAt and SetHeapIndex place a scheduled message in Engine.due.
func (r *record) DueAt() time.Time   { return r.next }
func (r *record) SetHeapIndex(i int) { r.heapIndex = i }
