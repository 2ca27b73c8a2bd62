package listenview

import (
	"time"

	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	"github.com/basiq-onboard/basiq-onboard/ui/eventlog"
)

// Rows turns a session's items into the eventlog's rows, newest first, for
// listen's view and the wizard's Events view alike. An item's row is made
// (and redacted) again only when the item changed, not each frame.
type Rows struct {
	// Redact hides the key, tokens and secrets in every server word.
	Redact func(string) string
	cache  map[*listen.Item]cachedRow
}

// cachedRow is an item's row as of the item's version.
type cachedRow struct {
	version rowVersion
	row     eventlog.Row
}

// rowVersion is what of an item a row shows that changes.
type rowVersion struct {
	state            listen.ItemState
	tried, resends   int
	attempts         int
	sendErr          string
	next, lastAnswer time.Time
}

// Of are the items' rows, newest first (items come oldest first).
func (r *Rows) Of(items []*listen.Item) []eventlog.Row {
	if r.cache == nil || len(r.cache) > 2*len(items)+16 {
		r.cache = make(map[*listen.Item]cachedRow, len(items)) // forget the events no longer kept
	}
	rows := make([]eventlog.Row, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- {
		rows = append(rows, r.row(items[i]))
	}
	return rows
}

func (r *Rows) row(it *listen.Item) eventlog.Row {
	v := rowVersion{state: it.State, tried: it.Tried, resends: it.Resends, attempts: len(it.Attempts), sendErr: it.SendErr, next: it.Next}
	if a := it.Last(); a != nil {
		v.lastAnswer = a.Time
	}
	if c, ok := r.cache[it]; ok && c.version == v {
		return c.row
	}
	row := RowOf(it, r.redact())
	r.cache[it] = cachedRow{version: v, row: row}
	return row
}

func (r *Rows) redact() func(string) string {
	if r.Redact == nil {
		return func(s string) string { return s }
	}
	return r.Redact
}

// RowOf is an item as the list shows it, every server word redacted.
func RowOf(it *listen.Item, redact func(string) string) eventlog.Row {
	r := eventlog.Row{ID: redact(it.Event.ID), Time: it.Created, Type: redact(it.Event.TypeID()), Entity: redact(it.Event.Entity),
		State: string(it.State), Tried: it.Tried, Next: it.Next, Backfill: it.Backfill, Resent: it.Resends > 0}
	if a := it.Last(); a != nil {
		r.Status, r.Took = a.Status, a.Duration
		if a.Status == 0 {
			r.Answer = redact(a.Err)
		}
		r.Body = redact(a.Body)
		r.Hint = listen.AnswerHint(*a)
	}
	if it.SendErr != "" {
		r.Answer = redact(it.SendErr)
	}
	return r
}

// DetailOf is an item in full, as the opened event shows it.
func DetailOf(it *listen.Item, redact func(string) string) eventlog.Detail {
	d := eventlog.Detail{ID: redact(it.Event.ID), Type: redact(it.Event.TypeID()), UserID: redact(it.Event.UserID),
		WebhookID: redact(it.MessageID), Created: it.Created, Payload: redact(indent(it.Payload)), SendErr: redact(it.SendErr),
		EntityURL: redact(entityPath(it.Entity.URL)), EntityLoading: it.Entity.Loading, EntityErr: redact(it.Entity.Err),
		EntityCut: it.Entity.Cut, Kept: it.State == listen.Kept}
	if len(it.Entity.Body) > 0 {
		d.Entity = redact(indent(it.Entity.Body))
	}
	if len(it.Event.Data) > 0 && string(it.Event.Data) != "null" {
		d.Data = redact(indent(it.Event.Data))
	}
	for _, a := range it.Attempts {
		d.Attempts = append(d.Attempts, eventlog.Attempt{N: a.N, Time: a.Time, Status: a.Status, Answer: redact(a.Err), OK: a.OK(),
			Took: a.Duration, Body: redact(a.Body), Cut: a.BodyCut, Next: a.Next, Fault: faultName(a.Fault)})
	}
	return d
}
