package listenview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	"github.com/basiq-onboard/basiq-onboard/flow/window"
	"github.com/basiq-onboard/basiq-onboard/ui/eventlog"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Options are how the view is drawn.
type Options struct {
	IsDark bool // the terminal's background, as far as known before it answers
	// NoTicks: tests move the clock themselves.
	NoTicks bool
}

// Model is listen's full-screen face.
type Model struct {
	*Driver
	banner flow.ListenBanner
	redact func(string) string
	opts   Options

	window.Window
	global   keys.Global
	screen   eventlog.Model
	showHelp bool
	// Redraws of the list are at most one a frameEvery: a busy handler's
	// hundreds of answers a second are drawn, not each redrawn.
	lastSync    time.Time
	syncPending bool
	rows        Rows
}

// frameEvery is the least time between two redraws the session asks for.
const frameEvery = 50 * time.Millisecond

// syncMsg redraws what the session changed since the last redraw.
type syncMsg struct{}

// tickMsg moves what depends on the time ("again in 4s").
type tickMsg struct{}

// New builds the view over a listen ready to run.
func New(ctx context.Context, run flow.ListenRun, o Options) Model {
	win := window.New(o.IsDark)
	m := Model{
		Driver: NewDriver(ctx, run),
		banner: run.Banner,
		redact: run.Redactor.String,
		opts:   o,
		Window: win,
		global: keys.NewGlobal(),
		screen: eventlog.New(win.Styles),
	}
	m.sync()
	return m
}

// Init starts listening.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.Start(), m.tick())
}

func (m Model) tick() tea.Cmd {
	if m.opts.NoTicks {
		return nil
	}
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

// ExitCode is what listen ended with: 0 when stopped, 1 when Basiq's
// answer left nothing to try.
func (m Model) ExitCode() int {
	_, code := m.Session.Finished()
	return code
}

// Update handles a message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.Driver.Update(msg); ok {
		return m, tea.Batch(cmd, m.after())
	}
	if handled, resized := m.Window.Update(msg); handled {
		if resized {
			m.screen.SetSize(frame.BodySize(m.Width, m.Height))
		}
		return m, nil
	}
	switch msg := msg.(type) {
	case syncMsg:
		m.syncPending = false
		m.sync()
		return m, nil
	case tickMsg:
		m.sync()
		return m, m.tick()
	case tea.KeyPressMsg:
		return m.key(msg)
	case eventlog.OpenMsg:
		return m, tea.Batch(m.Apply(listen.OpenAsked{EventID: msg.ID}), m.after())
	case eventlog.ResendMsg:
		return m, tea.Batch(m.Apply(listen.ResendAsked{EventID: msg.ID}), m.after())
	case eventlog.QuitMsg:
		return m, m.quit()
	}
	return m, nil
}

func (m Model) key(k tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.global.Quit):
		return m, m.quit()
	case frame.TooSmall(m.Width, m.Height):
		return m, nil // nothing acts behind the "needs a bigger window" cover
	case m.showHelp && key.Matches(k, m.global.Leave):
		return m, m.quit() // the help screen lists q quit too
	case m.showHelp && (key.Matches(k, m.global.Help) || key.Matches(k, m.global.Back) || key.Matches(k, m.global.HelpWhileTyping)):
		m.showHelp = false
		return m, nil
	case key.Matches(k, m.global.Help), key.Matches(k, m.global.HelpWhileTyping):
		m.showHelp = true
		return m, nil
	case m.showHelp:
		return m, nil
	}
	if done, _ := m.Session.Finished(); done {
		// Basiq's answer ended listen: the problem stays on screen until q.
		if key.Matches(k, m.global.Leave) {
			return m, m.quit()
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.screen, cmd = m.screen.Update(k)
	m.sync()
	return m, cmd
}

// quit stops listening; the program ends.
func (m *Model) quit() tea.Cmd {
	if done, _ := m.Session.Finished(); !done {
		m.Apply(listen.QuitAsked{})
	}
	m.Quitting = true
	m.Close()
	return tea.Quit
}

// after draws the session's state once an event has changed it: at once
// when the last redraw is a frame old, else at the next frame.
func (m *Model) after() tea.Cmd {
	now := time.Now()
	if now.Sub(m.lastSync) >= frameEvery {
		m.sync()
		return nil
	}
	if m.syncPending {
		return nil
	}
	m.syncPending = true
	return tea.Tick(frameEvery-now.Sub(m.lastSync), func(time.Time) tea.Msg { return syncMsg{} })
}

// sync gives the screen the session's state, every server's word redacted
// (the screen makes it safe to show).
func (m *Model) sync() {
	m.lastSync = time.Now()
	s := m.Session
	now := m.clock.Now()
	st := eventlog.State{Now: now, To: m.banner.To, Secret: m.banner.Secret, Request: m.banner.Request, Every: s.Poll.Every,
		LastOK: s.Poll.LastOK, Forwarded: s.Forwarded, Delivered: s.Delivered, Failures: s.Failing(), Waiting: len(s.Waiting), Dropped: s.Dropped, RetryAt: s.Poll.NextAt}
	if s.Backfilled {
		st.Backfill = m.redact(s.BackfillSaid)
	}
	if p := s.Poll.Failing; p != nil {
		st.Failing = &theme.Problem{What: m.redact(p.What), Next: m.redact(p.Next), CorrelationID: m.redact(p.CorrelationID)}
	}
	if p := s.Problem; p != nil {
		st.Problem = &theme.Problem{What: m.redact(p.What), Next: m.redact(p.Next), CorrelationID: m.redact(p.CorrelationID)}
	}
	m.rows.Redact = m.redact
	st.Rows = m.rows.Of(s.Items)
	m.screen.SetState(st)
	if id := m.screen.Opened(); id != "" {
		if it := s.Item(id); it != nil {
			m.screen.SetDetail(DetailOf(it, m.redact))
		}
	}
}

func faultName(f webhook.FaultKind) string { return string(f) }

// entityPath is the link as the request it makes: its path and query, on
// the API listen talks to.
func entityPath(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		return link
	}
	p := "GET " + u.Path
	if u.RawQuery != "" {
		if q, err := url.QueryUnescape(u.RawQuery); err == nil {
			p += "?" + q
		}
	}
	return p
}

// indent is JSON laid out to read; anything else as it came.
func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

// View draws the frame around the screen.
func (m Model) View() tea.View {
	return m.Window.View("basiq-onboard listen", m.Frame)
}

// Frame is the window's picture: the header (where events come from and
// go), the screen, the keys that work.
func (m Model) Frame() string {
	keysNow := keys.KeyMap{Short: m.screen.ShortHelp()}
	for _, group := range m.screen.FullHelp() {
		keysNow.More = append(keysNow.More, group...)
	}
	if done, _ := m.Session.Finished(); done {
		keysNow = keys.KeyMap{} // the frame's q quit is all that is left
	}
	return frame.Render(m.Styles, frame.Frame{
		Width:    m.Width,
		Height:   m.Height,
		Where:    "listen · " + hostOf(m.banner.API),
		Right:    "→ " + hostPath(m.banner.To),
		Body:     m.screen.View(),
		Keys:     keysNow,
		ShowHelp: m.showHelp,
		Notice:   m.Styles.Muted.Render(m.notice()),
		Global:   m.global,
	})
}

// notice is the status line: when Basiq was last asked, and the next time.
func (m Model) notice() string {
	s := m.Session
	if done, _ := s.Finished(); done || s.Poll.LastOK.IsZero() {
		return ""
	}
	return fmt.Sprintf("Checked %s ago · %d polls", listen.Duration(m.clock.Now().Sub(s.Poll.LastOK).Round(time.Second)), s.Poll.Polls)
}

func hostOf(apiURL string) string {
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		return u.Host
	}
	return apiURL
}

// hostPath is a URL without its scheme, for the header.
func hostPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host + u.EscapedPath()
	}
	return raw
}

// Run runs the view until q, ctrl+c or SIGTERM, and returns the exit code.
// What listen ended with stays in the terminal after it.
func Run(ctx context.Context, run flow.ListenRun, o Options, stdout, stderr io.Writer) int {
	m := New(ctx, run, o)
	final, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler()).Run()
	if fm, ok := final.(Model); ok {
		m = fm
	}
	if done, _ := m.Session.Finished(); !done {
		m.Apply(listen.QuitAsked{}) // ended by a signal: the cursor is kept as q keeps it
	}
	m.Close()
	s := m.Session
	out := colorprofile.NewWriter(stdout, os.Environ())
	fmt.Fprintf(out, "Stopped listening: %d forwarded, %d delivered.\n", s.Forwarded, s.Delivered)
	if left := s.Undelivered(time.Now()); left != "" {
		fmt.Fprintln(out, left)
	}
	if s.Problem != nil {
		fmt.Fprintln(stderr, "basiq-onboard listen:", text.Safe(m.redact(s.Problem.What+" "+s.Problem.Next)))
		return 1
	}
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "basiq-onboard listen:", err)
		return 1
	}
	return 0
}
