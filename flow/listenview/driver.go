// Package listenview is listen's full-screen face: a tea.Model over the
// eventlog screen, and Driver, which runs a listen session inside any
// Bubble Tea program (this one, and the wizard's --forward-to for its
// user). Neither decides anything about listen: the session does.
package listenview

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// Driver runs a listen session in a Bubble Tea program: it performs the
// session's effects in tea.Cmds (polls and fetches each in their own, the
// deliveries of one answer in order in one), reads the engine's attempts,
// and hands every note to Notes. A host embeds it, passes it every message
// (Update reports the ones that were its own), and draws its Session.
type Driver struct {
	Session *listen.Session
	f       *flow.Forwarder
	ctx     context.Context
	cancel  context.CancelFunc
	clock   flow.Clock
	// Notes, if set, gets each note as it comes (the wizard's --events).
	Notes func(listen.Note)
}

// EventsMsg carries the session's events to Update: an effect's answers,
// or an attempt of the engine's.
type EventsMsg struct {
	events  []listen.Event
	attempt bool // from the engine: read the next one after
}

// NewDriver drives run's session and Forwarder; ctx ends everything in
// flight. Close it when the program ends.
func NewDriver(ctx context.Context, run flow.ListenRun) *Driver {
	ctx, cancel := context.WithCancel(ctx)
	clock := run.Clock
	if clock == nil {
		clock = basiq.RealClock{}
	}
	return &Driver{Session: run.Session, f: run.Forwarder, ctx: ctx, cancel: cancel, clock: clock}
}

// Start begins the session and the reading of the engine's attempts.
func (d *Driver) Start() tea.Cmd {
	return tea.Batch(d.Apply(listen.Started{}), d.nextAttempt())
}

// Close ends what is in flight and stops the engine.
func (d *Driver) Close() {
	d.cancel()
	d.f.Close()
}

// Update takes the driver's own messages; handled is false for any other.
func (d *Driver) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	m, ok := msg.(EventsMsg)
	if !ok {
		return nil, false
	}
	cmds := make([]tea.Cmd, 0, len(m.events)+1)
	for _, ev := range m.events {
		cmds = append(cmds, d.Apply(ev))
	}
	if m.attempt {
		cmds = append(cmds, d.nextAttempt())
	}
	return tea.Batch(cmds...), true
}

// Apply gives the session an event (an intent: ResendAsked, OpenAsked,
// QuitAsked) and turns its effects into commands.
func (d *Driver) Apply(ev listen.Event) tea.Cmd {
	var cmds []tea.Cmd
	for queue := []listen.Event{ev}; len(queue) > 0; {
		ev, queue = queue[0], queue[1:]
		for _, eff := range d.Session.Apply(d.clock.Now(), ev) {
			switch eff := eff.(type) {
			case listen.Say:
				if d.Notes != nil {
					d.Notes(eff.Note)
				}
			case listen.Finish:
			case listen.Poll, listen.FetchEntity: // they wait: each on its own
				cmds = append(cmds, d.perform(eff))
			default:
				// Deliveries and the cursor, here and now: the engine takes a
				// message at once and a cursor is a small write, and done here
				// they reach the engine in the session's order (commands run
				// at once, in no order) and the last cursor is kept at the end.
				if answer := d.f.Perform(d.ctx, eff); answer != nil {
					queue = append(queue, answer)
				}
			}
		}
	}
	return tea.Batch(cmds...)
}

func (d *Driver) perform(eff listen.Effect) tea.Cmd {
	f, ctx := d.f, d.ctx
	return func() tea.Msg {
		if ev := f.Perform(ctx, eff); ev != nil {
			return EventsMsg{events: []listen.Event{ev}}
		}
		return nil
	}
}

// attemptsPerMsg bounds the attempts one message carries: a busy handler's
// answers reach the session in batches, not a screen's redraw each.
const attemptsPerMsg = 256

// nextAttempt waits for the engine's next attempt, and takes the others
// that have come meanwhile with it.
func (d *Driver) nextAttempt() tea.Cmd {
	attempts, ctx := d.f.Attempts(), d.ctx
	return func() tea.Msg {
		var batch []listen.Event
		select {
		case ev := <-attempts:
			batch = append(batch, ev)
		case <-ctx.Done():
			return nil
		}
		for len(batch) < attemptsPerMsg {
			select {
			case ev := <-attempts:
				batch = append(batch, ev)
			default:
				return EventsMsg{events: batch, attempt: true}
			}
		}
		return EventsMsg{events: batch, attempt: true}
	}
}
