package basiq

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/basiqspec"
)

// The events calls held to core.json as TestContractRequests and
// TestContractExamples hold the others. Known differences, each checked:
//   - the list's data is typed as a string, while its example (and Basiq's
//     docs, and GET /events/{id}) give an object: Event.Data is raw JSON,
//     whatever it is;
//   - the list example's links are a list of one object ([{"self": …}]),
//     GET /events/{id}'s an object: EventLinks reads both.

func TestContractEventRequests(t *testing.T) {
	basiqspec.Dir(t)
	var reqs []recorded
	mux := http.NewServeMux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs = append(reqs, recorded{r.Method, r.URL.RequestURI(), r.Header.Clone(), b})
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": "eyJ.x.y", "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{}})
	})
	mux.HandleFunc("GET /events/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "event", "id": r.PathValue("id")})
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, userJSON(testUserID)) })

	c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ListEvents(ctx, EventFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListEvents(ctx, EventFilter{UserID: testUserID, Entity: "consent", Type: "revoked"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetEvent(ctx, testEventID); err != nil {
		t.Fatal(err)
	}
	// A user.created event's links.eventEntity is the user.
	if _, err := c.GetLink(ctx, "https://au-api.basiq.io/users/"+testUserID); err != nil {
		t.Fatal(err)
	}

	_, seen := validateRequests(t, srv.URL, reqs)
	for _, want := range []string{"GET /events", "GET /events/{id}", "GET /users/{userId}"} {
		if !seen[want] {
			t.Errorf("%s was never exercised", want)
		}
	}
}

func TestContractEventExamples(t *testing.T) {
	docs := basiqspec.Load(t, "").Docs
	decoded := 0
	for _, doc := range docs {
		for path, item := range doc.Paths.Map() {
			var target func() any
			switch path {
			case "/events":
				target = func() any { return new(listBody[Event]) }
			case "/events/{id}":
				target = func() any { return new(Event) }
			default:
				continue
			}
			op := item.Get
			if op == nil {
				t.Fatalf("%s has no GET", path)
			}
			media := op.Responses.Value("200").Value.Content.Get("application/json")
			exs := examples(media)
			if len(exs) == 0 {
				var quirks []string
				if v := synthesize(media.Schema.Value, "", 0, &quirks); v != nil {
					exs["assembled from property examples"] = v
				}
			}
			for name, raw := range exs {
				b, _ := json.Marshal(raw)
				v := target()
				if err := json.Unmarshal(b, v); err != nil {
					t.Errorf("GET %s example %q does not decode: %v", path, name, err)
					continue
				}
				var e Event
				switch v := v.(type) {
				case *Event:
					e = *v
				case *listBody[Event]:
					if len(v.Data) == 0 {
						t.Errorf("GET %s example %q: no event", path, name)
						continue
					}
					e = v.Data[0]
				}
				if e.ID == "" || e.Created().IsZero() || e.Links.Self == "" || len(e.Data) == 0 {
					t.Errorf("GET %s example %q lost fields: %+v", path, name, e)
				}
				decoded++
			}
		}
	}
	if decoded < 2 {
		t.Errorf("%d examples of /events decoded, want both routes'", decoded)
	}
}
