package simulator

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/countspec"
)

// Faults make the simulator misbehave on purpose, reproducibly for a seed.
// A spec (ParseFaults; --faults) is comma-separated parts:
//
//	POST /token#2=500        aim: the 2nd request to that route answers 500
//	GET /jobs/{id}#3-5=503   the 3rd to the 5th; a segment written {…} matches any
//	GET /jobs/{id}#2+=429    the 2nd and every one after it
//	500=0.05                 a share: 5% of all requests
//	burst429=5               the first 5 requests, whatever the route, answer 429
//	latency=200ms            this much delay before every answer
//	seed=42                  the random sequence of the shares (default 1)
//
// The kinds, aimed or as a share:
//
//	500, 502, 503, 400, 404  that status with a Basiq error body
//	429                      429 too-many-requests, with Retry-After: 1
//	429-no-retry-after       the same without Retry-After, as Basiq usually sends it
//	expired                  403 access-denied "Token has expired" (never on POST /token)
//	html                     a proxy's 502 page in HTML
//	truncate                 the true answer, its body cut short
//	reset                    the connection closed with no answer (Go's client retries an
//	                         idempotent request once on a reused connection: aim #1-2)
//	hang                     no answer until the client gives up (or the simulator stops)
//
// Faults never touch the consent page: it is a person's page, not the API's.
type Faults struct {
	Aimed    []AimedFault
	Shares   map[string]float64 // by kind: the share of all requests
	Burst429 int
	Latency  time.Duration
	Seed     uint64
}

// AimedFault answers chosen requests to one route with a fault.
type AimedFault struct {
	Method, Path string // a path segment written {…} matches any segment
	From, To     int    // the requests to the route it answers, counted from 1; To 0 = all from From on
	Kind         string
}

// FaultKinds are the kinds of fault, as a spec names them.
var FaultKinds = []string{"500", "502", "503", "400", "404", "429", "429-no-retry-after", "expired", "html", "truncate", "reset", "hang"}

// errorFaults are the kinds that answer with a Basiq error body.
var errorFaults = map[string]apiError{
	"400":                {status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Parameter value is not valid."},
	"404":                {status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested resource is not found"},
	"429":                {status: 429, code: "too-many-requests", title: "Too many requests", detail: "Query limit reached."},
	"429-no-retry-after": {status: 429, code: "too-many-requests", title: "Too many requests", detail: "Query limit reached."},
	"500":                {status: 500, code: "internal-server-error", title: "Internal Server error.", detail: "Internal Server error. Contact support."},
	"502":                {status: 502, code: "service-unavailable", title: "Bad Gateway", detail: "Service is currently unavailable. Please try again later."},
	"503":                {status: 503, code: "service-unavailable", title: "Service Unavailable", detail: "Service Unavailable. Try again later."},
	// expired answers as Basiq does a token past its hour (never on POST /token itself).
	"expired": {status: 403, code: "access-denied", title: "Access denied.", detail: "Token has expired"},
}

// ParseFaults reads a spec; an error names the part it could not read.
func ParseFaults(spec string) (Faults, error) {
	f := Faults{Seed: 1, Shares: map[string]float64{}}
	if strings.TrimSpace(spec) == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if err := f.add(part); err != nil {
			return f, fmt.Errorf("fault %q: %w", part, err)
		}
	}
	total := 0.0
	for _, p := range f.Shares {
		total += p
	}
	if total > 1 {
		return f, fmt.Errorf("the shares add up to %g, more than 1", total)
	}
	return f, nil
}

// MustParseFaults is ParseFaults for a spec written into a test.
func MustParseFaults(spec string) Faults { return countspec.Must(ParseFaults(spec)) }

func (f *Faults) add(part string) error {
	key, value, ok := strings.Cut(part, "=")
	if !ok {
		return fmt.Errorf(`want key=value, e.g. 503=0.1 or "POST /token#2=500"`)
	}
	if route, count, aimed := strings.Cut(key, "#"); aimed {
		method, path, ok := strings.Cut(strings.TrimSpace(route), " ")
		path = strings.TrimSpace(path)
		switch {
		case !ok || method == "" || strings.ToUpper(method) != method || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?"):
			return fmt.Errorf("the route %q is not a method and a path, like \"POST /token\" or \"GET /jobs/{id}\"", route)
		case strings.HasPrefix(path, "/consent/"):
			return fmt.Errorf("the route %q is the consent page, which faults never touch", route)
		}
		a := AimedFault{Method: method, Path: path, Kind: value}
		var err error
		if a.From, a.To, err = countspec.Parse(count, "request"); err != nil {
			return err
		}
		if !slices.Contains(FaultKinds, value) {
			return fmt.Errorf("unknown kind %q (kinds: %s)", value, strings.Join(FaultKinds, ", "))
		}
		f.Aimed = append(f.Aimed, a)
		return nil
	}
	var err error
	switch {
	case slices.Contains(FaultKinds, key):
		p, perr := strconv.ParseFloat(value, 64)
		if perr != nil || p < 0 || p > 1 {
			return fmt.Errorf("the share %q is not between 0 and 1", value)
		}
		f.Shares[key] = p
	case key == "burst429":
		f.Burst429, err = strconv.Atoi(value)
		if err != nil || f.Burst429 < 0 {
			return fmt.Errorf("the count %q is not a whole number", value)
		}
	case key == "latency":
		f.Latency, err = time.ParseDuration(value)
		if err != nil || f.Latency < 0 {
			return fmt.Errorf("the delay %q is not a duration like 200ms", value)
		}
	case key == "seed":
		f.Seed, err = strconv.ParseUint(value, 10, 64)
		if err != nil {
			return fmt.Errorf("the seed %q is not a whole number", value)
		}
	default:
		return fmt.Errorf("unknown fault %q (a route and #N, one of %s, or burst429, latency, seed)", key, strings.Join(FaultKinds, ", "))
	}
	return nil
}

func (f Faults) none() bool {
	for _, p := range f.Shares {
		if p > 0 {
			return false
		}
	}
	return len(f.Aimed) == 0 && f.Burst429 == 0 && f.Latency == 0
}

// matches reports whether a request is to the fault's route.
func (a AimedFault) matches(r *http.Request) bool {
	want, got := strings.Split(a.Path, "/"), strings.Split(r.URL.Path, "/")
	if r.Method != a.Method || len(want) != len(got) {
		return false
	}
	for i, seg := range want {
		if seg != got[i] && !(strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")) {
			return false
		}
	}
	return true
}

func (a AimedFault) route() string { return a.Method + " " + a.Path }

type faultState struct {
	f       Faults
	stopped <-chan struct{} // closed when the simulator stops: hung requests end
	mu      sync.Mutex
	rng     *rand.Rand
	burst   int
	counts  map[string]int // requests so far, by aimed route
	healed  bool           // Heal was called: no fault from now on
}

func (fs *faultState) isHealed() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.healed
}

// heal ends every fault from now on.
func (fs *faultState) heal() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.healed = true
}

func newFaultState(f Faults, seed int64, stopped <-chan struct{}) *faultState {
	if f.Seed == 0 {
		f.Seed = uint64(seed)
	}
	return &faultState{f: f, stopped: stopped, rng: rand.New(rand.NewPCG(f.Seed, 0x5eed)), burst: f.Burst429, counts: map[string]int{}}
}

// draw decides this request's fault: "" for none. Aimed faults come first,
// then the burst, then the shares.
func (fs *faultState) draw(r *http.Request) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.healed {
		return ""
	}
	counted := map[string]bool{}
	kind := ""
	for _, a := range fs.f.Aimed {
		if !a.matches(r) {
			continue
		}
		if !counted[a.route()] {
			counted[a.route()] = true
			fs.counts[a.route()]++
		}
		if n := fs.counts[a.route()]; kind == "" && countspec.Matches(n, a.From, a.To) {
			kind = a.Kind
		}
	}
	if kind != "" {
		return kind
	}
	if fs.burst > 0 {
		fs.burst--
		return "429"
	}
	if len(fs.f.Shares) == 0 {
		return ""
	}
	x := fs.rng.Float64()
	for _, k := range FaultKinds {
		if x < fs.f.Shares[k] {
			return k
		}
		x -= fs.f.Shares[k]
	}
	return ""
}

const proxyPage = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>`

// wrap puts the faults in front of the API (not the consent page); fail
// writes their error bodies, so they look like every other error.
func (fs *faultState) wrap(next http.Handler, fail func(http.ResponseWriter, *apiError)) http.Handler {
	if fs.f.none() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/consent/") {
			next.ServeHTTP(w, r)
			return
		}
		kind := fs.draw(r)
		if kind == "expired" && r.URL.Path == "/token" {
			kind = "" // a token cannot have expired on the way to getting one
		}
		if fs.f.Latency > 0 && !fs.isHealed() && !fs.wait(r, time.After(fs.f.Latency)) {
			return
		}
		if e, ok := errorFaults[kind]; ok {
			if kind == "429" {
				w.Header().Set("Retry-After", "1")
			}
			fail(w, &e)
			return
		}
		switch kind {
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(proxyPage))
		case "truncate":
			next.ServeHTTP(&truncatingWriter{ResponseWriter: w}, r)
		case "reset":
			reset(w)
		case "hang":
			fs.wait(r, nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// wait waits for done; false if the client went away or the simulator
// stopped first.
func (fs *faultState) wait(r *http.Request, done <-chan time.Time) bool {
	select {
	case <-done:
		return true
	case <-r.Context().Done():
	case <-fs.stopped:
	}
	return false
}

// reset closes the connection without an answer, with a TCP reset where it
// can: what a client sees when a server or a proxy dies mid-request.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// truncatingWriter sends only the first half of the body: a connection that
// dropped mid-answer.
type truncatingWriter struct {
	http.ResponseWriter
	written bool
}

func (t *truncatingWriter) Write(b []byte) (int, error) {
	if t.written {
		return len(b), nil
	}
	t.written = true
	_, err := t.ResponseWriter.Write(b[:len(b)/2])
	return len(b), err
}
