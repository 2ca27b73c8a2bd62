package basiq

import (
	"context"
	"encoding/json"
	"net/http"
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
		var list listBody[Event]
		if json.Unmarshal(body, &list) != nil {
			return
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
