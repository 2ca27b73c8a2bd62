package webhook

import (
	"sort"
	"strings"
)

// EventType is one of Basiq's event types: ID is entity.eventType
// ("user.created": entity "user", eventType "created"), as events carry them
// and webhooks subscribe to them.
type EventType struct {
	ID          string
	Entity      string
	EventType   string
	Description string // Basiq's own words, as GET /events/types answers them
}

// EventTypes are the 15 of Basiq's GET /events/types (core.json's example),
// in its order. Basiq's consent-events page names consent.archived where
// this list has consent.reminder: the list is followed.
var EventTypes = []EventType{
	{"account.updated", "account", "updated", "when an account is updated"},
	{"connection.activated", "connection", "activated", "when a connection is activated"},
	{"connection.created", "connection", "created", "when a connection is created"},
	{"connection.deleted", "connection", "deleted", "when a connection is deleted"},
	{"connection.invalidated", "connection", "invalidated", "when a connection is invalidated"},
	{"consent.created", "consent", "created", "when a consent is created"},
	{"consent.expired", "consent", "expired", "when a consent is expired"},
	{"consent.reminder", "consent", "reminder", "when a consent has been active for 90 days since the last update"},
	{"consent.revoked", "consent", "revoked", "when a consent is revoked"},
	{"consent.updated", "consent", "updated", "when a consent is updated"},
	{"consent.warning", "consent", "warning", "when a consent is about to expire"},
	{"transactions.updated", "transactions", "updated", "when transactions are updated"},
	{"user.created", "user", "created", "when an user is created"},
	{"user.deleted", "user", "deleted", "when an user is deleted"},
	{"user.updated", "user", "updated", "when an user is updated"},
}

// LookupEventType finds an event type by its id, exactly.
func LookupEventType(id string) (EventType, bool) {
	for _, t := range EventTypes {
		if t.ID == id {
			return t, true
		}
	}
	return EventType{}, false
}

// EventTypeIDs are the ids, sorted: for completion and for a message that
// lists them.
func EventTypeIDs() []string {
	ids := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		ids[i] = t.ID
	}
	sort.Strings(ids)
	return ids
}

// SuggestEventType names the event type a mistyped name most likely meant,
// for a "did you mean": another case or separator (User_Created), the parts
// swapped (created.user), a plural (users.created) or a slip of a letter or
// two. ok is false when nothing is close, or when name is itself a type.
func SuggestEventType(name string) (suggestion string, ok bool) {
	if _, exact := LookupEventType(name); exact {
		return "", false
	}
	n := normalizeEventName(name)
	if n == "" {
		return "", false
	}
	if entity, action, two := strings.Cut(n, "."); two {
		if t, found := LookupEventType(action + "." + entity); found {
			return t.ID, true
		}
	}
	best, bestDist := "", -1
	for _, t := range EventTypes {
		d := EditDistance(n, t.ID)
		if bestDist < 0 || d < bestDist {
			best, bestDist = t.ID, d
		}
	}
	// Close means a slip, not another word: at most 2 edits, or 3 in a long name.
	limit := 2
	if len(n) >= 16 {
		limit = 3
	}
	if bestDist > limit {
		return "", false
	}
	return best, true
}

// normalizeEventName lowers the case and makes every separator a dot.
func normalizeEventName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ':', '/', ' ':
			return '.'
		}
		return r
	}, name)
}

// EditDistance is the Damerau-Levenshtein distance (optimal string
// alignment) of two short ASCII-ish names, counted in bytes: a swap of two
// letters is one edit. The suggestions of a near miss use it, the command
// line's for its flags too.
func EditDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
