package basiq

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testConnID    = "64011b56-0000-4000-8000-000000000002"
	testConsentID = "69d00245-1048-471a-902b-6cdc5d3d07a7"
)

// sentRequest is what the fake API received.
type sentRequest struct {
	method, path string
	query        url.Values
	body         string
}

// recordingAPI is a fake API that records each request before answering it.
func recordingAPI(t *testing.T) (*fakeAPI, func() []sentRequest) {
	api := newFakeAPI(t)
	var mu sync.Mutex
	var sent []sentRequest
	record := func(r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, sentRequest{r.Method, r.URL.Path, r.URL.Query(), string(b)})
		mu.Unlock()
	}
	answer := func(status int, body any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			record(r)
			if body == nil {
				w.WriteHeader(status)
				return
			}
			writeJSON(w, status, body)
		}
	}
	api.mux.HandleFunc("GET /users/{id}/connections/{cid}", answer(200, map[string]any{
		"type": "connection", "id": testConnID, "method": "web", "status": "active", "createdDate": "2026-01-02T03:04:05Z",
		"lastUsed": "2026-01-02T03:04:08Z", "expiryDate": "", "institution": map[string]any{"type": "institution", "id": "AU00000"},
		"accounts": map[string]any{"type": "list", "data": []any{map[string]any{"type": "account", "id": "a-1", "name": "Transaction 14000", "balance": "34076.00"}}},
		"profile":  map[string]any{"fullName": "Max Wentworth-Smith", "emailAddresses": []any{}, "phoneNumbers": []any{}, "physicalAddresses": []any{}},
		"links":    map[string]any{"self": "https://au-api.basiq.io/users/u/connections/c", "user": "https://au-api.basiq.io/users/u"},
	}))
	api.mux.HandleFunc("DELETE /users/{id}/connections/{cid}", answer(204, nil))
	api.mux.HandleFunc("POST /users/{id}/connections/refresh", answer(202, map[string]any{"type": "list", "data": []any{
		map[string]any{"type": "job", "id": testJobID, "links": map[string]any{"self": "x"}},
		map[string]any{"type": "job", "id": "b03e4df4-dc05-4cd3-9af0-0f28a13ea614", "links": map[string]any{"self": "y"}}}}))
	api.mux.HandleFunc("GET /users/{id}/consents", answer(200, map[string]any{"type": "list", "size": 1, "data": []any{map[string]any{
		"type": "consent", "id": testConsentID, "created": "2024-03-08T14:32:06Z", "updated": "2024-09-24T12:19:35Z", "expiryDate": "2025-03-08T14:32:06Z",
		"origin": "user", "status": "revoked", "revoked": "2024-09-24T12:19:35Z",
		"purpose": map[string]any{"primary": map[string]any{"title": "Share your financial data", "description": "Why"}, "other": nil},
		"data": map[string]any{"retainData": true, "initialRetrievalDays": 730, "organisation": nil, "permissions": []any{map[string]any{
			"scope": "account.basic", "required": true, "consented": true, "entity": "account",
			"information": map[string]any{"name": "Accounts", "description": "d", "attributeList": []any{"Name of account"}},
			"purpose":     map[string]any{"title": "t", "description": "d"}}}},
		"links": map[string]any{"self": "https://au-api.basiq.io/users/u/consents/c"}}}}))
	api.mux.HandleFunc("DELETE /users/{id}/consents/{cid}", answer(204, nil))
	api.mux.HandleFunc("POST /users/{id}", answer(200, userJSON(testUserID)))
	api.mux.HandleFunc("GET /users/{id}/jobs", answer(200, map[string]any{"type": "list", "data": []any{map[string]any{"type": "job", "id": testJobID}}}))
	return api, func() []sentRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]sentRequest(nil), sent...)
	}
}

func TestConnectionAndConsentCalls(t *testing.T) {
	api, sent := recordingAPI(t)
	c := api.client(t, newFakeClock())
	ctx := context.Background()
	conn, err := c.GetConnection(ctx, testUserID, testConnID)
	if err != nil || conn.Status != ConnectionActive || conn.Accounts == nil || len(conn.Accounts.Data) != 1 || conn.Accounts.Data[0].Balance != "34076.00" ||
		conn.Profile.FullName != "Max Wentworth-Smith" || conn.Links.User == "" || conn.LastUsedAt().Sub(conn.CreatedAt()) != 3*time.Second {
		t.Errorf("connection %+v, err %v", conn, err)
	}
	if err := c.DeleteConnection(ctx, testUserID, testConnID); err != nil {
		t.Errorf("delete connection: %v", err)
	}
	jobs, err := c.RefreshAllConnections(ctx, testUserID)
	if err != nil || len(jobs) != 2 || jobs[0] != testJobID {
		t.Errorf("refresh all: %v, %v", jobs, err)
	}
	consents, err := c.ListConsents(ctx, testUserID)
	if err != nil || len(consents) != 1 {
		t.Fatalf("consents %+v, err %v", consents, err)
	}
	got := consents[0]
	if got.Status != ConsentRevoked || got.Revoked == nil || !got.Revoked.Equal(got.Updated) || got.ExpiryDate.Year() != 2025 ||
		got.Purpose.Primary.Title != "Share your financial data" || len(got.Data.Permissions) != 1 || got.Data.Permissions[0].Information.AttributeList[0] != "Name of account" {
		t.Errorf("consent %+v", got)
	}
	if err := c.DeleteConsent(ctx, testUserID, testConsentID); err != nil {
		t.Errorf("delete consent: %v", err)
	}
	u, err := c.UpdateUser(ctx, testUserID, UserUpdate{Mobile: "+61 410 888 999", FirstName: "Max"})
	if err != nil || u.ID != testUserID {
		t.Errorf("update user %+v, err %v", u, err)
	}
	if _, err := c.ListConnectionJobs(ctx, testUserID, testConnID); err != nil {
		t.Errorf("the connection's jobs: %v", err)
	}

	want := []sentRequest{
		{"GET", "/users/" + testUserID + "/connections/" + testConnID, url.Values{}, ""},
		{"DELETE", "/users/" + testUserID + "/connections/" + testConnID, url.Values{}, ""},
		{"POST", "/users/" + testUserID + "/connections/refresh", url.Values{}, ""},
		{"GET", "/users/" + testUserID + "/consents", url.Values{}, ""},
		{"DELETE", "/users/" + testUserID + "/consents/" + testConsentID, url.Values{}, ""},
		{"POST", "/users/" + testUserID, url.Values{}, `{"mobile":"+61410888999","firstName":"Max"}`},
		{"GET", "/users/" + testUserID + "/jobs", url.Values{"filter": {"connection.id.eq('" + testConnID + "')"}}, ""},
	}
	requests := sent()
	if len(requests) != len(want) {
		t.Fatalf("sent %d requests, want %d: %+v", len(requests), len(want), requests)
	}
	for i, w := range want {
		g := requests[i]
		if g.method != w.method || g.path != w.path || g.query.Encode() != w.query.Encode() || g.body != w.body {
			t.Errorf("request %d: %s %s ?%s %s\nwant %s %s ?%s %s", i, g.method, g.path, g.query.Encode(), g.body, w.method, w.path, w.query.Encode(), w.body)
		}
	}
}

func TestConnectionAndConsentCallsRefuseBadInput(t *testing.T) {
	api, sent := recordingAPI(t)
	c := api.client(t, newFakeClock())
	ctx := context.Background()
	calls := map[string]error{
		"a connection id that changes the path": c.DeleteConnection(ctx, testUserID, "../../x"),
		"a consent id that changes the path":    c.DeleteConsent(ctx, testUserID, "a/b"),
		"a user id that is not one":             func() error { _, err := c.ListConsents(ctx, "nope"); return err }(),
		"no connection id":                      func() error { _, err := c.ListConnectionJobs(ctx, testUserID, ""); return err }(),
		"a quote in the connection id":          func() error { _, err := c.ListConnectionJobs(ctx, testUserID, "it's"); return err }(),
		"an update that changes nothing":        func() error { _, err := c.UpdateUser(ctx, testUserID, UserUpdate{}); return err }(),
		"an update with a bad email":            func() error { _, err := c.UpdateUser(ctx, testUserID, UserUpdate{Email: "max@"}); return err }(),
		"an update with a bad mobile":           func() error { _, err := c.UpdateUser(ctx, testUserID, UserUpdate{Mobile: "0412"}); return err }(),
		"a refresh of all for no user":          func() error { _, err := c.RefreshAllConnections(ctx, ""); return err }(),
		"a connection of no user":               func() error { _, err := c.GetConnection(ctx, "", testConnID); return err }(),
	}
	for name, err := range calls {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(sent()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
	if _, err := c.UpdateUser(ctx, testUserID, UserUpdate{}); !errors.Is(err, ErrNothingToUpdate) {
		t.Errorf("an empty update: %v", err)
	}
}

// TestRefreshAllNotRepeatedUpdateUserIs: a refresh that may have reached
// Basiq starts jobs (open-banking refreshes are capped a day), so a 503 is
// not retried; setting the same fields again is harmless, so it is.
func TestRefreshAllNotRepeatedUpdateUserIs(t *testing.T) {
	api := newFakeAPI(t)
	var refreshes, updates atomic.Int32
	api.mux.HandleFunc("POST /users/{id}/connections/refresh", func(w http.ResponseWriter, r *http.Request) {
		refreshes.Add(1)
		writeError(w, 503, "service-unavailable", "Service Unavailable", "Service Unavailable. Try again later.")
	})
	api.mux.HandleFunc("POST /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if updates.Add(1) == 1 {
			writeError(w, 503, "service-unavailable", "Service Unavailable", "Service Unavailable. Try again later.")
			return
		}
		writeJSON(w, 200, userJSON(testUserID))
	})
	c := api.client(t, newFakeClock())
	if _, err := c.RefreshAllConnections(context.Background(), testUserID); !IsUnavailable(err) || refreshes.Load() != 1 {
		t.Errorf("refresh all: %v after %d requests", err, refreshes.Load())
	}
	if _, err := c.UpdateUser(context.Background(), testUserID, UserUpdate{FirstName: "Max"}); err != nil || updates.Load() != 2 {
		t.Errorf("update: %v after %d requests", err, updates.Load())
	}
}

func TestConsentURLActionAndConnection(t *testing.T) {
	u, err := ConsentURL("", ConsentOptions{Token: "a.b.c", Action: ConsentUpdate, ConnectionID: testConnID, State: "s"})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(u)
	if got := q.Query(); got.Get("action") != "update" || got.Get("connectionId") != testConnID || got.Get("token") != "a.b.c" || got.Get("state") != "s" {
		t.Errorf("%s", u)
	}
	if u, _ := ConsentURL("", ConsentOptions{Token: "t", Action: ConsentConnect}); u != "https://consent.basiq.io/home?action=connect&token=t" {
		t.Errorf("connect: %s", u)
	}
}

func TestWaitingForMFA(t *testing.T) {
	var j Job
	err := json.Unmarshal([]byte(`{"type":"job","id":"j","created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:08Z","steps":[
		{"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u/connections/c"}},
		{"title":"mfa-challenge","status":"in-progress","result":{"type":"mfa","method":"token","description":"Enter it.","input":["OTP Password"],"expiryMs":120000,"links":{"response":"https://au-api.basiq.io/jobs/j/mfa"}}},
		{"title":"retrieve-accounts","status":"pending","result":null}]}`), &j)
	if err != nil {
		t.Fatal(err)
	}
	prompt, expires, ok := j.WaitingForMFA()
	if !ok || prompt.Method != "token" || prompt.Input[0] != "OTP Password" || prompt.Links.Response == "" || !expires.Equal(j.Updated.Add(2*time.Minute)) {
		t.Errorf("waiting: %+v %v %v", prompt, expires, ok)
	}
	if j.State() != JobRunning {
		t.Errorf("a job waiting for an answer is %v", j.State())
	}
	j.Steps[1].Status = StepSuccess
	if _, _, ok := j.WaitingForMFA(); ok {
		t.Error("an answered challenge still waits")
	}
}
