package simulator

import (
	"container/heap"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/dueheap"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// Basiq's events (basiq-api.md §12; core.json's /events*): each change of
// state raises one where it happens (a user made, a consent given, a
// connection deleted, …), with a snapshot of the thing as it then was. A
// job's steps end with the clock, not with a request, so a job is watched
// from its creation: when a step ends, the events it brings (the
// connection activated or invalidated, its accounts and transactions
// updated) are raised with the step's end as their time, by the first
// request at or after it or, once a webhook waits for them, by a timer.
//
// GET /events lists the events of the last 7 days, newest first, filtered
// on user.id, event.entity and event.type (eq); without a filter, all of
// the application's (Basiq's rule there is unknown). The spec gives no
// paging, so there is none.

// eventsKept is how far back GET /events looks: Basiq keeps 7 days.
const eventsKept = 7 * 24 * time.Hour

// maxEvents bounds the events kept, the oldest dropped first: a simulator
// left running for days stays small.
const maxEvents = 20000

type event struct {
	seq       uint64   // the order raised in, for events of the same time
	hash      eventKey // its id, as bytes: no string to allocate and scan until it is shown
	created   time.Time
	entity    string // "user", "consent", "connection", "account", "transactions"
	eventType string // "created", "updated", …
	userID    string
	base      string   // the simulator's address when it was raised, for dataRef
	thing     snapshot // what it is about, as it was
}

// snapshot is the thing an event is about as it was: copies taken when the
// event is raised, drawn when it is read (the hot path pays for the copies,
// a reader of GET /events for the drawing).
type snapshot interface {
	ref(base string) string // the thing's URL: the event's dataRef and its payload's eventEntity
	body(base string) any   // the thing: the event's data
}

func (e *event) dataRef() string { return e.thing.ref(e.base) }

type userSnapshot struct {
	was     user
	hasLink bool
}

func (t *userSnapshot) ref(base string) string { return base + "/users/" + t.was.id }
func (t *userSnapshot) body(base string) any   { return userBodyOf(base, &t.was, t.hasLink) }

type consentSnapshot struct {
	userID string
	was    consent
	at     time.Time
}

func (t *consentSnapshot) ref(base string) string {
	return base + "/users/" + t.userID + "/consents/" + t.was.id
}
func (t *consentSnapshot) body(base string) any { return consentBodyOf(base, t.userID, &t.was, t.at) }

type connectionSnapshot struct {
	userID, status string
	lastUsed       time.Time
	was            connection
}

func (t *connectionSnapshot) ref(base string) string {
	return base + "/users/" + t.userID + "/connections/" + t.was.id
}
func (t *connectionSnapshot) body(base string) any {
	return connectionBodyOf(base, t.userID, &t.was, t.status, t.lastUsed)
}

// accountSnapshot is one account of a connection: account.updated's, or
// (transactions) transactions.updated's, which is about its transactions.
type accountSnapshot struct {
	userID       string
	conn         *connection // a copy of what accountBodyOf reads, shared by the connection's accounts
	i            int
	transactions bool
}

func (t *accountSnapshot) ref(base string) string {
	id := t.conn.accountIDs[t.i]
	if t.transactions {
		return base + "/users/" + t.userID + "/transactions?filter=" + url.QueryEscape("account.id.eq('"+id+"')")
	}
	return base + "/users/" + t.userID + "/accounts/" + id
}

func (t *accountSnapshot) body(base string) any {
	a := accountBodyOf(base, t.userID, t.conn, t.i)
	if !t.transactions {
		return a
	}
	return map[string]any{"type": "transactions", "account": a.ID, "connection": t.conn.id, "institution": t.conn.institution,
		"links": links{"self": a.Links["transactions"], "account": a.Links["self"]}}
}

func (e *event) typeID() string { return e.entity + "." + e.eventType }

// id is the event's id as Basiq's look: 64 hex digits.
func (e *event) id() string { return hex.EncodeToString(e.hash[:]) }

// eventKey is an event id's bytes.
type eventKey [sha256.Size]byte

// eventLog is the simulator's events, its webhooks and the jobs it
// watches; s.mu guards it but for what is said otherwise.
type eventLog struct {
	events []*event // oldest raised first; GET /events/{id} looks through them (no index to keep up on the hot path)
	seq    uint64
	salt   string // makes this simulator's event ids its own

	watch   dueheap.Heap[*watchedJob] // the jobs whose steps have events to come, by when the next one ends
	nextDue atomic.Int64              // UnixNano of the watch's earliest step end; MaxInt64 for none (read without s.mu)
	wake    chan struct{}

	webhooks []*subscription // oldest first
	engine   *webhook.Engine // made with the first webhook
	timer    sync.WaitGroup  // the goroutine that raises a job's events on time once there are webhooks

	lastBase atomic.Pointer[string] // "http://" and the Host of the latest request, for links when not Started
}

func (l *eventLog) init(seed int64) {
	l.wake = make(chan struct{}, 1)
	l.salt = "seed " + strconv.FormatInt(seed, 10)
	if seed == 0 {
		l.salt = rand.Text()
	}
	l.nextDue.Store(noneDue)
}

const noneDue = int64(^uint64(0) >> 1)

// raise records an event and sends it to the webhook that subscribes to its
// type; s.mu is held.
func (s *Server) raise(at time.Time, entity, eventType, userID string, thing snapshot) {
	l := &s.ev
	l.seq++
	var n [20]byte
	e := &event{seq: l.seq, hash: l.eventKey(strconv.AppendUint(n[:0], l.seq, 10)), created: at, entity: entity, eventType: eventType,
		userID: userID, base: s.linkBase(), thing: thing}
	l.events = append(l.events, e)
	if len(l.events) > maxEvents+maxEvents/8 || at.Sub(l.events[0].created) > eventsKept+time.Hour {
		s.dropOldEvents(at)
	}
	s.deliver(e)
}

// dropOldEvents forgets the events past 7 days and beyond maxEvents, the
// oldest raised first; raise calls it once an eighth more (or an hour's
// worth) has gathered, so each event costs its share of one copy.
func (s *Server) dropOldEvents(now time.Time) {
	l := &s.ev
	n := max(len(l.events)-maxEvents, 0)
	for n < len(l.events) && now.Sub(l.events[n].created) > eventsKept {
		n++
	}
	l.events = slices.Delete(l.events, 0, n)
}

// raisedSince are the events raised after seq, oldest first; s.mu is held.
func (s *Server) raisedSince(seq uint64) []*event {
	i := len(s.ev.events)
	for i > 0 && s.ev.events[i-1].seq > seq {
		i--
	}
	return s.ev.events[i:]
}

// linkBase is the base of the links of what is done with no request (a
// job's step that ends, a trigger's refresh): the address the simulator
// listens on, or else the one it was last reached at.
func (s *Server) linkBase() string {
	if s.base != "" {
		return s.base
	}
	if b := s.ev.lastBase.Load(); b != nil {
		return *b
	}
	return "http://127.0.0.1"
}

func (s *Server) raiseUser(u *user, eventType string, now time.Time) {
	was := user{id: u.id, email: u.email, mobile: u.mobile, firstName: u.firstName, middleName: u.middleName, lastName: u.lastName, name: u.name}
	s.raise(now, "user", eventType, u.id, &userSnapshot{was: was, hasLink: s.liveAuthLink(u, now) != nil})
}

func (s *Server) raiseConsent(u *user, c *consent, eventType string, at time.Time) {
	s.raise(at, "consent", eventType, u.id, &consentSnapshot{userID: u.id, was: *c, at: at})
}

func (s *Server) raiseConnection(u *user, c *connection, eventType string, at time.Time) {
	s.raise(at, "connection", eventType, u.id, &connectionSnapshot{userID: u.id, status: s.connectionStatus(u, c, at),
		lastUsed: s.lastUsed(u, c, at), was: connection{id: c.id, institution: c.institution, created: c.created}})
}

// raiseRetrieved raises, for each account of c a job has just retrieved,
// account.updated (entity "account") or transactions.updated (entity
// "transactions": the account's transactions, as its links name them).
func (s *Server) raiseRetrieved(u *user, c *connection, entity string, at time.Time) {
	was := &connection{id: c.id, institution: c.institution, created: c.created, accounts: c.accounts, accountIDs: c.accountIDs}
	for i := range c.accountIDs {
		s.raise(at, entity, "updated", u.id, &accountSnapshot{userID: u.id, conn: was, i: i, transactions: entity == "transactions"})
	}
}

// watchJob starts watching a new job's steps; s.mu is held.
func (s *Server) watchJob(j *job) {
	spans := s.schedule(j)
	heap.Push(&s.ev.watch, &watchedJob{j: j, spans: spans, at: spans[0].end})
	s.noteDue()
}

// rewatch is for a job whose schedule changed (an answer to its challenge):
// its next step may end sooner; s.mu is held.
func (s *Server) rewatch(j *job) {
	for _, w := range s.ev.watch {
		if w.j == j {
			w.spans = s.schedule(j)
			if w.announced < len(w.spans) {
				w.at = w.spans[w.announced].end
				heap.Fix(&s.ev.watch, w.index)
			}
		}
	}
	s.noteDue()
}

// noteDue publishes the earliest step end for advancing's quick check and
// wakes the timer; s.mu is held.
func (s *Server) noteDue() {
	due := noneDue
	if len(s.ev.watch) > 0 {
		due = s.ev.watch[0].at.UnixNano()
	}
	if s.ev.nextDue.Swap(due) != due {
		select {
		case s.ev.wake <- struct{}{}:
		default:
		}
	}
}

// advance raises the events of every job step that has ended by now, in
// the order they ended; s.mu is held.
func (s *Server) advance(now time.Time) {
	w := &s.ev.watch
	for len(*w) > 0 && !(*w)[0].at.After(now) {
		wj := (*w)[0]
		if done := s.announce(wj); done {
			heap.Pop(w)
		} else {
			heap.Fix(w, 0)
		}
	}
	s.noteDue()
}

// announce raises the events of the watched job's next step, which has
// ended, and says whether the job has nothing more to announce.
func (s *Server) announce(wj *watchedJob) (done bool) {
	j := wj.j
	u, c := s.users[j.userID], s.conns[j.connID]
	if u == nil || c == nil || c.deleted || s.jobs[j.id] != j {
		return true // gone: Basiq stops telling
	}
	spans := wj.spans
	i := wj.announced
	sp := spans[i]
	// The connection's status as the clients see it, as of this step's end.
	status := s.connectionStatus(u, c, sp.end)
	switch {
	case status == c.announced:
	case status == "active":
		s.raiseConnection(u, c, "activated", sp.end)
	case status == "invalid":
		s.raiseConnection(u, c, "invalidated", sp.end)
	}
	c.announced = status
	counts := slices.Index(u.jobs, j.id) >= c.dataFrom // a job from before a purge brings nothing
	if sp.fail == nil && counts {
		switch j.steps[i] {
		case stepAccounts:
			s.raiseRetrieved(u, c, "account", sp.end)
		case stepTransactions:
			s.raiseRetrieved(u, c, "transactions", sp.end)
		}
	}
	wj.announced++
	if sp.fail != nil || wj.announced >= len(spans) || spans[wj.announced].never {
		return true
	}
	wj.at = spans[wj.announced].end
	return false
}

// advancing raises what the clock has brought before any request is
// served, so what a request reads and the events agree.
func (s *Server) advancing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.base == "" {
			if b := s.ev.lastBase.Load(); b == nil || (*b)[len("http://"):] != r.Host {
				base := "http://" + r.Host
				s.ev.lastBase.Store(&base)
			}
		}
		if now := s.clock.Now(); now.UnixNano() >= s.ev.nextDue.Load() {
			s.mu.Lock()
			s.advance(now)
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// startTimer raises each job's events when its steps end, with no request
// needed: for webhooks. With a clock of the test's own (Options.Clock) it
// does not run; events then come with the next request. s.mu is held.
func (s *Server) startTimer() {
	if s.opts.Clock != nil {
		return
	}
	s.ev.timer.Add(1)
	go func() {
		defer s.ev.timer.Done()
		t := time.NewTimer(time.Hour)
		defer t.Stop()
		for {
			s.mu.Lock()
			now := s.clock.Now()
			s.advance(now)
			due := s.ev.nextDue.Load()
			s.mu.Unlock()
			if due == noneDue {
				t.Stop()
			} else {
				t.Reset(time.Unix(0, due).Sub(now))
			}
			select {
			case <-s.stopped:
				return
			case <-s.ev.wake:
			case <-t.C:
			}
		}
	}()
}

// watchedJob is a job whose steps have events still to come.
type watchedJob struct {
	j         *job
	spans     []span    // its schedule (again when an answer changes it)
	at        time.Time // when its next step ends
	announced int       // its steps announced so far
	index     int       // in the watch
}

// DueAt and SetHeapIndex place a watched job in the watch.
func (w *watchedJob) DueAt() time.Time   { return w.at }
func (w *watchedJob) SetHeapIndex(i int) { w.index = i }

// eventBody is an event as GET /events and GET /events/{id} show it.
type eventBody struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	CreatedDate string `json:"createdDate"`
	Entity      string `json:"entity"`
	EventType   string `json:"eventType"`
	UserID      string `json:"userId"`
	DataRef     string `json:"dataRef"`
	Data        any    `json:"data"`
	Links       links  `json:"links"`
}

func (s *Server) eventBody(r *http.Request, e *event) eventBody {
	id := e.id()
	return eventBody{Type: "event", ID: id, CreatedDate: stamp(e.created), Entity: e.entity, EventType: e.eventType,
		UserID: e.userID, DataRef: e.dataRef(), Data: e.thing.body(s.baseURL(r)), Links: links{"self": s.baseURL(r) + "/events/" + id}}
}

// eventFilters are core.json's: "user.id.eq(userId) OR
// event.entity.eq(entity), event.type.eq(type)". event.type takes the
// eventType ('created') or the whole type ('user.created').
var eventFilters = filterFields[*event]{
	"user.id":      {ops: equality, value: func(e *event) string { return e.userID }},
	"event.entity": {ops: equality, value: func(e *event) string { return e.entity }},
	"event.type":   {ops: equality, all: func(e *event) []string { return []string{e.eventType, e.typeID()} }},
}

func (s *Server) routeEvents(mux *http.ServeMux) {
	mux.HandleFunc("GET /events", s.serverRoute(s.handleEvents))
	mux.HandleFunc("GET /events/types", s.serverRoute(s.handleEventTypes))
	mux.HandleFunc("GET /events/types/{id}", s.serverRoute(s.handleEventType))
	mux.HandleFunc("GET /events/{id}", s.serverRoute(s.handleEvent))
}

// serverRoute serves a route of the application (no user in its path) to
// a server token, with s.mu held.
func (s *Server) serverRoute(serve http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authorize(r, serverOnly, ""); err != nil {
			s.fail(w, err)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		serve(w, r)
	}
}

// handleEvents is GET /events: the last 7 days, newest first.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	filters, ok := eventFilters.read(r.URL.Query().Get("filter"))
	if !ok {
		s.fail(w, &apiError{status: http.StatusBadRequest, code: "parameter-not-valid", title: "Parameter value is not valid",
			detail: "The provided filter parameter is in invalid format or unsupported", source: &source{Parameter: "filter"}})
		return
	}
	now := s.clock.Now()
	for _, id := range s.userOrder { // what time has brought a consent, though no one asked about its user
		s.settleConsents(s.users[id], now)
	}
	kept := make([]*event, 0, 16)
	for _, e := range s.ev.events {
		if now.Sub(e.created) <= eventsKept && eventFilters.match(e, filters) {
			kept = append(kept, e)
		}
	}
	slices.SortStableFunc(kept, func(a, b *event) int { // newest first
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return int(b.seq) - int(a.seq)
	})
	data := make([]eventBody, len(kept))
	for i, e := range kept {
		data[i] = s.eventBody(r, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "data": data, "links": links{"self": s.baseURL(r) + r.URL.RequestURI()}})
}

func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validEventID(id) {
		s.fail(w, &apiError{status: http.StatusBadRequest, code: "path-parameter-not-valid", title: "Parameter value is not valid",
			detail: "Event ID parameter is not valid", source: &source{Parameter: "eventId"}})
		return
	}
	var key eventKey
	n, _ := hex.Decode(key[:], []byte(id))
	i := slices.IndexFunc(s.ev.events, func(e *event) bool { return e.hash == key })
	if n != len(key) || i < 0 || s.clock.Now().Sub(s.ev.events[i].created) > eventsKept {
		s.fail(w, resourceNotFound("Requested event does not exist."))
		return
	}
	writeJSON(w, http.StatusOK, s.eventBody(r, s.ev.events[i]))
}

// validEventID accepts what an event id can be: Basiq's are 64 hex digits
// (the spec's example), the list example's a number.
func validEventID(id string) bool {
	return id != "" && len(id) <= 128 && strings.Trim(id, "0123456789abcdefABCDEF-") == ""
}

func (s *Server) eventTypeBody(r *http.Request, t webhook.EventType) map[string]any {
	return map[string]any{"type": "eventType", "id": t.ID, "description": t.Description, "links": links{"self": s.baseURL(r) + "/events/types/" + t.ID}}
}

// handleEventTypes is GET /events/types: Basiq's 15, in the spec's order.
func (s *Server) handleEventTypes(w http.ResponseWriter, r *http.Request) {
	data := make([]map[string]any, len(webhook.EventTypes))
	for i, t := range webhook.EventTypes {
		data[i] = s.eventTypeBody(r, t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "count": len(data), "size": len(data), "data": data,
		"links": links{"self": s.baseURL(r) + "/events/types"}})
}

func (s *Server) handleEventType(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	entity, action, ok := strings.Cut(id, ".")
	if !ok || entity == "" || action == "" || strings.Trim(strings.ToLower(entity+action), "abcdefghijklmnopqrstuvwxyz") != "" {
		s.fail(w, &apiError{status: http.StatusBadRequest, code: "path-parameter-not-valid", title: "Parameter value is not valid",
			detail: "Event Type ID parameter is not valid", source: &source{Parameter: "eventTypeId"}})
		return
	}
	t, known := webhook.LookupEventType(id)
	if !known {
		detail := "Requested event type does not exist."
		if near, ok := webhook.SuggestEventType(id); ok {
			detail += " Did you mean " + near + "?"
		}
		s.fail(w, resourceNotFound(detail))
		return
	}
	writeJSON(w, http.StatusOK, s.eventTypeBody(r, t))
}

// payloadBody is a delivery's body, as Basiq's webhooks guide shows it: the
// event's type and id, and links to the event and to the thing.
type payloadBody struct {
	EventTypeID string       `json:"eventTypeId"`
	EventID     string       `json:"eventId"`
	Text        string       `json:"text,omitempty"` // a test message's, as posted
	Links       payloadLinks `json:"links"`
}

type payloadLinks struct {
	Event       string `json:"event,omitempty"`
	EventEntity string `json:"eventEntity,omitempty"`
}

func (s *Server) payload(e *event) []byte {
	id := e.id()
	b, _ := json.Marshal(payloadBody{EventTypeID: e.typeID(), EventID: id,
		Links: payloadLinks{Event: e.base + "/events/" + id, EventEntity: e.dataRef()}})
	return b
}

// eventKey is an event's id: a hash of its number (or another key of its
// own), unique without a draw of randomness each; a seeded simulator's are
// the same every run.
func (l *eventLog) eventKey(key []byte) eventKey {
	h := sha256.New()
	h.Write([]byte(l.salt))
	h.Write([]byte{0})
	h.Write(key)
	var sum eventKey
	h.Sum(sum[:0])
	return sum
}
