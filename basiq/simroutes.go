package basiq

import (
	"context"
	"net/http"
	"time"
)

// The routes only basiq-onboard's simulator has, under /_simulator/ (the
// server token, as every route of the application): Basiq has none of them,
// so a command asks IsSimulator before it uses one.

// simulatorType is what GET /_simulator answers as its "type".
const simulatorType = "simulator"

// IsSimulator reports whether the API is basiq-onboard's simulator. An API
// not on this machine never is (the simulator listens on loopback only):
// no request is made. One on this machine is asked GET /_simulator, which
// the simulator answers with {"type": "simulator"}; any other answer (a
// 404, a fake Basiq's, a proxy's) means it is not. A failure that says
// nothing either way (no answer, a 5xx or 429 after the retries, a key
// refused) is the error.
func (c *Client) IsSimulator(ctx context.Context) (bool, error) {
	if c.base.Scheme != "http" || !isLoopback(c.base.Hostname()) {
		return false, nil
	}
	var out struct {
		Type string `json:"type"`
	}
	err := c.call(ctx, get("/_simulator", nil), &out)
	if e, ok := asError(err); ok && e.Status/100 == 4 && e.Status != http.StatusTooManyRequests && e.Path != tokenPath {
		return false, nil
	}
	if e, ok := asError(err); ok && e.Status/100 == 2 {
		return false, nil // a 2xx that is not the simulator's JSON: someone else's route
	}
	if err != nil {
		return false, err
	}
	return out.Type == simulatorType, nil
}

// Triggered is what POST /_simulator/trigger did: the user it acted on,
// the events it raised at once, and the job whose step brings the event
// asked for, where a job does (connection.activated, account.updated, …).
type Triggered struct {
	EventTypeID string  `json:"eventTypeId"`
	UserID      string  `json:"userId"`
	Events      []Event `json:"events"`
	JobID       string  `json:"jobId,omitempty"`
	Due         string  `json:"due,omitempty"` // when the job's step ends, RFC 3339
}

// DueAt is when the job's step, and so the event, is due; the zero time
// when no job brings it.
func (t Triggered) DueAt() time.Time {
	at, _ := time.Parse(time.RFC3339Nano, t.Due)
	return at
}

// TriggerEvent asks the simulator to raise an event of eventTypeID for real
// (POST /_simulator/trigger), on userID or, when it is "", on a sandbox user
// it makes. It makes things, so it is not repeated once it may have arrived.
func (c *Client) TriggerEvent(ctx context.Context, eventTypeID, userID string) (Triggered, error) {
	if userID != "" {
		if err := ValidateID(userID); err != nil {
			return Triggered{}, err
		}
	}
	body := struct {
		EventTypeID string `json:"eventTypeId"`
		UserID      string `json:"userId,omitempty"`
	}{eventTypeID, userID}
	var out Triggered
	err := c.callJSON(ctx, request{method: http.MethodPost, path: "/_simulator/trigger", retry: retryUnsent}, body, &out)
	return out, err
}
