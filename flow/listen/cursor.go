package listen

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// CursorValue is the name the cursor is kept under in the store, per API.
const CursorValue = "listen-last-event"

// maxCursorIDs bounds the ids a cursor keeps (those of the Lateness window
// before its last event), the newest.
const maxCursorIDs = 1000

// Cursor is where the last run stopped: the createdDate of the newest event
// it forwarded, and the events it forwarded from Lateness before that on
// (by id, with their createdDate), so a restart forwards what came since,
// late ones included, and nothing twice. Never a secret.
type Cursor struct {
	Last time.Time
	// Floor: every event created before it is done with (Lateness before
	// Last, or later where Seen was cut to maxCursorIDs).
	Floor time.Time
	Seen  map[string]time.Time
}

// IsZero reports whether nothing was ever forwarded.
func (c Cursor) IsZero() bool { return c.Last.IsZero() }

type cursorJSON struct {
	Last  time.Time            `json:"last"`
	Floor time.Time            `json:"floor"`
	Seen  map[string]time.Time `json:"seen,omitempty"`
}

// String is the cursor as the store keeps it (JSON); "" for the zero one.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	b, _ := json.Marshal(cursorJSON{c.Last.UTC(), c.Floor.UTC(), c.Seen})
	return string(b)
}

// ParseCursor reads what String wrote. What cannot be read is a first
// start: the cursor is a convenience, never worth failing for.
func ParseCursor(s string) Cursor {
	var j cursorJSON
	if s == "" || json.Unmarshal([]byte(s), &j) != nil {
		return Cursor{}
	}
	return Cursor(j).bounded()
}

// bounded keeps the ids of the Lateness window before Last, at most
// maxCursorIDs of them, the newest.
func (c Cursor) bounded() Cursor {
	if c.IsZero() {
		return Cursor{}
	}
	if floor := c.Last.Add(-Lateness); c.Floor.Before(floor) || c.Floor.After(c.Last) {
		c.Floor = floor
	}
	for id, t := range c.Seen {
		if t.Before(c.Floor) {
			delete(c.Seen, id)
		}
	}
	if len(c.Seen) > maxCursorIDs {
		ids := slices.SortedFunc(maps.Keys(c.Seen), func(a, b string) int { return c.Seen[b].Compare(c.Seen[a]) })
		c.Floor = c.Seen[ids[maxCursorIDs-1]].Add(time.Nanosecond) // what was cut is done with
		for _, id := range ids[maxCursorIDs:] {
			delete(c.Seen, id)
		}
	}
	return c
}
