// Package wizard is the quickstart's full-screen face: the one tea.Model.
// It performs the session's effects in tea.Cmds, sends their answers and the
// screens' intents to the session as events, and gives every screen the
// session's state to draw. It decides nothing about the quickstart.
package wizard

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/listenview"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/flow/window"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/connect"
	"github.com/basiq-onboard/basiq-onboard/ui/connections"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/consents"
	"github.com/basiq-onboard/basiq-onboard/ui/eventlog"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/inspector"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/transactions"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// clockTickEvery refreshes what depends on the time ("checked 3s ago",
// elapsed times) and lets the session check the consent wait's deadline.
const clockTickEvery = time.Second

// Model is the wizard.
type Model struct {
	cfg     flow.Config
	session *qs.Session
	perform *flow.Performer
	ctx     context.Context // cancelled on quit: every call in flight ends
	cancel  context.CancelFunc
	clock   flow.Clock

	window.Window
	global keys.Global
	// yes and no answer a y/N question (enter and esc are no too).
	yes, no, noEnter, noEsc key.Binding
	tabKeys                 viewKeys // the keys every view of the user shares

	showHelp      bool
	showInspector bool
	initCmds      tea.Cmd // what New started, for Init to return
	noTicks       bool    // tests move the clock themselves

	// The screens, each given its State from the session (sync): the
	// stages' in order, and the views of the user beside the accounts.
	keyScreen          *component[apikey.Model, *apikey.Model]
	userScreen         *component[user.Model, *user.Model]
	consentScreen      *component[consent.Model, *consent.Model]
	connectScreen      *component[connect.Model, *connect.Model]
	accountsScreen     *component[accounts.Model, *accounts.Model]
	transactionsScreen *component[transactions.Model, *transactions.Model]
	connectionsScreen  *component[connections.Model, *connections.Model]
	consentsScreen     *component[consents.Model, *consents.Model]
	jobsScreen         *component[jobs.Model, *jobs.Model]
	eventsScreen       *component[eventlog.Model, *eventlog.Model]
	eventRows          *listenview.Rows // the Events view's rows, made again only for events that changed
	inspector          *component[inspector.Model, *inspector.Model]
	stages             [qs.StageAccounts]screen // indexed by the stage
	views              []screen                 // indexed by the view, as qs.Views orders them
}

// eventMsg carries an effect's answer to Update.
type eventMsg struct{ ev qs.Event }

// clockTickMsg is the wizard's second hand.
type clockTickMsg struct{}

// New builds the wizard and starts its session. isDark is the terminal's
// background as far as known before it answers (theme.DarkFromEnv).
// Run it with tea.NewProgram(m).Run(); Close it after.
func New(cfg flow.Config, isDark bool) Model {
	ctx, cancel := context.WithCancel(context.Background())
	win := window.New(isDark)
	st := win.Styles
	clock := cfg.RunClock()
	m := Model{
		cfg:     cfg,
		session: cfg.Session(true),
		perform: flow.NewPerformer(cfg),
		ctx:     ctx,
		cancel:  cancel,
		clock:   clock,
		Window:  win,
		global:  keys.NewGlobal(),
		yes:     keys.Yes.Binding(),
		no:      keys.No.Help("no (enter)"),
		noEnter: keys.Main.Hidden(),
		noEsc:   keys.Back.Hidden(),
		tabKeys: newViewKeys(),

		keyScreen:          &component[apikey.Model, *apikey.Model]{apikey.New(st)},
		userScreen:         &component[user.Model, *user.Model]{user.New(st)},
		consentScreen:      &component[consent.Model, *consent.Model]{consent.New(st)},
		connectScreen:      &component[connect.Model, *connect.Model]{connect.New(st)},
		accountsScreen:     &component[accounts.Model, *accounts.Model]{accounts.New(st)},
		transactionsScreen: &component[transactions.Model, *transactions.Model]{transactions.New(st)},
		connectionsScreen:  &component[connections.Model, *connections.Model]{connections.New(st)},
		consentsScreen:     &component[consents.Model, *consents.Model]{consents.New(st)},
		jobsScreen:         &component[jobs.Model, *jobs.Model]{jobs.New(st)},
		eventsScreen:       &component[eventlog.Model, *eventlog.Model]{eventlog.NewWatch(st, cfg.ForwardTo != "")},
		eventRows:          &listenview.Rows{Redact: cfg.Redactor.String},
		inspector:          &component[inspector.Model, *inspector.Model]{inspector.New(st)},
	}
	m.stages = [qs.StageAccounts]screen{qs.StageKey: m.keyScreen, qs.StageUser: m.userScreen, qs.StageConsent: m.consentScreen, qs.StageConnect: m.connectScreen}
	m.views = make([]screen, len(qs.Views))
	m.views[qs.ViewAccounts], m.views[qs.ViewTransactions], m.views[qs.ViewConnections] = m.accountsScreen, m.transactionsScreen, m.connectionsScreen
	m.views[qs.ViewConsents], m.views[qs.ViewJobs], m.views[qs.ViewEvents] = m.consentsScreen, m.jobsScreen, m.eventsScreen
	m.userScreen.m.SetValues(cfg.Email, cfg.Mobile)
	if cfg.EnvKey != "" && !cfg.Demo {
		m.keyScreen.m.SetValue(cfg.EnvKey)
	}
	m.initCmds = m.apply(qs.Started{})
	return m
}

// Init asks the terminal for its background and starts what New set going.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.tick(), m.initCmds)
}

func (m Model) tick() tea.Cmd {
	if m.noTicks {
		return nil
	}
	clock, ctx := m.clock, m.ctx
	return func() tea.Msg {
		select {
		case <-clock.After(clockTickEvery):
			return clockTickMsg{}
		case <-ctx.Done():
			return nil
		}
	}
}

// Close cancels the calls still in flight, waits a little for the writes
// (flow.Performer.Close) and stops the demo's simulator. It returns a
// sentence for each write that did not finish, to print once the terminal
// is restored.
func (m Model) Close() (unfinished []string) {
	m.cancel()
	return m.perform.Close()
}

// ExitCode is the process exit code the wizard ended with.
func (m Model) ExitCode() int {
	_, code := m.session.Finished()
	return code
}

// Session is the quickstart as it stands.
func (m Model) Session() *qs.Session { return m.session }

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if handled, resized := m.Window.Update(msg); handled {
		if resized {
			m.resize()
		}
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.PasteMsg:
		if m.showInspector || frame.TooSmall(m.Width, m.Height) {
			return m, nil
		}
		return m, m.forwardToScreen(msg)
	case eventMsg:
		return m, m.apply(msg.ev)
	case clockTickMsg:
		if m.showInspector {
			m.inspector.m.SetEntries(m.inspectorEntries())
		}
		return m, tea.Batch(m.apply(qs.Tick{}), m.tick())
	case spinner.TickMsg:
		var cmd tea.Cmd
		if m.session.Stage == qs.StageConnect {
			cmd = m.connectScreen.m.SetState(m.connectState()) // a running step's time moves with the spinner, not once a second
		}
		return m, tea.Batch(cmd, m.forwardToAll(msg))
	case keys.IntentMsg:
		if msg.Intent == keys.Back && m.showInspector {
			m.closeInspector() // esc, or i, in the inspector
			return m, nil
		}
	}
	if ev := intent(msg); ev != nil {
		return m, m.apply(ev)
	}
	return m, m.forwardToScreen(msg)
}

// apply gives the session an event, turns the effects into commands, and
// shows every screen the state that results.
func (m *Model) apply(ev qs.Event) tea.Cmd {
	effects := m.session.Apply(m.clock.Now(), ev)
	cmds := make([]tea.Cmd, 0, len(effects)+1)
	for _, eff := range effects {
		switch eff.(type) {
		case qs.Say:
			// News is for the headless faces; the screens draw the state itself.
		case qs.Finish:
			m.Quitting = true
			m.cancel()
			cmds = append(cmds, tea.Quit)
		default:
			cmds = append(cmds, m.performCmd(eff))
		}
	}
	cmds = append(cmds, m.sync())
	return tea.Batch(cmds...)
}

func (m *Model) performCmd(eff qs.Effect) tea.Cmd {
	perform, ctx := m.perform.Later(eff), m.ctx
	return func() tea.Msg {
		if ev := perform(ctx); ev != nil {
			return eventMsg{ev}
		}
		return nil
	}
}

// intent turns what a screen asks for into the session's event; nil for a
// message that is not an intent.
func intent(msg tea.Msg) qs.Event {
	switch msg := msg.(type) {
	case keys.IntentMsg:
		return intentEvents[msg.Intent]
	case apikey.SubmittedMsg:
		return qs.KeySubmitted{Key: msg.Key}
	case user.SubmittedMsg:
		return qs.UserSubmitted{User: basiq.NewUser{Email: msg.Email, Mobile: msg.Mobile}, ID: msg.ID}
	case user.ConsentAskedMsg:
		return qs.ConsentAsked{}
	case consent.JobsPastedMsg:
		return qs.JobsPasted{IDs: msg.IDs}
	case connect.AccountsAskedMsg:
		return qs.AccountsAsked{}
	case connect.TypedMsg:
		return qs.Typed{Kind: qs.AskMFA, JobID: msg.JobID, Answers: msg.Answers}
	case accounts.TransactionsRequestedMsg:
		return qs.TransactionsAsked{AccountID: msg.AccountID, More: msg.More}
	case accounts.ExportAskedMsg:
		return qs.ExportAsked{Format: msg.Format}
	}
	return viewIntent(msg)
}

// intentEvents are the session's events of the keymap's intents that
// carry nothing more: the same key asks for the same everywhere, and the
// session knows what that is where the person is (r after a failed job is
// consent again; in a view, its list read again).
var intentEvents = map[keys.Intent]qs.Event{
	keys.Demo:        qs.DemoAsked{},
	keys.Yes:         qs.Answered{Yes: true},
	keys.No:          qs.Answered{},
	keys.OpenBrowser: qs.BrowserAsked{},
	keys.AutoConsent: qs.AutoConsentAsked{},
	keys.WaitLonger:  qs.WaitLongerAsked{},
	keys.TryAgain:    qs.RetryAsked{},
	keys.NewLink:     qs.NewLinkAsked{},
	keys.Refresh:     qs.RefreshAsked{},
	keys.RefreshAll:  qs.RefreshAllAsked{},
	keys.More:        qs.TransactionsAsked{AccountID: qs.AllAccounts, More: true},
	keys.Quit:        qs.QuitAsked{},
	keys.SaveScript:  qs.ScriptAsked{},
}

// handleKey runs global keys first, then gives the key to the screen.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	g := m.global
	typing := m.capturing()
	switch {
	case g.Quits(msg):
		return m.apply(qs.QuitAsked{Interrupted: true})
	case frame.TooSmall(m.Width, m.Height):
		return nil // nothing acts behind the "needs a bigger window" cover
	case m.session.Explore.Confirm != nil:
		// A y/N question: y is yes; n, enter and esc are no; ? shows them
		// (esc, ? or f1 closes that first); nothing else acts.
		switch {
		case m.showHelp && key.Matches(msg, g.Help, g.HelpWhileTyping, g.Back):
			m.showHelp = false
		case key.Matches(msg, g.Help, g.HelpWhileTyping):
			m.showHelp = true
		case key.Matches(msg, m.yes):
			m.showHelp = false
			return m.apply(qs.Answered{Yes: true})
		case key.Matches(msg, m.no, m.noEnter, m.noEsc):
			m.showHelp = false
			return m.apply(qs.Answered{Yes: false})
		case key.Matches(msg, g.Leave):
			// q quits here too: no to the question, then quitting asks what it asks.
			m.showHelp = false
			return tea.Batch(m.apply(qs.Answered{Yes: false}), m.apply(qs.QuitAsked{}))
		}
		return nil
	case m.showingQR() || m.showingLink():
		return m.forwardToScreen(msg) // any key returns from the QR code, or the whole link (c copies it)
	case m.showHelp && key.Matches(msg, g.Back):
		// esc closes every overlay at once: the help, and the inspector under it.
		m.showHelp = false
		m.closeInspector()
		return nil
	case m.showHelp && key.Matches(msg, g.Help, g.HelpWhileTyping):
		m.showHelp = false
		return nil
	case key.Matches(msg, g.HelpWhileTyping) || key.Matches(msg, g.Help) && !typing:
		m.showHelp = true
		return nil
	case key.Matches(msg, g.Leave) && !typing:
		m.showHelp = false
		m.closeInspector()
		return m.apply(qs.QuitAsked{}) // q quits wherever no field has focus, asking what there is to ask
	case m.showInspector && key.Matches(msg, g.Requests, g.RequestsWhileTyping, g.Back):
		m.closeInspector()
		return nil
	case m.showInspector:
		return m.inspector.Update(msg)
	case m.cfg.Traces != nil && (key.Matches(msg, g.RequestsWhileTyping) || key.Matches(msg, g.Requests) && !typing):
		m.showInspector, m.showHelp = true, false
		m.inspector.m.SetEntries(m.inspectorEntries())
		m.inspector.m.SetCanSave(m.session.CanSaveScript())
		return nil
	case m.onViews():
		if cmd, ok := m.viewKey(msg); ok {
			m.showHelp = false
			return cmd
		}
	case key.Matches(msg, g.Back) && !m.screenTakesEsc():
		m.showHelp = false
		return m.apply(qs.BackAsked{})
	}
	m.showHelp = false
	return m.forwardToScreen(msg)
}

// closeInspector takes the inspector down, and with it what it said of the
// moment (a curl sent to the clipboard).
func (m *Model) closeInspector() {
	m.showInspector = false
	m.inspector.m.Hide()
}
