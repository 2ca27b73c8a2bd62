package basiq

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Event is one of Basiq's events (GET /events, GET /events/{id}; basiq-api.md
// §12): something that happened to a user's user, consent, connection,
// account or transactions. Its type is Entity + "." + EventType
// ("connection.created").
type Event struct {
	Type        string `json:"type"` // "event"
	ID          string `json:"id"`
	CreatedDate string `json:"createdDate"` // RFC 3339, to the second
	Entity      string `json:"entity"`
	EventType   string `json:"eventType"`
	UserID      string `json:"userId"`
	// DataRef is the URL of the thing the event is about; what a webhook's
	// links.eventEntity points at.
	DataRef string `json:"dataRef"`
	// Data is a snapshot of the thing, as Basiq sent it (the spec types it
	// as a string in the list and as an object in GET /events/{id}; Basiq's
	// docs and answers give an object): kept as raw JSON.
	Data  json.RawMessage `json:"data,omitempty"`
	Links EventLinks      `json:"links"`
}

// EventLinks are an event's links. The spec's example of the list gives
// them as a list of one object ([{"self": …}]); both forms are read.
type EventLinks struct {
	Self string `json:"self,omitempty"`
}

// UnmarshalJSON reads {"self": …} and the spec example's [{"self": …}].
func (l *EventLinks) UnmarshalJSON(data []byte) error {
	type plain EventLinks
	var one plain
	if err := json.Unmarshal(data, &one); err == nil {
		*l = EventLinks(one)
		return nil
	}
	var list []plain
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("basiq: an event's links are neither an object nor a list of one: %w", err)
	}
	if len(list) > 0 {
		*l = EventLinks(list[0])
	}
	return nil
}

// TypeID is the event's type as webhooks name it: "user.created".
func (e Event) TypeID() string { return e.Entity + "." + e.EventType }

// Created is CreatedDate as a time; the zero time when it cannot be read.
func (e Event) Created() time.Time { return parseStamp(e.CreatedDate) }

// EventFilter selects events: the fields core.json's filter names, each
// compared for equality; "" leaves a field out. Several are ANDed.
type EventFilter struct {
	UserID string // user.id
	Entity string // event.entity: "consent", "connection", …
	Type   string // event.type: the eventType, "created"
}

// Filters are the filter's statements, in Basiq's grammar.
func (f EventFilter) Filters() []Filter {
	var out []Filter
	for _, s := range []struct{ field, value string }{{"user.id", f.UserID}, {"event.entity", f.Entity}, {"event.type", f.Type}} {
		if s.value != "" {
			out = append(out, Eq(s.field, s.value))
		}
	}
	return out
}

// Request is the request ListEvents sends for f, unescaped to be read:
// "GET /events?filter=user.id.eq('…')".
func (f EventFilter) Request() string {
	r := "GET /events"
	if fs := f.Filters(); len(fs) > 0 {
		parts := make([]string, len(fs))
		for i, s := range fs {
			parts[i] = s.String()
		}
		r += "?filter=" + strings.Join(parts, ",")
	}
	return r
}

// ListEvents lists the events of the last 7 days that f selects, as Basiq
// gives them (newest first). The spec gives the list no paging: this is all
// of them.
func (c *Client) ListEvents(ctx context.Context, f EventFilter) ([]Event, error) {
	if f.UserID != "" {
		if err := ValidateID(f.UserID); err != nil {
			return nil, err
		}
	}
	q, err := filterQuery(f.Filters())
	if err != nil {
		return nil, err
	}
	var out listBody[Event]
	err = c.call(ctx, get("/events", q), &out)
	return out.Data, err
}

// GetEvent fetches one event.
func (c *Client) GetEvent(ctx context.Context, id string) (Event, error) {
	if err := pathSegment(id); err != nil {
		return Event{}, err
	}
	var out Event
	return out, c.call(ctx, get("/events/"+id, nil), &out)
}

// GetLink fetches what one of Basiq's links points at (an event's dataRef,
// a webhook payload's links.eventEntity: a user, a connection, an account,
// a list of transactions) as the JSON Basiq answers. Only the link's path
// and query are kept: the token goes to the client's own API whatever host
// the link names.
func (c *Client) GetLink(ctx context.Context, link string) (json.RawMessage, error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Path == "" || !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("basiq: the link %q is not a URL of the API", link)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, fmt.Errorf("basiq: the link %q climbs out of its path", link)
		}
	}
	to, err := c.followable(u.String())
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	err = c.call(ctx, get(to.Path, to.Query()), &out)
	return out, err
}
