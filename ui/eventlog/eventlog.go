// Package eventlog is listen's view: the events forwarded to a developer's
// handler, newest first, each with what the handler answered, and one event
// opened in full (its payload, every answer, the entity it links to). It
// draws the state it is given and sends intents (open, resend, quit); the
// face (flow/listenview) decides nothing here either.
package eventlog

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Delivery states, as a row shows them.
const (
	Sending   = "sending"
	Delivered = "delivered"
	Retrying  = "retrying"
	Failed    = "failed"
	// Kept: shown, not forwarded (the wizard without --forward-to, or an
	// event from before it started).
	Kept = "kept"
)

// Row is one event as the list shows it.
type Row struct {
	ID     string
	Time   time.Time // the event's createdDate
	Type   string    // "user.created"
	Entity string
	State  string // Sending, Delivered, Retrying, Failed
	Status int    // the handler's last status; 0 for none
	Answer string // the last answer in words when there was no status: "no answer within 10s"
	Took   time.Duration
	Tried  int
	Next   time.Time // the next attempt, when Retrying
	// Backfill: it came with the first poll, from before the start.
	Backfill bool
	Resent   bool
	// Body is the handler's last answer (sanitised and cut by flow),
	// shown under the list for a row that failed; Hint what it most likely
	// means, where it says more than its status (flow's words).
	Body string
	Hint string
}

// Attempt is one of the handler's answers, in the opened event.
type Attempt struct {
	N      int
	Time   time.Time
	Status int
	Answer string // what went wrong in words, "" on success
	OK     bool
	Took   time.Duration
	Body   string
	Cut    bool
	Next   time.Time
	Fault  string
}

// Detail is one event in full.
type Detail struct {
	ID, Type, UserID, WebhookID string
	Created                     time.Time
	Payload                     string // the JSON sent, indented
	Attempts                    []Attempt
	SendErr                     string
	// The entity links.eventEntity points at.
	EntityURL     string
	EntityLoading bool
	Entity        string // indented JSON
	EntityCut     bool
	EntityErr     string
	Data          string // the event's own snapshot, indented JSON
	// Kept: shown, not forwarded (from before the wizard's run).
	Kept bool
}

// State is listen as the view shows it.
type State struct {
	Now     time.Time
	To      string // the handler's URL
	Secret  string // whsec_…: shown, since the handler needs it
	Request string // "GET /events?filter=…"
	Every   time.Duration
	LastOK  time.Time
	// Backfill is the first poll's sentence, "" before it.
	Backfill string
	// Failing is a poll's failure that listen tries again; Problem what
	// ended listen.
	Failing   *theme.Problem
	RetryAt   time.Time
	Problem   *theme.Problem
	Forwarded int
	Delivered int
	Failures  int // events whose delivery has not worked (yet)
	Waiting   int // new events held back until the handler catches up
	Dropped   int // events no longer kept (the view keeps the last 1,000)
	Rows      []Row
	// Empty is what an empty list says ("" for listen's words).
	Empty string
	// Idle: nothing is read, nothing is coming (the list is what it is).
	Idle bool
}

// Intents.
type (
	// OpenMsg asks for an event in full (and its entity).
	OpenMsg struct{ ID string }
	// ResendMsg asks to send an event again.
	ResendMsg struct{ ID string }
	// QuitMsg stops listening.
	QuitMsg struct{}
)

// Model is the view.
type Model struct {
	listing.Screen
	// watch: the wizard's Events view: no handler column, no resend (r
	// reads the events again there), and no secret line without a handler.
	watch  bool
	keys   keys.Listen
	state  State
	open   string // the event opened; "" shows the list
	detail Detail
	scroll int
	// followNewest: the cursor is on the newest event, and stays on the
	// newest as more come; elsewhere it stays on its event.
	followNewest bool
}

const (
	colTime = iota
	colType
	colEntity
	colAnswer
	colTook
	colNote
)

// New builds listen's view.
func New(st *theme.Styles) Model { return newModel(st, false) }

// NewWatch builds the wizard's Events view: the user's events, each opening
// to its data; with a handler (--forward-to) its answers too, but r there
// is the views' "read again", so no resend.
func NewWatch(st *theme.Styles, forwarding bool) Model {
	m := newModel(st, true)
	if !forwarding {
		m.Screen = listing.NewScreen(st, []listing.Column{
			colTime:   {Title: "Time"},
			colType:   {Title: "Type"},
			colEntity: {Title: "Entity", Drop: 2},
			colAnswer: {Title: "", Drop: 4}, // always empty: never shown
			colTook:   {Title: "", Drop: 3},
			colNote:   {Title: "", Flex: true, Min: 10, Drop: 1},
		}, true)
	}
	return m
}

func newModel(st *theme.Styles, watch bool) Model {
	return Model{
		watch: watch,
		Screen: listing.NewScreen(st, []listing.Column{
			colTime:   {Title: "Time"},
			colType:   {Title: "Type"},
			colEntity: {Title: "Entity", Drop: 2},
			colAnswer: {Title: "Handler"},
			colTook:   {Title: "Took", Right: true, Drop: 3},
			colNote:   {Title: "", Flex: true, Min: 10, Drop: 1},
		}, true),
		keys:         keys.NewListen(),
		followNewest: true,
	}
}

// SetState shows listen as it is now; the rows come newest first.
func (m *Model) SetState(s State) {
	selected := m.Selected()
	m.state = s
	st := m.St
	m.List.Style = func(row, col int) *lipgloss.Style {
		switch state := s.Rows[row].State; {
		case (state == Failed || state == Retrying) && (col == colAnswer || col == colNote):
			return &st.Error
		case state == Delivered && col == colAnswer:
			return &st.Success
		}
		return nil
	}
	listing.SetRowsOf(&m.List, s.Rows, func(r Row) []string {
		return []string{
			colTime:   clock(r.Time, s.Now),
			colType:   text.Safe(r.Type),
			colEntity: text.Safe(r.Entity),
			colAnswer: m.answer(r, s.To),
			colTook:   took(r),
			colNote:   note(r, s.Now, m.watch),
		}
	})
	switch {
	case m.followNewest || selected == "":
		m.List.Select(0)
	default:
		for i, r := range s.Rows {
			if r.ID == selected {
				m.List.Select(i)
				break
			}
		}
	}
}

// SetDetail gives the opened event in full.
func (m *Model) SetDetail(d Detail) { m.detail = d }

// Opened is the id of the event shown in full, "" in the list.
func (m Model) Opened() string { return m.open }

// Selected is the id of the event under the cursor, "" when none.
func (m Model) Selected() string {
	r, _ := listing.SelectedOf(m.List, m.state.Rows)
	return r.ID
}

// clock is a time as the list shows it: the time of day today, with the day before.
func clock(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05")
	}
	return t.Format("2 Jan 15:04")
}

// answer is the handler's answer, "" where none is asked (the wizard
// without --forward-to).
func (m Model) answer(r Row, to string) string {
	if m.watch && to == "" {
		return ""
	}
	return answer(r.State, r.Status, r.Answer)
}

// answer is the handler's answer, marked so it reads without colour.
func answer(state string, status int, words string) string {
	switch {
	case state == Kept:
		return "–"
	case state == Sending:
		return "…"
	case state == Delivered:
		return fmt.Sprintf("%s %d", theme.SymbolDone, status)
	case status != 0:
		return fmt.Sprintf("%s %d", theme.SymbolFailed, status)
	case words != "":
		return theme.SymbolFailed + " " + text.Safe(shortAnswer(words))
	}
	return theme.SymbolFailed
}

// shortAnswer is a failure without an answer in a word or two, for a column.
func shortAnswer(words string) string {
	switch {
	case strings.HasPrefix(words, "no answer"):
		return "timeout"
	case strings.Contains(words, "refused"), strings.Contains(words, "no such host"):
		return "down"
	}
	return "error"
}

func took(r Row) string {
	if r.State == Sending || (r.Took == 0 && r.Status == 0) {
		return ""
	}
	return Took(r.Took)
}

// Took is how long a handler took, to the millisecond, and to a tenth of
// one below it: a handler on this machine answers in well under one.
func Took(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}

// note is what else a row says: when the next attempt goes, what it came
// with.
func note(r Row, now time.Time, watch bool) string {
	var parts []string
	switch r.State {
	case Retrying:
		parts = append(parts, "retry "+in(r.Next, now))
	case Failed:
		if r.Tried > 0 {
			parts = append(parts, fmt.Sprintf("gave up (%d tries)", r.Tried))
		} else {
			parts = append(parts, "not sent")
		}
	}
	if r.Resent {
		parts = append(parts, "resent")
	}
	if r.Backfill && !watch { // the wizard's first poll is its own onboarding's start
		parts = append(parts, "backfill")
	}
	return strings.Join(parts, " · ")
}

// in says when a moment comes: "in 5s", "in 4m", "now".
func in(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("in %ds", int((d + time.Second - 1).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("in %dm", int(d.Round(time.Minute).Minutes()))
	}
	return fmt.Sprintf("in %.1fh", d.Hours())
}

// ShortHelp are the keys that work now, most useful first.
func (m Model) ShortHelp() []key.Binding {
	switch {
	case m.open != "" && m.watch:
		return []key.Binding{m.keys.Up, m.keys.Close}
	case m.open != "":
		return []key.Binding{m.keys.Resend, m.keys.Up, m.keys.Close}
	case m.List.Len() == 0:
		return nil
	case m.watch:
		return []key.Binding{m.keys.Open, m.List.Move()}
	}
	// q quit is the frame's, after these: every screen has it.
	return []key.Binding{m.keys.Open, m.keys.Resend, m.List.Move()}
}

// FullHelp are the help line's keys and the other moves.
func (m Model) FullHelp() [][]key.Binding {
	more := m.List.Moves()
	if m.open != "" {
		more = []key.Binding{m.keys.PageUp, m.keys.Home, m.keys.End}
	}
	return keys.KeyMap{Short: m.ShortHelp(), More: more}.FullHelp()
}

// Update handles keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Quit) && !m.watch: // the wizard's q is its own
		return m, keys.Send(QuitMsg{})
	case m.open != "":
		return m.updateDetail(k)
	case key.Matches(k, m.keys.Resend) && m.watch:
	case key.Matches(k, m.keys.Open):
		if id := m.Selected(); id != "" {
			m.open, m.scroll = id, 0
			return m, keys.Send(OpenMsg{ID: id})
		}
	case key.Matches(k, m.keys.Resend):
		if id := m.Selected(); id != "" {
			return m, keys.Send(ResendMsg{ID: id})
		}
	default:
		if m.Scroll(k, m.page()) {
			m.followNewest = m.List.Selected() == 0
		}
	}
	return m, nil
}

func (m Model) updateDetail(k tea.KeyPressMsg) (Model, tea.Cmd) {
	lines := len(m.detailLines())
	page := max(m.Height-2, 1)
	switch {
	case key.Matches(k, m.keys.Close):
		m.open = ""
	case key.Matches(k, m.keys.Resend) && !m.watch:
		return m, keys.Send(ResendMsg{ID: m.open})
	default:
		m.scroll, _ = keys.Moved(k, m.scroll, page, lines-m.Height)
	}
	return m, nil
}

// TakesEsc: esc closes the opened event, not the help's back.
func (m Model) TakesEsc() bool { return m.open != "" }

// View draws the list, or the opened event.
func (m Model) View() string {
	if m.open != "" {
		return m.viewDetail()
	}
	return m.Show(m.page())
}

// page is the list with what goes around it.
func (m Model) page() listing.Page {
	s := m.state
	st := m.St
	w := m.BodyWidth()
	title := "Events · " + counted(s)
	if m.watch && s.To == "" {
		title = "Events · " + listing.Thousands(len(s.Rows)) + " of this user"
	}
	request := s.Request
	if s.Every > 0 {
		request += " every " + every(s.Every)
	}
	var above []string
	if s.Secret != "" {
		secret := st.Label.Render("Secret ") + st.Code.Render(text.Safe(s.Secret))
		if m.watch {
			secret = st.Label.Render("Forwarding to ") + st.Code.Render(text.Safe(s.To)) + st.Muted.Render(" · signed with ") + st.Code.Render(text.Safe(s.Secret))
		}
		if more := st.Muted.Render(" · the same every run against this API"); lipgloss.Width(secret+more) <= w {
			secret += more
		}
		above = append(above, theme.Wrap(w, secret))
	}
	if s.Backfill != "" && !m.watch {
		above = append(above, st.Muted.Width(w).Render(text.Safe(s.Backfill)))
	}
	switch {
	case s.Problem != nil:
		above = append(above, st.RenderProblem(*s.Problem, w))
	case s.Failing != nil:
		p := *s.Failing
		above = append(above, st.RenderProblem(p, w))
	}
	loaded := s.Backfill != "" || s.Idle
	p := listing.Page{Title: title, Request: request, Loaded: loaded, Loading: !loaded && s.Problem == nil && s.Failing == nil,
		Above: strings.Join(above, "\n"), Empty: "No events yet. They come as Basiq raises them: onboard a user (the wizard), or against the simulator raise one (basiq-onboard trigger user.created), and they show here."}
	if s.Empty != "" {
		p.Empty = s.Empty
	}
	if s.Dropped > 0 {
		p.Note = fmt.Sprintf("the last %s kept, %s older", listing.Thousands(len(s.Rows)), listing.Thousands(s.Dropped))
	}
	if i := m.List.Selected(); i >= 0 && i < len(s.Rows) {
		p.Under = m.under(s.Rows[i])
	}
	return p
}

func counted(s State) string {
	words := listing.Thousands(s.Forwarded) + " forwarded · " + listing.Thousands(s.Delivered) + " delivered"
	if s.Failures > 0 {
		words += " · " + listing.Thousands(s.Failures) + " failing"
	}
	if s.Waiting > 0 {
		words += " · " + listing.Thousands(s.Waiting) + " waiting"
	}
	return words
}

// every writes an interval as people do: "1s", "5s", "2m".
func every(d time.Duration) string {
	s := d.Round(100 * time.Millisecond).String()
	return strings.TrimSuffix(strings.TrimSuffix(s, "0s"), "m0")
}

// under is the selected event's line under the list: its id and
// webhook-id, and for one that failed, the handler's answer, cut.
func (m Model) under(r Row) string {
	st := m.St
	w := m.BodyWidth()
	lines := []string{st.Muted.Render("event ") + st.Code.Render(text.Safe(r.ID))}
	if r.State == Failed || r.State == Retrying {
		body := strings.TrimSpace(r.Body)
		what := "The handler answered"
		switch {
		case r.Status == 0 && r.Answer != "":
			lines = append(lines, st.Error.Width(w).Render(theme.SymbolFailed+" "+text.Safe(r.Answer)))
		case body == "":
			lines = append(lines, st.Error.Width(w).Render(fmt.Sprintf("%s %s %d with no body.", theme.SymbolFailed, what, r.Status)))
		default:
			lines = append(lines, st.Error.Render(fmt.Sprintf("%s %s %d:", theme.SymbolFailed, what, r.Status)))
			keep := 3
			if m.Height < 30 {
				keep = 1 // a small window keeps room for the list
			}
			for i, l := range strings.Split(body, "\n") {
				if i == keep {
					lines = append(lines, st.Muted.Render("  … (enter shows all of it)"))
					break
				}
				lines = append(lines, "  "+st.Error.Render(cut(text.Safe(l), w-2)))
			}
		}
		if r.Hint != "" {
			lines = append(lines, st.Muted.Width(w).Render(text.Safe(r.Hint)))
		}
	}
	return strings.Join(lines, "\n")
}

func cut(s string, w int) string { return text.Cut(s, max(w, 1)) }

// detailLines are the opened event's lines, before scrolling.
func (m Model) detailLines() []string {
	d, st, w := m.detail, m.St, m.BodyWidth()
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	block := func(json string) {
		for _, l := range strings.Split(strings.TrimRight(json, "\n"), "\n") {
			add("  " + cut(text.Safe(l), w-2))
		}
	}
	add(st.Title.Render(text.Safe(d.Type)) + st.Muted.Render(" · event ") + st.Code.Render(cut(text.Safe(d.ID), max(w-lipgloss.Width(d.Type)-9, 8))))
	facts := []string{"created " + clock(d.Created, m.state.Now)}
	if d.UserID != "" {
		facts = append(facts, "user "+text.Safe(d.UserID))
	}
	add(st.Muted.Width(w).Render(strings.Join(facts, " · ")))
	add(st.Muted.Render("webhook-id ") + st.Code.Render(cut(text.Safe(d.WebhookID), w-11)))
	if m.watch && m.state.To == "" {
		add("", st.Label.Render("The payload Basiq's webhook carries")+st.Muted.Render(" · --forward-to sends it to a handler"))
		block(d.Payload)
	} else {
		add("", st.Label.Render("The payload sent"))
		block(d.Payload)
		add("", st.Label.Render("The handler's answers")+st.Muted.Render(" · "+text.Safe(m.state.To)))
	}
	attempts := d.Attempts
	switch {
	case m.watch && m.state.To == "":
		attempts = nil
	case d.SendErr != "":
		add("  " + st.Error.Width(w-2).Render(theme.SymbolFailed+" "+text.Safe(d.SendErr)))
	case d.Kept:
		add("  " + st.Muted.Render("Not forwarded: Basiq raised it before this run began."))
	case len(d.Attempts) == 0:
		add("  " + st.Muted.Render("None yet."))
	}
	for i, a := range attempts {
		words := fmt.Sprintf("%s  attempt %d  ", clock(a.Time, m.state.Now), a.N)
		style := st.Success
		status := fmt.Sprintf("%s %d in %s", theme.SymbolDone, a.Status, Took(a.Took))
		if !a.OK {
			style = st.Error
			status = theme.SymbolFailed + " " + text.Safe(a.Answer)
			if a.Status != 0 {
				status = fmt.Sprintf("%s %d in %s", theme.SymbolFailed, a.Status, Took(a.Took))
			}
		}
		line := words + style.Render(status)
		if last := i == len(d.Attempts)-1; last && a.Next.After(m.state.Now) {
			line += st.Muted.Render(" · again " + in(a.Next, m.state.Now))
		}
		if a.Fault != "" {
			line += st.Warning.Render(" · fault " + text.Safe(a.Fault))
		}
		add("  " + line)
		if body := strings.TrimSpace(a.Body); body != "" {
			for _, l := range strings.Split(body, "\n") {
				add("    " + cut(text.Safe(l), w-4))
			}
			if a.Cut {
				add("    " + st.Muted.Render("(cut: the rest of the body was not kept)"))
			}
		}
	}
	add("", st.Label.Render("What it links to")+st.Muted.Render(" · links.eventEntity "+cut(text.Safe(d.EntityURL), max(w-38, 8))))
	switch {
	case d.EntityLoading:
		add("  " + st.Muted.Render("Loading…"))
	case d.EntityErr != "":
		add("  " + st.Error.Width(w-2).Render(theme.SymbolFailed+" "+text.Safe(d.EntityErr)))
	case d.Entity != "":
		block(d.Entity)
		if d.EntityCut {
			add("  " + st.Muted.Render("(cut at 64 KiB)"))
		}
	}
	if d.Data != "" {
		add("", st.Label.Render("The event's data")+st.Muted.Render(" · Basiq's snapshot when it was raised"))
		block(d.Data)
	}
	return lines
}

func (m Model) viewDetail() string {
	lines := m.detailLines()
	h := max(m.Height, 1)
	from := max(min(m.scroll, len(lines)-h), 0)
	to := min(from+h, len(lines))
	shown := lines[from:to]
	if to < len(lines) && h > 1 {
		shown = append(shown[:len(shown)-1], m.St.Muted.Render(fmt.Sprintf("↓ %d more lines", len(lines)-to+1)))
	}
	return m.Fit(strings.Join(shown, "\n"))
}
