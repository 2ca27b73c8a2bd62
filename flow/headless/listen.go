package headless

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	"github.com/basiq-onboard/basiq-onboard/ui/eventlog"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// ListenOutput is what a listen without the full-screen view prints on stdout.
type ListenOutput int

const (
	ListenLines ListenOutput = iota // one line an answer of the handler
	ListenJSON                      // --json: one JSON object a line, nothing else
)

// Listen is listen without the full-screen view: the banner, then each
// answer of the handler as a line on stdout (ListenLines), or everything as
// JSON objects, one a line (ListenJSON); Basiq's failures in words on
// stderr. It returns the exit code: 0 when stopped (ctrl+c, SIGTERM), 1
// when Basiq's answer leaves nothing to try.
func Listen(ctx context.Context, r flow.ListenRun, out ListenOutput, stdout, stderr io.Writer) int {
	clock := r.Clock
	if clock == nil {
		clock = basiq.RealClock{}
	}
	w := &listenWriter{out: out, stdout: stdout, stderr: stderr, clock: clock, redact: r.Redactor}
	w.banner(r.Banner)
	code := r.Drive(ctx, w.note)
	s := r.Session
	w.object(map[string]any{"event": "done", "exit": code, "forwarded": s.Forwarded, "delivered": s.Delivered, "failing": s.Failing()})
	if out == ListenLines {
		fmt.Fprintf(stdout, "Stopped: %s forwarded, %d delivered.\n", countOf(s.Forwarded, "event"), s.Delivered)
		if left := s.Undelivered(clock.Now()); left != "" {
			fmt.Fprintln(stderr, theme.SymbolWarning+" "+left)
		}
	}
	return code
}

// listenWriter prints listen's notes.
type listenWriter struct {
	out            ListenOutput
	stdout, stderr io.Writer
	clock          flow.Clock
	redact         *basiq.Redactor
}

// Bounds of what a line shows of a handler's words: a field of a line is
// cut to 200 cells, as every plain line is.
const lineFieldCells = 200

// shown is text from a server or a handler, fit for a line: its secrets
// hidden, its escapes and controls gone, cut to cells (0: to a field's
// 200). Every such string listen prints passes here.
func (w *listenWriter) shown(s string, cells int) string {
	if cells <= 0 {
		cells = text.FieldCells
	}
	return text.Cut(text.Safe(w.redact.String(s)), cells)
}

// raw is a string for --json: its secrets hidden (outputJSON cuts what is long).
func (w *listenWriter) raw(s string, _ int) string { return w.redact.String(s) }

func (w *listenWriter) banner(b flow.ListenBanner) {
	scope := "all of the application's events"
	if b.UserID != "" {
		scope = "the events of user " + b.UserID
	}
	if len(b.Types) > 0 {
		scope += ", of " + strings.Join(b.Types, ", ") + " only"
	}
	if w.out == ListenJSON {
		e := map[string]any{"event": "ready", "api": b.API, "forward_to": b.To, "secret": b.Secret,
			"request": b.Request, "poll_every_ms": b.Every.Milliseconds(), "user_id": b.UserID}
		if len(b.Types) > 0 {
			e["types"] = b.Types
		}
		w.objectKeeping(e) // the one place the secret is shown
		return
	}
	fmt.Fprintf(w.stdout, "Ready: forwarding Basiq's events from %s to %s (ctrl+c stops).\n", b.API, b.To)
	fmt.Fprintf(w.stdout, "Polling %s every %s: %s.\n", b.Request, listen.Duration(b.Every), scope)
	fmt.Fprintf(w.stdout, "Webhook signing secret: %s (the same every run against this API; --print-secret prints it alone).\n", b.Secret)
}

func (w *listenWriter) note(n listen.Note) {
	if w.out == ListenJSON {
		if e := listenObject(n, w.raw); e != nil {
			w.object(e)
		}
	}
	switch n.Kind {
	case listen.NoteBackfill:
		if w.out == ListenLines {
			fmt.Fprintln(w.stdout, w.shown(n.Text, len(n.Text)))
		}
	case listen.NoteAnswer:
		if w.out == ListenLines {
			fmt.Fprintln(w.stdout, w.answerLine(n.Item, *n.Attempt))
		}
	case listen.NoteResend:
		if w.out == ListenLines {
			fmt.Fprintf(w.stdout, "%s  resent %s %s with its webhook-id %s\n", w.clock.Now().Local().Format("15:04:05"),
				w.shown(n.Item.Event.TypeID(), 40), w.shown(text.ShortID(n.Item.Event.ID), 0), w.shown(n.Item.MessageID, 80))
		}
	case listen.NotePollFailed, listen.NotePollRecovered, listen.NoteSkipped, listen.NoteBehind, listen.NoteProblem:
		mark := theme.SymbolWarning
		switch n.Kind {
		case listen.NoteProblem:
			mark = theme.SymbolFailed
		case listen.NotePollRecovered:
			mark = theme.SymbolDone
		}
		// Our sentence, whose server words the core cut already: whole.
		fmt.Fprintf(w.stderr, "%s  %s %s\n", w.clock.Now().Local().Format("15:04:05"), mark, w.shown(n.Text, len(n.Text)))
	}
}

// answerLine is one attempt as a line: the event's time, type, entity and
// id, then what the handler answered and how long it took.
func (w *listenWriter) answerLine(it *listen.Item, a webhook.Attempt) string {
	when := it.Created.Local().Format("15:04:05")
	head := fmt.Sprintf("%s  %-22s %-12s %-8s", when, w.shown(it.Event.TypeID(), 40), w.shown(it.Event.Entity, 20), w.shown(text.ShortID(it.Event.ID), 0))
	var b strings.Builder
	b.WriteString(head + "  ")
	b.WriteString(w.shown(answerWords(a), 0))
	if a.Fault != "" {
		b.WriteString(" · fault " + string(a.Fault))
	}
	if !a.OK() {
		fmt.Fprintf(&b, " · attempt %d", a.N)
		if a.Next.IsZero() {
			b.WriteString(", the last: Basiq's schedule is over")
		} else {
			b.WriteString(", again in " + listen.Duration(a.Next.Sub(a.Time.Add(a.Duration))))
		}
		if body := strings.TrimSpace(a.Body); body != "" {
			b.WriteString(" · " + w.shown(body, lineFieldCells))
		}
		if hint := listen.AnswerHint(a); hint != "" {
			b.WriteString(" · " + hint)
		}
	}
	if it.Backfill && a.N == 1 {
		b.WriteString(" · backfill")
	}
	return strings.TrimRight(b.String(), " ") // each part was shown() already
}

// answerWords is what the handler did, marked so it reads without colour.
func answerWords(a webhook.Attempt) string {
	took := eventlog.Took(a.Duration)
	switch a.Outcome {
	case webhook.Success:
		return fmt.Sprintf("%s %d in %s", theme.SymbolDone, a.Status, took)
	case webhook.Rejected:
		return fmt.Sprintf("%s %d in %s", theme.SymbolFailed, a.Status, took)
	case webhook.Redirected:
		return fmt.Sprintf("%s %d in %s, a redirect (not followed)", theme.SymbolFailed, a.Status, took)
	}
	return theme.SymbolFailed + " " + text.Safe(a.Err) // the engine's words, sanitised and about the handler
}

// listenObject is a note as a --json line; nil for none.
func listenObject(n listen.Note, shown func(string, int) string) map[string]any {
	e := map[string]any{"event": string(n.Kind)}
	switch n.Kind {
	case listen.NoteBackfill:
		e["count"], e["since"], e["text"] = n.Count, n.Since.UTC().Format(time.RFC3339), n.Text
	case listen.NoteEvent:
		it := n.Item
		e["id"], e["type"], e["entity"] = shown(it.Event.ID, 0), shown(it.Event.TypeID(), 0), shown(it.Event.Entity, 0)
		e["user_id"], e["created"], e["webhook_id"] = shown(it.Event.UserID, 0), shown(it.Event.CreatedDate, 0), shown(it.MessageID, 0)
		e["backfill"] = it.Backfill
		if raw := shown(string(it.Payload), 0); json.Valid([]byte(raw)) {
			e["payload"] = json.RawMessage(raw)
		}
	case listen.NoteAnswer:
		it, a := n.Item, n.Attempt
		e["id"], e["type"], e["webhook_id"] = shown(it.Event.ID, 0), shown(it.Event.TypeID(), 0), shown(it.MessageID, 0)
		e["attempt"], e["outcome"], e["status"], e["took_ms"] = a.N, string(a.Outcome), a.Status, a.Duration.Milliseconds()
		e["body"], e["body_cut"] = shown(a.Body, 0), a.BodyCut
		if a.Err != "" {
			e["error"] = shown(a.Err, 0)
		}
		if !a.Next.IsZero() {
			e["next_attempt"] = a.Next.UTC().Format(time.RFC3339Nano)
		}
		if a.Fault != "" {
			e["fault"] = string(a.Fault)
		}
		e["backfill"] = it.Backfill
	case listen.NoteResend:
		e["id"], e["type"], e["webhook_id"] = shown(n.Item.Event.ID, 0), shown(n.Item.Event.TypeID(), 0), shown(n.Item.MessageID, 0)
	case listen.NotePollFailed, listen.NoteProblem:
		p := n.Problem
		e["what"], e["next"], e["status"], e["code"], e["correlation_id"] = shown(p.What, 0), shown(p.Next, 0), p.Status, shown(p.Code, 0), shown(p.CorrelationID, 0)
		if n.Kind == listen.NotePollFailed {
			e["retry_in_ms"], e["failures"] = n.RetryIn.Milliseconds(), n.Count
		}
	case listen.NotePollRecovered:
		e["failures"] = n.Count
	case listen.NoteSkipped, listen.NoteBehind:
		e["count"], e["text"] = n.Count, n.Text
	default:
		return nil
	}
	return e
}

// object writes a --json line: long strings cut, secrets hidden.
func (w *listenWriter) object(e map[string]any) { w.write(e, false) }

// objectKeeping writes the ready line, whose secret the handler needs.
func (w *listenWriter) objectKeeping(e map[string]any) { w.write(e, true) }

func (w *listenWriter) write(e map[string]any, keepSecrets bool) {
	if w.out != ListenJSON {
		return
	}
	e["time"] = w.clock.Now().UTC().Format(time.RFC3339Nano)
	b, err := outputJSON(e, false, w.redact, keepSecrets)
	if err != nil {
		return // every value here marshals; a failure would be a bug, not news
	}
	fmt.Fprintf(w.stdout, "%s\n", b)
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
