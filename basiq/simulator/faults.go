package simulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults make the simulator misbehave on purpose, reproducibly for a seed.
// The spec is comma-separated key=value pairs:
//
//	500=0.05      answer 5% of requests 500 internal-server-error
//	503=0.05      answer 5% with 503 service-unavailable
//	429=0.1       answer 10% with 429 too-many-requests (with Retry-After: 1)
//	burst429=5    answer the first 5 requests with 429
//	latency=200ms add this much delay to every answer
//	truncate=0.02 cut 2% of bodies short
//	html=0.02     answer 2% with a proxy's HTML error page (502)
//	seed=42       the random sequence (default 1)
//
// Faults never touch the consent page: it is a person's page, not the API's.
type Faults struct {
	P500, P503, P429, Truncate, HTML float64
	Burst429                         int
	Latency                          time.Duration
	Seed                             uint64
}

// ParseFaults reads a --faults spec.
func ParseFaults(spec string) (Faults, error) {
	f := Faults{Seed: 1}
	if strings.TrimSpace(spec) == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("fault %q: want key=value, e.g. 503=0.1", part)
		}
		prob := func(dst *float64) error {
			p, err := strconv.ParseFloat(v, 64)
			if err != nil || p < 0 || p > 1 {
				return fmt.Errorf("fault %s=%s: want a share between 0 and 1", k, v)
			}
			*dst = p
			return nil
		}
		var err error
		switch k {
		case "500":
			err = prob(&f.P500)
		case "503":
			err = prob(&f.P503)
		case "429":
			err = prob(&f.P429)
		case "truncate":
			err = prob(&f.Truncate)
		case "html":
			err = prob(&f.HTML)
		case "burst429":
			f.Burst429, err = strconv.Atoi(v)
			if err != nil || f.Burst429 < 0 {
				err = fmt.Errorf("fault burst429=%s: want a count", v)
			}
		case "latency":
			f.Latency, err = time.ParseDuration(v)
			if err != nil || f.Latency < 0 {
				err = fmt.Errorf("fault latency=%s: want a duration like 200ms", v)
			}
		case "seed":
			f.Seed, err = strconv.ParseUint(v, 10, 64)
			if err != nil {
				err = fmt.Errorf("fault seed=%s: want a whole number", v)
			}
		default:
			err = fmt.Errorf("unknown fault %q (known: 500, 503, 429, burst429, latency, truncate, html, seed)", k)
		}
		if err != nil {
			return f, err
		}
	}
	if f.P500+f.P503+f.P429+f.HTML > 1 {
		return f, fmt.Errorf("the shares of 500, 503, 429 and html add up to more than 1")
	}
	return f, nil
}

func (f Faults) none() bool {
	return f.P500 == 0 && f.P503 == 0 && f.P429 == 0 && f.Truncate == 0 && f.HTML == 0 && f.Burst429 == 0 && f.Latency == 0
}

type faultState struct {
	f     Faults
	mu    sync.Mutex
	rng   *rand.Rand
	burst int
}

func newFaultState(f Faults, seed int64) *faultState {
	if f.Seed == 0 {
		f.Seed = uint64(seed)
	}
	return &faultState{f: f, rng: rand.New(rand.NewPCG(f.Seed, 0x5eed)), burst: f.Burst429}
}

// draw decides this request's fate: "" for none.
func (fs *faultState) draw() (fault string, truncate bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.burst > 0 {
		fs.burst--
		return "429", false
	}
	r := fs.rng.Float64()
	for _, c := range []struct {
		name string
		p    float64
	}{{"500", fs.f.P500}, {"503", fs.f.P503}, {"429", fs.f.P429}, {"html", fs.f.HTML}} {
		if r < c.p {
			return c.name, false
		}
		r -= c.p
	}
	return "", fs.rng.Float64() < fs.f.Truncate
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
		if fs.f.Latency > 0 {
			select {
			case <-time.After(fs.f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		fault, truncate := fs.draw()
		item := func(status int, code, title, detail string) {
			fail(w, &apiError{status: status, code: code, title: title, detail: detail})
		}
		switch fault {
		case "500":
			item(500, "internal-server-error", "Internal Server error.", "Internal Server error. Contact support.")
		case "503":
			item(503, "service-unavailable", "Service Unavailable", "Service Unavailable. Try again later.")
		case "429":
			w.Header().Set("Retry-After", "1")
			item(429, "too-many-requests", "Too many requests", "Query limit reached.")
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(proxyPage))
		default:
			if truncate {
				next.ServeHTTP(&truncatingWriter{ResponseWriter: w}, r)
				return
			}
			next.ServeHTTP(w, r)
		}
	})
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
