package flow

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/inspector"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// Exit codes (design.md): 0 done, 1 the API or a job failed, 130 interrupted.
const (
	exitOK          = 0
	exitFailed      = 1
	exitInterrupted = 130
)

// Step is where the user is in the quickstart.
type Step int

const (
	StepKey Step = iota
	StepUser
	StepConsent
	StepConnect
	StepAccounts
)

func (s Step) String() string {
	return [...]string{"key", "user", "consent", "connect", "accounts"}[s]
}

// Model is the wizard: the only tea.Model in the program.
type Model struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	clock  Clock
	jitter func() float64

	styles               *theme.Styles // shared by pointer with every screen; replaced in place on a background change
	global               keys.Global
	inspectKey, retryKey key.Binding

	width, height int
	step          Step
	showHelp      bool
	showInspector bool
	quitting      bool
	exitCode      int

	// One session's state. Secrets (the key, the client token) stay here and
	// in the client; no screen gets them, except the consent link itself.
	api         API
	demo        *Demo
	where       string
	apiKey      string
	keySource   keySource
	user        basiq.User
	userCreated bool
	clientToken string
	consentLink string

	linkExpires  time.Time
	linkInFlight bool // a client token is being minted
	notice       string

	pollGen         int // bumped whenever polling restarts; older results are dropped
	consentSince    time.Time
	consentDeadline time.Time
	pollFailures    int
	knownJobs       map[string]bool // jobs seen or watched, never discovered twice
	jobOrder        []string
	jobStates       map[string]basiq.Job
	jobInstitutions map[string]basiq.Ref // from the user's job list, for jobs whose own answer lacks it
	jobFailures     map[string]int
	institutions    map[string]basiq.Institution
	instRequested   map[string]bool
	// personaConsented: the demo has completed consent as --persona once.
	personaConsented bool
	accountsAsked    bool
	accountsLoaded   bool
	accounts         []basiq.Account
	txnPages         map[string]*basiq.TransactionPages

	keyScreen      apikey.Model
	userScreen     user.Model
	consentScreen  consent.Model
	jobsScreen     jobs.Model
	accountsScreen accounts.Model
	inspector      inspector.Model
}

// New builds the wizard. Run it with tea.NewProgram(m).Run(); Close it after.
func New(cfg Config) Model {
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := theme.New(true)
	m := Model{
		cfg:        cfg,
		ctx:        ctx,
		cancel:     cancel,
		clock:      cfg.Clock,
		jitter:     defaultJitter,
		styles:     st,
		global:     keys.NewGlobal(),
		inspectKey: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "requests")),
		retryKey:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "try again")),
		where:      cfg.Where,

		knownJobs:       map[string]bool{},
		jobStates:       map[string]basiq.Job{},
		jobInstitutions: map[string]basiq.Ref{},
		jobFailures:     map[string]int{},
		institutions:    map[string]basiq.Institution{},
		instRequested:   map[string]bool{},
		txnPages:        map[string]*basiq.TransactionPages{},

		keyScreen:      apikey.New(st),
		userScreen:     user.New(st),
		consentScreen:  consent.New(st),
		jobsScreen:     jobs.New(st),
		accountsScreen: accounts.New(st),
		inspector:      inspector.New(st),
	}
	m.userScreen.SetValues(cfg.Email, cfg.Mobile)
	m.consentScreen.SetSandboxHint(true)
	m.keyScreen.Focus() // here, not in Init: Init cannot change the model
	switch {
	case cfg.Demo:
		m.keyScreen.SetWorking(true)
	case cfg.EnvKey != "":
		m.keyScreen.SetValue(strings.TrimSpace(cfg.EnvKey))
		m.keyScreen.SetFromEnv(true)
		m.keyScreen.SetWorking(true)
	}
	return m
}

// Init asks the terminal for its background and starts the first step.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, clockTick(m.ctx, m.clock, 0)}
	switch {
	case m.cfg.Demo:
		// SetWorking on Init's copy only to get the spinner's first tick: New set the state.
		cmds = append(cmds, startDemo(m.cfg.StartDemo), m.keyScreen.SetWorking(true))
	case m.cfg.EnvKey != "":
		cmds = append(cmds, checkKey(m.ctx, m.cfg.NewAPI, strings.TrimSpace(m.cfg.EnvKey), keyFromEnv), m.keyScreen.SetWorking(true))
	default:
		cmds = append(cmds, loadSavedKey(m.cfg.Keys))
	}
	return tea.Batch(cmds...)
}

// savedKeyMsg carries the key from the keystore, "" when there is none.
type savedKeyMsg struct{ key string }

func loadSavedKey(store KeyStore) tea.Cmd {
	if store == nil {
		return nil
	}
	return func() tea.Msg {
		k, err := store.Load()
		if err != nil {
			return savedKeyMsg{}
		}
		return savedKeyMsg{key: k}
	}
}

// Close cancels everything still in flight and stops the demo simulator.
func (m Model) Close() {
	m.cancel()
	if m.demo != nil && m.demo.Close != nil {
		m.demo.Close()
	}
}

// ExitCode is the process exit code the wizard ended with.
func (m Model) ExitCode() int { return m.exitCode }

// CurrentStep is the step the wizard is on.
func (m Model) CurrentStep() Step { return m.step }

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case tea.BackgroundColorMsg:
		*m.styles = *theme.New(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		cmd := m.handleKey(msg)
		return m, cmd
	case tea.PasteMsg:
		if m.showInspector {
			return m, nil
		}
		return m, m.forwardToScreen(msg)
	case clockTickMsg:
		return m, m.tick()
	case spinner.TickMsg:
		return m, m.forwardToAll(msg)
	}
	if cmd, handled := m.handleResult(msg); handled {
		return m, cmd
	}
	if cmd, handled := m.handleIntent(msg); handled {
		return m, cmd
	}
	return m, m.forwardToScreen(msg)
}

// tick refreshes what depends on the time, and notices a consent wait that
// has gone on past --timeout.
func (m *Model) tick() tea.Cmd {
	now := m.clock.Now()
	m.consentScreen.SetNow(now)
	m.jobsScreen.SetNow(now)
	if m.showInspector {
		m.inspector.SetEntries(m.inspectorEntries())
	}
	if m.step == StepConsent && !m.consentDeadline.IsZero() && !now.Before(m.consentDeadline) {
		m.consentScreen.SetTimedOut(true, now.Sub(m.consentSince))
	}
	return clockTick(m.ctx, m.clock, 0)
}

// handleKey runs global keys first, then gives the key to the screen.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.global.Quit):
		return m.quit(exitInterrupted)
	case m.showInspector && (key.Matches(msg, m.inspectKey) || key.Matches(msg, m.global.Back)):
		m.showInspector = false
		return nil
	case m.showInspector:
		var cmd tea.Cmd
		m.inspector, cmd = m.inspector.Update(msg)
		return cmd
	case m.showHelp && (key.Matches(msg, m.global.Help, m.global.HelpWhileTyping, m.global.Back)):
		m.showHelp = false
		return nil
	case key.Matches(msg, m.global.HelpWhileTyping) || (key.Matches(msg, m.global.Help) && !m.capturing()):
		m.showHelp = true
		return nil
	case key.Matches(msg, m.inspectKey) && !m.capturing() && m.cfg.Traces != nil:
		m.showInspector = true
		m.showHelp = false
		m.inspector.SetEntries(m.inspectorEntries())
		return nil
	case key.Matches(msg, m.global.Back) && !m.screenTakesEsc():
		return m.back()
	}
	m.showHelp = false
	return m.forwardToScreen(msg)
}

// capturing reports whether a text field has focus, so letters (and esc) are
// the field's, not shortcuts.
func (m Model) capturing() bool {
	switch m.step {
	case StepKey:
		return m.keyScreen.Capturing()
	case StepUser:
		return m.userScreen.Capturing()
	case StepConsent:
		return m.consentScreen.Capturing()
	case StepConnect:
		return m.jobsScreen.Capturing()
	case StepAccounts:
		return m.accountsScreen.Capturing()
	}
	return false
}

// screenTakesEsc reports whether esc closes something on the screen (a
// paste field, a QR code, an account's detail) rather than going back.
// In the key and user forms esc means back: a text field has no use for it.
func (m Model) screenTakesEsc() bool {
	switch m.step {
	case StepConsent:
		return m.consentScreen.Capturing() || m.consentScreen.ShowingQR()
	case StepAccounts:
		return m.accountsScreen.Capturing()
	}
	return false
}

// back goes one step back where that makes sense: from the user form to the
// key, from consent to the user form. Past consent, nothing is undone.
// canGoBack reports whether esc has a step to go back to: not from the
// key, nor to it when the key came from the demo or the environment (it is
// not changed here), nor past the consent (a connection cannot be undone).
func (m Model) canGoBack() bool {
	switch m.step {
	case StepUser:
		return m.demo == nil && m.cfg.EnvKey == ""
	case StepConsent:
		return true
	}
	return false
}

func (m *Model) back() tea.Cmd {
	if !m.canGoBack() {
		return nil
	}
	switch m.step {
	case StepUser:
		m.step = StepKey
		m.keyScreen.SetWorking(false)
		return m.keyScreen.Focus()
	case StepConsent:
		m.stopPolling()
		m.step = StepUser
		m.userScreen = user.New(m.styles)
		m.userScreen.SetExampleWhenEmpty(m.demo != nil)
		m.userScreen.SetValues(m.cfg.Email, m.cfg.Mobile)
		m.clientToken, m.consentLink = "", ""
		m.resize()
		return m.userScreen.Focus()
	}
	return nil
}

// stopPolling makes every poll in flight report into the void.
func (m *Model) stopPolling() {
	m.pollGen++
	m.consentSince, m.consentDeadline = time.Time{}, time.Time{}
	m.pollFailures = 0
}

func (m *Model) quit(code int) tea.Cmd {
	m.quitting = true
	m.exitCode = code
	m.cancel()
	return tea.Quit
}

func (m *Model) forwardToScreen(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.step {
	case StepKey:
		m.keyScreen, cmd = m.keyScreen.Update(msg)
	case StepUser:
		m.userScreen, cmd = m.userScreen.Update(msg)
	case StepConsent:
		m.consentScreen, cmd = m.consentScreen.Update(msg)
	case StepConnect:
		m.jobsScreen, cmd = m.jobsScreen.Update(msg)
	case StepAccounts:
		m.accountsScreen, cmd = m.accountsScreen.Update(msg)
	}
	return cmd
}

// forwardToAll gives a message every screen may own (a spinner tick carries
// the id of the spinner it belongs to) to all of them.
func (m *Model) forwardToAll(msg tea.Msg) tea.Cmd {
	var cmds [6]tea.Cmd
	m.keyScreen, cmds[0] = m.keyScreen.Update(msg)
	m.userScreen, cmds[1] = m.userScreen.Update(msg)
	m.consentScreen, cmds[2] = m.consentScreen.Update(msg)
	m.jobsScreen, cmds[3] = m.jobsScreen.Update(msg)
	m.accountsScreen, cmds[4] = m.accountsScreen.Update(msg)
	m.inspector, cmds[5] = m.inspector.Update(msg)
	return tea.Batch(cmds[:]...)
}

// resize gives every screen the body size of the frame.
func (m *Model) resize() {
	w, h := frame.BodySize(m.width, m.height)
	m.keyScreen.SetSize(w, h)
	m.userScreen.SetSize(w, h)
	m.consentScreen.SetSize(w, h)
	m.jobsScreen.SetSize(w, h)
	m.accountsScreen.SetSize(w, h)
	m.inspector.SetSize(w, h)
}
