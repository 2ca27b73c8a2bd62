package basiq

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const testEventID = "5a47115a7eed80a3b68761b725b78c75892e94cef06810ecc0e2e7b856738371"

func TestListEventsSendsTheFilterAndReadsTheList(t *testing.T) {
	f := newFakeAPI(t)
	var filters []string
	f.mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		filters = append(filters, r.URL.Query().Get("filter"))
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{map[string]any{
			"type": "event", "id": testEventID, "createdDate": "2026-11-24T14:05:12Z", "entity": "connection", "eventType": "created",
			"userId": testUserID, "dataRef": f.srv.URL + "/users/" + testUserID + "/connections/c1",
			"data": map[string]any{"id": "c1", "status": "active"}, "links": map[string]any{"self": f.srv.URL + "/events/" + testEventID},
		}}})
	})
	c := f.client(t, newFakeClock())
	ctx := context.Background()
	all, err := c.ListEvents(ctx, EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListEvents(ctx, EventFilter{UserID: testUserID, Entity: "connection", Type: "created"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"", "user.id.eq('" + testUserID + "'),event.entity.eq('connection'),event.type.eq('created')"}
	if len(filters) != 2 || filters[0] != want[0] || filters[1] != want[1] {
		t.Errorf("filters sent %q, want %q", filters, want)
	}
	if len(all) != 1 {
		t.Fatalf("%d events, want 1", len(all))
	}
	e := all[0]
	if e.TypeID() != "connection.created" || e.Created().IsZero() || e.Links.Self == "" || !strings.Contains(string(e.Data), `"active"`) {
		t.Errorf("event read as %+v", e)
	}
	if got := (EventFilter{UserID: "u1"}).Request(); got != "GET /events?filter=user.id.eq('u1')" {
		t.Errorf("the request reads %q", got)
	}
	if _, err := c.ListEvents(ctx, EventFilter{UserID: "not-a-uuid"}); err == nil {
		t.Error("a user id that is no id was sent")
	}
}

func TestGetEventAndALinkStayOnTheClientsAPI(t *testing.T) {
	f := newFakeAPI(t)
	f.mux.HandleFunc("GET /events/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "event", "id": r.PathValue("id"), "entity": "user", "eventType": "created",
			"links": []any{map[string]any{"self": "x"}}}) // the spec example's list form
	})
	var asked []string
	f.mux.HandleFunc("GET /users/{id}/transactions", func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI())
		if r.Header.Get("Authorization") == "" {
			t.Error("the link was fetched without the token")
		}
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{}})
	})
	c := f.client(t, newFakeClock())
	ctx := context.Background()
	e, err := c.GetEvent(ctx, testEventID)
	if err != nil || e.ID != testEventID || e.Links.Self != "x" {
		t.Fatalf("GetEvent: %+v, %v", e, err)
	}
	if _, err := c.GetEvent(ctx, "../users"); err == nil {
		t.Error("an event id that changes the path was sent")
	}
	// A link naming Basiq's own host goes to the client's API all the same.
	body, err := c.GetLink(ctx, "https://au-api.basiq.io/users/"+testUserID+"/transactions?filter=account.id.eq('a1')")
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if json.Unmarshal(body, &list) != nil || list["type"] != "list" {
		t.Errorf("the link's body: %s", body)
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "filter=account.id.eq") {
		t.Errorf("asked %q", asked)
	}
	for _, bad := range []string{"", "not a url at all", "https://au-api.basiq.io/users/../token", "mailto:x@y"} {
		if _, err := c.GetLink(ctx, bad); err == nil {
			t.Errorf("GetLink(%q) was sent", bad)
		}
	}
}

func TestASecretTheRedactorWasToldLeavesTracesAndErrors(t *testing.T) {
	f := newFakeAPI(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	f.mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 400, "parameter-not-valid", "Parameter not valid", "the filter "+secret[6:]+" is odd")
	})
	var traced []Exchange
	redact := NewRedactor()
	redact.Remember(secret) // listen's local secret: never sent to Basiq, never shown where a trace is
	c := f.client(t, newFakeClock(), func(cfg *Config) {
		cfg.Trace = func(x Exchange) { traced = append(traced, x) }
		cfg.Redactor = redact
	})
	_, err := c.ListEvents(context.Background(), EventFilter{})
	if err == nil || strings.Contains(err.Error(), secret[6:]) {
		t.Errorf("the error shows the secret: %v", err)
	}
	for _, x := range traced {
		if strings.Contains(x.ResponseBody, secret[6:]) {
			t.Errorf("the trace shows the secret: %s", x.ResponseBody)
		}
	}
}

// FuzzDecodeEvents: any GET /events body decodes or fails without a panic;
// an event read has its links in one form, and its type from its parts.
func FuzzDecodeEvents(f *testing.F) {
	f.Add([]byte(`{"type":"list","data":[{"type":"event","id":"61723","createdDate":"2019-07-29T07:34:09Z","entity":"consent","eventType":"revoked","userId":"u","dataRef":"https://x/users/u","data":[{"id":"u"}],"links":[{"self":"https://x/events/61723"}]}]}`))
	f.Add([]byte(`{"data":[{"links":{"self":"s"},"data":"a string","createdDate":"yesterday"}]}`))
	f.Add([]byte(`{"data":[{"links":[]}]}`))
	f.Add([]byte(`{"data":[{"links":null,"data":null}]}`))
	f.Add([]byte(`{"data":[{"links":7}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		// Read as it comes, as a poll does: a list, or an error, never a panic;
		// where the whole body reads too, the same events in the same order.
		var streamed []string
		streamErr := scanEventList(strings.NewReader(string(body)), func(e Event) { streamed = append(streamed, e.ID) })
		var list listBody[Event]
		if json.Unmarshal(body, &list) != nil {
			return
		}
		if streamErr == nil && strings.Count(strings.ToLower(string(body)), `"data"`) == 1 {
			var whole []string
			for _, e := range list.Data {
				whole = append(whole, e.ID)
			}
			if !slices.Equal(streamed, whole) {
				t.Errorf("streamed %q, the whole body %q", streamed, whole)
			}
		}
		for _, e := range list.Data {
			_ = e.Created()
			if got := e.TypeID(); got != e.Entity+"."+e.EventType {
				t.Errorf("TypeID %q", got)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Errorf("an event read cannot be written again: %v", err)
			}
		}
	})
}

func eventListOf(n int, firstID int) string {
	var b strings.Builder
	b.WriteString(`{"type":"list","data":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"event","id":"e%d","createdDate":"2026-11-24T14:05:12Z","entity":"user","eventType":"created","data":{"id":"u%d"},"links":{"self":"x"}}`, firstID+i, i)
	}
	b.WriteString(`],"links":{"self":"x"}}`)
	return b.String()
}

// A poll of a week's events keeps only the ones it takes, in Basiq's order,
// and says what a list it cannot use is, as it does for any other answer.
func TestScanEventsKeepsWhatItIsToldAndTellsABrokenListAsAnyAnswer(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		keep func(Event) bool
		want []string // ids kept, or the error's words
		err  bool
	}{
		{"keeps what keep takes, newest first as given", eventListOf(5, 1), func(e Event) bool { return e.ID != "e2" && e.ID != "e4" }, []string{"e1", "e3", "e5"}, false},
		{"nil keeps every one", eventListOf(3, 1), nil, []string{"e1", "e2", "e3"}, false},
		{"keep that takes none", eventListOf(3, 1), func(Event) bool { return false }, nil, false},
		{"data null", `{"type":"list","data":null}`, nil, nil, false},
		{"links in the list form before data", `{"links":[{"self":"x"}],"data":[{"id":"e1","links":[{"self":"y"}]}]}`, nil, []string{"e1"}, false},
		{"cut short", eventListOf(3, 1)[:200], nil, []string{"200 with a body cut short"}, true},
		{"an HTML page", "<html><body>Gateway</body></html>", nil, []string{"200 with an HTML page"}, true},
		{"empty", "", nil, []string{"200 with an empty body"}, true},
		{"not a list", `{"type":"list","data":{"id":"e1"}}`, nil, []string{"200 with a body that is not the JSON Basiq documents"}, true},
		{"one event of 2 MiB", `{"data":[{"id":"e1","data":"` + strings.Repeat("x", 2<<20) + `"}]}`, nil, []string{"200 with an event of more than 1 MiB"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			gets := f.route("GET /events", func(_ int32, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tc.body)
			})
			var traced []Exchange
			c := f.client(t, newFakeClock(), func(cfg *Config) { cfg.Trace = func(x Exchange) { traced = append(traced, x) } })
			kept, listed, err := c.ScanEvents(context.Background(), EventFilter{}, tc.keep)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), tc.want[0]) {
					t.Fatalf("got %.300v, want it to say %q", err, tc.want[0])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range kept {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("kept %q, want %q", ids, tc.want)
			}
			if want := strings.Count(tc.body, `"id":"e`); listed != want {
				t.Errorf("listed %d, the list held %d", listed, want)
			}
			if gets.Load() != 1 || len(traced) == 0 || traced[len(traced)-1].ResponseBytes != len(tc.body) {
				t.Errorf("%d requests; the trace should count the whole body (%d bytes): %+v", gets.Load(), len(tc.body), traced)
			}
		})
	}
}

// More events than the bound is not asked for again: it would come the same.
func TestScanEventsRefusesAListPastItsBoundOnce(t *testing.T) {
	f := newFakeAPI(t)
	gets := f.route("GET /events", func(_ int32, w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":[`+strings.Repeat(`{},`, maxEventsListed)+`{}]}`)
	})
	c := f.client(t, newFakeClock())
	_, _, err := c.ScanEvents(context.Background(), EventFilter{}, func(Event) bool { return false })
	if !IsTooManyEvents(err) || !strings.Contains(err.Error(), "200 with a list of more than 200,000 events") || gets.Load() != 1 {
		t.Errorf("got %v after %d requests; want the bound said, once", err, gets.Load())
	}
}

// A list of 10,000 events, as a burst leaves in the week Basiq keeps: what
// reading it costs, whole as ListEvents did before ScanEvents, and as it
// comes (each event handed on and dropped, as a poll drops those it saw).
func BenchmarkScanTenThousandEvents(b *testing.B) {
	body := eventListOf(10_000, 1)
	b.Run("whole body decoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw, _ := io.ReadAll(strings.NewReader(body))
			var list listBody[Event]
			if err := json.Unmarshal(raw, &list); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := scanEventList(strings.NewReader(body), func(Event) {}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
