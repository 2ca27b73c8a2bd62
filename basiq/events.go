package basiq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	events, _, err := c.ScanEvents(ctx, f, nil)
	return events, err
}

// The bounds of one GET /events: Basiq keeps 7 days of events, and a list
// past these is not one this program can use (nor one Basiq sends).
const (
	maxEventsListed = 200_000
	maxEventBytes   = 1 << 20
)

var (
	errTooManyEvents = errors.New("a list of more than 200,000 events")
	errEventTooBig   = errors.New("an event of more than 1 MiB")
)

// IsTooManyEvents reports an event list past this client's bounds (more
// than 200,000 events, or one of more than 1 MiB): asking again brings the
// same, a narrower filter (one user's) does not.
func IsTooManyEvents(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Body == errTooManyEvents.Error() || e.Body == errEventTooBig.Error())
}

// ScanEvents is ListEvents reading the list as it arrives and keeping only
// the events keep takes (nil: every one), in Basiq's order: a poll that
// wants the few new events of a week's thousands holds those few, never the
// whole body. listed is how many the list held. The list is bounded in
// events and in an event's size, not in bytes as other answers are.
func (c *Client) ScanEvents(ctx context.Context, f EventFilter, keep func(Event) bool) (kept []Event, listed int, err error) {
	if f.UserID != "" {
		if err := ValidateID(f.UserID); err != nil {
			return nil, 0, err
		}
	}
	q, err := filterQuery(f.Filters())
	if err != nil {
		return nil, 0, err
	}
	req := get("/events", q)
	req.stream = func(r io.Reader) error {
		kept, listed = kept[:0], 0 // a retried attempt starts again
		return scanEventList(r, func(e Event) {
			listed++
			if keep == nil || keep(e) {
				kept = append(kept, e)
			}
		})
	}
	if err := c.call(ctx, req, nil); err != nil {
		return nil, 0, err
	}
	return kept, listed, nil
}

// scanEventList reads Basiq's list envelope ({"type": "list", "data": […],
// "links": …}) from r, handing each event of data to each as it is decoded.
func scanEventList(r io.Reader, each func(Event)) error {
	lr := &valueLimit{r: r, limit: maxEventBytes}
	dec := json.NewDecoder(lr)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return cutIsUnexpected(err)
		}
		if key, _ := tok.(string); !strings.EqualFold(key, "data") { // as encoding/json matches a field
			lr.mark()
			var skip json.RawMessage // type, links: small
			if err := dec.Decode(&skip); err != nil {
				return cutIsUnexpected(err)
			}
			continue
		}
		switch tok, err := dec.Token(); {
		case err != nil:
			return cutIsUnexpected(err)
		case tok == nil:
			continue // "data": null, an empty list as json.Unmarshal reads it
		case tok != json.Delim('['):
			return fmt.Errorf("basiq: the event list's data is %v, not a list", tok)
		}
		for n := 0; dec.More(); n++ {
			if n == maxEventsListed {
				return errTooManyEvents
			}
			lr.mark()
			var e Event
			if err := dec.Decode(&e); err != nil {
				return cutIsUnexpected(err)
			}
			each(e)
		}
		if err := expectDelim(dec, ']'); err != nil {
			return err
		}
	}
	return expectDelim(dec, '}')
}

// expectDelim reads the next token, which must be d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return cutIsUnexpected(err)
	}
	if tok != d {
		return fmt.Errorf("basiq: the event list has %v where %v belongs", tok, d)
	}
	return nil
}

// cutIsUnexpected is a stream's end before its JSON ended told as a body
// cut short, as decoding a whole body tells it.
func cutIsUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// valueLimit fails a read once more than limit bytes (and the decoder's
// read-ahead) have come since the last mark: one event of megabytes is not
// buffered whole.
type valueLimit struct {
	r           io.Reader
	limit, read int
	since       int
}

func (v *valueLimit) mark() { v.since = v.read }

func (v *valueLimit) Read(p []byte) (int, error) {
	if v.read-v.since > v.limit+readAhead {
		return 0, errEventTooBig
	}
	n, err := v.r.Read(p)
	v.read += n
	return n, err
}

// readAhead is what json.Decoder may have read past the value it decodes.
const readAhead = 64 << 10

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
