// Package headless is the quickstart's faces without a screen: plain lines
// on stderr with the accounts as a table on stdout, --json's document, or
// --events' lines. It performs the session's effects one after another
// through flow's Performer and decides nothing about the quickstart.
package headless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Output is what a headless run prints on stdout.
type Output int

const (
	OutputTable  Output = iota // plain: the accounts as a table
	OutputJSON                 // --json: one document at the end
	OutputEvents               // --events: one JSON object a line, as things happen
)

// Run runs the quickstart with no prompts: every answer comes from a
// flag or the environment. Progress goes to stderr as timestamped lines
// (except with --events, where it is on stdout); it returns the exit code.
// --timeout bounds the whole run.
func Run(ctx context.Context, cfg flow.Config, out Output, stdout, stderr io.Writer) int {
	s := cfg.Session(false)
	clock := cfg.RunClock()
	p := flow.NewPerformer(cfg)
	defer p.Close()
	w := &headlessWriter{session: s, clock: clock, out: out, stdout: stdout, stderr: stderr, redact: cfg.Redactor}

	run, stop := context.WithTimeout(ctx, s.Config().Timeout)
	defer stop()
	events := make(chan qs.Event)
	listening := make(chan struct{}) // closed when no more answers are read
	var inFlight sync.WaitGroup
	apply := func(now time.Time, ev qs.Event) {
		for _, eff := range s.Apply(now, ev) {
			switch eff := eff.(type) {
			case qs.Say:
				w.note(qs.Note(eff))
			case qs.Finish:
			default:
				inFlight.Add(1)
				go func() {
					defer inFlight.Done()
					callCtx := run
					if _, ok := eff.(qs.DeleteUser); ok {
						// Asked for at the end, --timeout or not: a bound of its own.
						var cancel context.CancelFunc
						callCtx, cancel = context.WithTimeout(ctx, cleanupBudget)
						defer cancel()
					}
					if ev := p.Perform(callCtx, eff); ev != nil {
						select {
						case events <- ev:
						case <-listening:
						}
					}
				}()
			}
		}
	}
	apply(clock.Now(), qs.Started{})
	deadline := run.Done()
	for done, _ := s.Finished(); !done && ctx.Err() == nil; done, _ = s.Finished() {
		select {
		case ev := <-events:
			apply(clock.Now(), ev)
		case <-ctx.Done(): // interrupted: main says by what
		case <-deadline:
			// --timeout ran out: the calls in flight end now. The first to
			// answer says what Basiq last said; if none does soon, the time
			// is up all the same.
			deadline = nil
			late := time.NewTimer(lastWordWait)
			select {
			case ev := <-events:
				apply(maxTime(clock.Now(), s.Deadline), ev)
			case <-late.C:
				apply(maxTime(clock.Now(), s.Deadline), qs.Tick{})
			}
			late.Stop()
		}
	}
	close(listening)
	stop()
	inFlight.Wait()
	done, code := s.Finished()
	if !done {
		code = interruptedCode(ctx)
		fmt.Fprintln(stderr, "basiq-onboard: interrupted")
		w.finish(code) // what is known so far, for a script that reads the result
		return code
	}
	w.finish(code)
	return code
}

// cleanupBudget bounds deleting the user at the end (--delete-user), which
// runs even once --timeout has run out.
const cleanupBudget = 30 * time.Second

// lastWordWait is how long, past --timeout, a cut call has to say what Basiq last answered.
const lastWordWait = 200 * time.Millisecond

// Interruption is a reason a run was stopped from outside (a signal) that
// knows its exit code.
type Interruption interface {
	error
	ExitCode() int
}

// interruptedCode is the exit code of a run ctx's cause stopped: the
// signal's, or 130.
func interruptedCode(ctx context.Context) int {
	var i Interruption
	if errors.As(context.Cause(ctx), &i) {
		return i.ExitCode()
	}
	return qs.ExitInterrupted
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// headlessWriter prints the session's notes: lines on stderr, or events on
// stdout. Everything goes through the redactor but the consent link.
type headlessWriter struct {
	session        *qs.Session
	clock          flow.Clock
	out            Output
	stdout, stderr io.Writer
	redact         *basiq.Redactor
}

func (w *headlessWriter) logf(format string, args ...any) {
	fmt.Fprintf(w.stderr, "%s  %s\n", w.clock.Now().Format("15:04:05"), w.redact.String(text.Safe(fmt.Sprintf(format, args...))))
}

func (w *headlessWriter) note(n qs.Note) {
	if w.out == OutputEvents {
		if n.Listen != nil {
			// listen --json's own objects: a script reads both alike.
			if e := listenObject(*n.Listen, func(s string, _ int) string { return w.redact.String(s) }); e != nil {
				w.event(e)
			}
			return
		}
		w.event(eventOf(n))
		return
	}
	switch n.Kind {
	case qs.NoteDoing, qs.NoteInfo:
		w.logf("%s", n.Text)
	case qs.NoteDone, qs.NoteUser, qs.NoteAccounts:
		w.logf("%s %s", theme.SymbolDone, n.Text)
	case qs.NoteJobDone:
		if !n.Failed { // the problem that follows says why
			w.logf("%s %s", theme.SymbolDone, n.Text)
		}
	case qs.NoteWarning:
		w.logf("%s %s", theme.SymbolWarning, n.Text)
	case qs.NoteLink:
		w.logf("%s", n.Text)
		// The one secret shown: the person needs the link whole, token and all.
		fmt.Fprintln(w.stderr, CutValue(text.Safe(n.Link.URL)))
	case qs.NoteJobStep:
		w.step(n.Step)
	case qs.NoteProblem:
		w.problem(n.Problem)
	case qs.NoteMFAChallenge:
		w.logf("? %s", n.Text)
	case qs.NoteBasiqEvent:
		w.logf("· %s", n.Text)
	case qs.NoteHandlerAnswer:
		mark := theme.SymbolFailed
		if a := n.Listen.Attempt; a != nil && a.OK() {
			mark = theme.SymbolDone
		}
		w.logf("%s %s", mark, n.Text)
	case qs.NoteMFAOutcome:
		mark := theme.SymbolDone
		if n.MFA.Outcome != qs.MFAAccepted {
			mark = theme.SymbolFailed
		}
		w.logf("%s %s", mark, n.Text)
	}
}

func (w *headlessWriter) step(s *qs.StepNote) {
	name := text.Field(basiq.StepName(s.Title))
	switch {
	case s.Status == basiq.StepInProgress:
		w.logf("… %s", name)
	case (s.Status == basiq.StepSuccess || s.Status == basiq.StepSkipped) && s.Took > 0:
		w.logf("%s %s (%.1fs)", theme.SymbolDone, name, s.Took.Seconds())
	case s.Status == basiq.StepSuccess || s.Status == basiq.StepSkipped:
		w.logf("%s %s", theme.SymbolDone, name)
	case s.Status == basiq.StepFailed:
		w.logf("%s %s", theme.SymbolFailed, name) // the problem that follows says why, once
	default:
		w.logf("%s: %s", name, text.Field(s.Status))
	}
}

func (w *headlessWriter) problem(p *qs.Problem) {
	w.logf("%s %s", theme.SymbolFailed, p.What)
	for _, line := range []string{p.Meaning, p.Next} {
		if line != "" {
			w.logf("  %s", line)
		}
	}
	if p.CorrelationID != "" {
		w.logf("  Basiq correlation id %s", p.CorrelationID)
	}
	if p.Resume != "" {
		w.logf("  %s", p.Resume)
	}
}

// finish prints the result: the accounts table, the JSON document, or the last event.
func (w *headlessWriter) finish(code int) {
	result := w.session.Result()
	switch w.out {
	case OutputJSON:
		if b, err := outputJSON(result, true, w.redact, false); err == nil {
			_, _ = fmt.Fprintf(w.stdout, "%s\n", b) // stdout gone: nothing left to tell
		}
	case OutputEvents:
		w.event(map[string]any{"event": "done", "exit": code, "result": result})
	default:
		if len(result.Accounts) > 0 {
			writeAccountsTable(w.stdout, result.Accounts, w.redact)
		}
	}
}

func (w *headlessWriter) event(e map[string]any) {
	e["time"] = w.clock.Now().UTC().Format(time.RFC3339Nano)
	b, err := outputJSON(e, false, w.redact, e["event"] == eventConsentLink)
	if err != nil {
		return // every value here marshals; a failure would be a bug, not news
	}
	fmt.Fprintf(w.stdout, "%s\n", b)
}

// eventConsentLink is the --events line with the consent link: the one
// output that keeps the client token in it.
const eventConsentLink = "consent_link"

// eventOf is a note as an --events line. Every line has "event" and "time".
func eventOf(n qs.Note) map[string]any {
	switch n.Kind {
	case qs.NoteUser:
		return map[string]any{"event": "user", "user": n.User}
	case qs.NoteLink:
		return map[string]any{"event": eventConsentLink, "url": n.Link.URL, "expires": n.Link.Expires.UTC().Format(time.RFC3339)}
	case qs.NoteJobStep:
		e := map[string]any{"event": "job_step", "job": n.Step.JobID, "step": n.Step.Title, "status": n.Step.Status}
		if n.Step.Took > 0 {
			e["took_ms"] = n.Step.Took.Milliseconds()
		}
		if n.Step.Reason != "" {
			e["reason"] = n.Step.Reason
		}
		return e
	case qs.NoteProblem:
		// The fields of --json's problem, so a script reads both alike.
		e := map[string]any{}
		b, _ := json.Marshal(n.Problem.Report()) // strings only: it cannot fail
		_ = json.Unmarshal(b, &e)
		e["event"] = "problem"
		return e
	case qs.NoteAccounts:
		return map[string]any{"event": "accounts", "accounts": n.Accounts}
	case qs.NoteMFAChallenge:
		m := n.MFA
		e := map[string]any{"event": "mfa_challenge", "job": m.JobID, "method": m.Method,
			"questions": m.Questions, "expires": m.Expires.UTC().Format(time.RFC3339)}
		if m.Bank != "" {
			e["bank"] = m.Bank
		}
		return e
	case qs.NoteMFAOutcome:
		e := map[string]any{"event": "mfa_answer", "job": n.MFA.JobID, "outcome": n.MFA.Outcome}
		if n.MFA.Reason != "" {
			e["reason"] = n.MFA.Reason
		}
		return e
	}
	level := map[qs.NoteKind]string{qs.NoteDoing: "doing", qs.NoteDone: "done", qs.NoteInfo: "info",
		qs.NoteWarning: "warning", qs.NoteJobDone: "done"}[n.Kind]
	return map[string]any{"event": "progress", "level": level, "message": n.Text}
}

// writeAccountsTable prints the accounts as a plain, aligned table: numbers
// right-aligned, exactly as Basiq sent them, each cell at most a field's
// 200 cells.
func writeAccountsTable(w io.Writer, accts []basiq.Account, r *basiq.Redactor) {
	rows := [][]string{{"Account", "Type", "Number", "Balance", "Available", "Currency", "Status"}}
	for _, a := range accts {
		rows = append(rows, []string{a.Name, a.Class.Type, text.MaskNumber(a.AccountNo), a.Balance, a.AvailableFunds, a.Currency, a.Status})
	}
	for _, row := range rows {
		for i := range row {
			row[i] = text.Field(r.String(text.Safe(row[i])))
		}
	}
	right := []bool{3: true, 4: true, 6: false} // the balance and the available funds end in line
	for _, line := range text.Columns(rows, right) {
		fmt.Fprintln(w, line)
	}
}
