package flow

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/inspector"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// handleResult takes the answer of a command (commands.go) and moves the
// wizard on. Every transition of the quickstart is here or in handleIntent.
func (m *Model) handleResult(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case savedKeyMsg:
		if msg.key == "" || m.step != StepKey || m.api != nil {
			return nil, true
		}
		m.keyScreen.SetValue(msg.key)
		return tea.Batch(m.keyScreen.SetWorking(true), checkKey(m.ctx, m.cfg.NewAPI, msg.key, keyFromStore)), true

	case demoStartedMsg:
		if msg.err != nil {
			m.keyScreen.SetWorking(false)
			m.keyScreen.SetProblem(theme.Problem{
				What: "The built-in simulator did not start: " + msg.err.Error(),
				Next: "Press ctrl+d to try again, or paste a Basiq API key.",
			}, true)
			return nil, true
		}
		m.demo = &msg.demo
		m.api = msg.demo.API
		m.where = "demo"
		m.cfg.APIURL = msg.demo.APIURL
		m.cfg.ConsentBase = msg.demo.ConsentBase
		m.keyScreen.SetWorking(false)
		m.notice = "Demo: a built-in Basiq simulator answers; nothing leaves this machine."
		m.userScreen.SetExampleWhenEmpty(true)
		return m.toUser(), true

	case keyCheckedMsg:
		m.keyScreen.SetWorking(false)
		if msg.err != nil {
			p := problemFor("checking the key", msg.err)
			switch msg.source {
			case keyFromStore:
				p.What = "The saved key no longer works. " + p.What
			case keyFromEnv:
				p.What = "BASIQ_API_KEY: " + p.What
			}
			m.keyScreen.SetProblem(p, retryable(msg.err))
			return m.keyScreen.Focus(), true
		}
		m.api = msg.api
		m.keySource = msg.source
		m.keyScreen.ClearProblem()
		if msg.source == keyTyped && m.cfg.Keys != nil {
			m.apiKey = msg.key
			where, insecure := m.cfg.Keys.Where()
			m.keyScreen.AskSave(where, insecure)
			return nil, true
		}
		return m.toUser(), true

	case keySavedMsg:
		m.apiKey = "" // saved or not, the wizard has no more use for it
		if msg.err != nil {
			m.notice = theme.SymbolWarning + " The key was not saved: " + msg.err.Error()
		} else {
			where, _ := m.cfg.Keys.Where()
			m.notice = theme.SymbolDone + " Key saved in " + where
		}
		return nil, true

	case userReadyMsg:
		return m.userReady(msg), true

	case consentLinkMsg:
		m.linkInFlight = false
		if msg.err != nil {
			p := problemFor("minting a client token for the consent link", msg.err)
			m.consentScreen.SetWorking("")
			m.consentScreen.SetProblem(&p)
			return nil, true
		}
		m.clientToken, m.consentLink, m.linkExpires = msg.token, msg.url, msg.expires
		if m.step == StepConsent {
			return m.showConsent(), true
		}
		return nil, true

	case browserOpenedMsg:
		if msg.err != nil {
			m.consentScreen.SetBrowser(false, "The browser did not open ("+msg.err.Error()+"): open the link yourself, or scan the QR code (q).")
		} else {
			m.consentScreen.SetBrowser(true, "")
		}
		return nil, true

	case userJobsMsg:
		if msg.gen != m.pollGen || m.step != StepConsent {
			return nil, true
		}
		return m.consentJobs(msg), true

	case autoConsentMsg:
		m.consentScreen.SetWorking("")
		if msg.err != nil {
			p := problemFor("completing consent in the simulator", msg.err)
			m.consentScreen.SetProblem(&p)
			return nil, true
		}
		for _, id := range msg.jobIDs {
			m.jobInstitutions[id] = basiq.Ref{Type: "institution", ID: sandboxInstitution}
		}
		return m.watchJobs(msg.jobIDs), true

	case jobPolledMsg:
		if msg.gen != m.pollGen {
			return nil, true
		}
		return m.jobPolled(msg), true

	case refreshedMsg:
		if msg.err != nil {
			p := problemFor("asking Basiq to retry the connection", msg.err)
			m.jobsScreen.SetPollProblem(msg.oldJobID, &p)
			return nil, true
		}
		return m.watchJobs([]string{msg.jobID}), true

	case institutionMsg:
		if msg.err != nil {
			return nil, true // the id stands in for the name; nothing else depends on it
		}
		m.institutions[msg.id] = msg.inst
		m.jobsScreen.SetInstitution(msg.inst)
		if m.accountsLoaded {
			m.accountsScreen.SetAccounts(m.accounts, m.institutions, m.clock.Now())
		}
		return nil, true

	case accountsMsg:
		return m.accountsLoadedMsg(msg), true

	case transactionsMsg:
		if msg.err != nil {
			p := problemFor("loading transactions", msg.err)
			m.accountsScreen.SetTransactions(msg.accountID, nil, msg.more, &p)
			return nil, true
		}
		m.accountsScreen.SetTransactions(msg.accountID, msg.txns, msg.more, nil)
		return nil, true

	case exportedMsg:
		m.accountsScreen.SetExported(msg.dir, msg.files, msg.err)
		return nil, true
	}
	return nil, false
}

// handleIntent acts on what a screen asks for.
func (m *Model) handleIntent(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case apikey.SubmittedMsg:
		m.keyScreen.ClearProblem()
		return tea.Batch(m.keyScreen.SetWorking(true), checkKey(m.ctx, m.cfg.NewAPI, msg.Key, keyTyped)), true
	case apikey.DemoMsg:
		if m.cfg.StartDemo == nil {
			return nil, true
		}
		m.keyScreen.ClearProblem()
		return tea.Batch(m.keyScreen.SetWorking(true), startDemo(m.cfg.StartDemo)), true
	case apikey.SaveAnsweredMsg:
		var save tea.Cmd
		if msg.Save {
			save = saveKey(m.cfg.Keys, m.apiKey)
		} else {
			m.apiKey = ""
		}
		return tea.Batch(save, m.toUser()), true

	case user.SubmittedMsg:
		m.userScreen.ClearProblem()
		nu := basiq.NewUser{Email: msg.Email, Mobile: msg.Mobile}
		return tea.Batch(m.userScreen.SetWorking(true), createUser(m.ctx, m.api, nu)), true
	case user.ExistingUserMsg:
		m.userScreen.ClearProblem()
		return tea.Batch(m.userScreen.SetWorking(true), loadUser(m.ctx, m.api, msg.ID)), true
	case user.ContinueMsg:
		return m.toConsent(), true

	case consent.OpenMsg:
		return m.openConsent(), true
	case consent.JobsPastedMsg:
		return m.watchJobs(msg.IDs), true
	case consent.AutoConsentMsg:
		if m.demo == nil || m.clientToken == "" {
			return nil, true
		}
		m.consentScreen.SetProblem(nil)
		return tea.Batch(
			m.consentScreen.SetWorking("Completing consent as "+m.persona()+"…"),
			autoConsent(m.ctx, *m.demo, m.clientToken, m.persona()),
		), true
	case consent.WaitLongerMsg:
		m.consentDeadline = m.clock.Now().Add(m.cfg.Timeout)
		m.consentScreen.SetTimedOut(false, 0)
		return nil, true
	case consent.ReopenMsg:
		return m.reconsent(), true

	case jobs.ReconsentMsg:
		return m.reconsent(), true
	case jobs.RetryMsg:
		return m.retryJob(msg.JobID), true
	case jobs.ContinueMsg:
		if m.accountsLoaded {
			m.step = StepAccounts
		}
		return nil, true
	case jobs.QuitMsg:
		return m.quit(m.outcome()), true

	case accounts.TransactionsRequestedMsg:
		pages, ok := m.txnPages[msg.AccountID]
		if !ok {
			pages = m.api.Transactions(m.user.ID, basiq.TransactionQuery{AccountID: msg.AccountID, Limit: transactionsPage})
			m.txnPages[msg.AccountID] = pages
		} else if !msg.More || !pages.More() {
			return nil, true
		}
		return loadTransactions(m.ctx, pages, msg.AccountID), true
	case accounts.ExportRequestedMsg:
		return exportAccounts(m.exportData(), msg.Format, m.clock.Now()), true
	case accounts.QuitMsg:
		return m.quit(m.outcome()), true

	case inspector.CloseMsg:
		m.showInspector = false
		return nil, true
	}
	return nil, false
}

// transactionsPage is how many transactions one press of t (or n) loads.
const transactionsPage = 50

func (m *Model) persona() string {
	if m.cfg.Persona != "" {
		return m.cfg.Persona
	}
	return sandboxPersona
}

// outcome is the exit code when the user quits: 1 when a job failed.
func (m *Model) outcome() int {
	if len(m.jobsScreen.Failed()) > 0 {
		return exitFailed
	}
	return exitOK
}

// toUser moves to the user step; with --user-id it looks that user up at once.
func (m *Model) toUser() tea.Cmd {
	m.step = StepUser
	if m.cfg.UserID != "" {
		return tea.Batch(m.userScreen.SetWorking(true), loadUser(m.ctx, m.api, m.cfg.UserID))
	}
	return m.userScreen.Focus()
}

func (m *Model) userReady(msg userReadyMsg) tea.Cmd {
	m.userScreen.SetWorking(false)
	if msg.err != nil {
		switch {
		case !msg.created && basiq.IsNotFound(msg.err):
			m.userScreen.SetFieldError("id", "No user with this id under this application.")
		case fieldOf(msg.err) != "":
			m.userScreen.SetFieldError(fieldOf(msg.err), detailOf(msg.err))
		default:
			m.userScreen.SetProblem(problemFor(map[bool]string{true: "creating the user", false: "looking up the user"}[msg.created], msg.err))
		}
		return m.userScreen.Focus()
	}
	m.user = msg.user
	m.userCreated = msg.created
	// Mint the consent link now, so the consent screen is ready when the user is.
	mint := m.mintLink()
	if len(m.cfg.JobIDs) > 0 {
		return m.watchJobs(m.cfg.JobIDs)
	}
	if msg.created {
		m.userScreen.SetCreated(msg.user)
		return mint
	}
	return tea.Batch(mint, m.toConsent())
}

func (m *Model) mintLink() tea.Cmd {
	if m.linkInFlight {
		return nil
	}
	m.linkInFlight = true
	m.clientToken, m.consentLink = "", ""
	return mintConsentLink(m.ctx, m.api, m.user.ID, m.cfg.ConsentBase, m.user.ID)
}

// toConsent shows the consent step: the link if it is minted, a spinner if not.
func (m *Model) toConsent() tea.Cmd {
	m.step = StepConsent
	m.consentScreen.SetUser(m.user.ID, m.user.Name)
	m.consentScreen.SetSandboxHint(m.where != "production")
	m.consentScreen.SetDemo(m.demo != nil, m.persona())
	if m.consentLink != "" {
		return m.showConsent()
	}
	return tea.Batch(m.consentScreen.SetWorking("Minting a client token for the consent link…"), m.mintLink())
}

// showConsent shows the fresh link, opens it (or completes consent itself
// with --persona) and starts waiting for the job it creates.
func (m *Model) showConsent() tea.Cmd {
	now := m.clock.Now()
	m.consentScreen.SetWorking("")
	m.consentScreen.SetProblem(nil)
	m.consentScreen.SetTimedOut(false, 0)
	m.consentScreen.SetLink(m.consentLink, m.linkExpires)
	m.stopPolling()
	m.consentSince, m.consentDeadline = now, now.Add(m.cfg.Timeout)
	m.consentScreen.SetPolling(time.Time{}, m.jobsPath())
	poll := pollUserJobs(m.ctx, m.api, m.clock, m.pollGen, m.user.ID, consentPollEvery)
	if m.demo != nil && m.cfg.Persona != "" && !m.personaConsented {
		// Once: consent reopened after a failure is the user's to give.
		m.personaConsented = true
		return tea.Batch(poll, func() tea.Msg { return consent.AutoConsentMsg{} })
	}
	return tea.Batch(poll, m.openConsent())
}

func (m *Model) jobsPath() string { return "GET /users/" + shortID(m.user.ID) + "/jobs" }

// openConsent opens the link in a browser, or says why it will not.
func (m *Model) openConsent() tea.Cmd {
	switch {
	case m.consentLink == "":
		return nil
	case m.cfg.BrowserUnavailable != "" || m.cfg.OpenBrowser == nil:
		reason := m.cfg.BrowserUnavailable
		if reason == "" {
			reason = "Not opening a browser (--no-browser)."
		}
		m.consentScreen.SetBrowser(false, reason+" Open the link on a computer with a browser, or scan the QR code (q).")
		return nil
	}
	return openBrowser(m.cfg.OpenBrowser, m.consentLink)
}

// consentJobs looks for the job the consent created: one this wizard has not
// seen, created after the link was shown (a minute of slack for clock skew).
func (m *Model) consentJobs(msg userJobsMsg) tea.Cmd {
	if msg.err != nil {
		m.pollFailures++
		delay := pollDelay(consentPollEvery, m.pollFailures, m.jitter)
		p := problemFor("checking for the connection", msg.err)
		p.Next = fmt.Sprintf("Checking again in %s. %s", delay.Round(time.Second), p.Next)
		m.consentScreen.SetProblem(&p)
		return pollUserJobs(m.ctx, m.api, m.clock, m.pollGen, m.user.ID, delay)
	}
	m.pollFailures = 0
	m.consentScreen.SetProblem(nil)
	m.consentScreen.SetPolling(msg.at, m.jobsPath())
	var found []string
	for _, j := range msg.jobs {
		if !m.knownJobs[j.ID] && !j.Created.Before(m.consentSince.Add(-time.Minute)) {
			found = append(found, j.ID)
			if j.Institution != nil {
				// GET /jobs/{id} names no institution until accounts are in; the list does.
				m.jobInstitutions[j.ID] = *j.Institution
			}
		}
	}
	if len(found) > 0 {
		return m.watchJobs(found)
	}
	return pollUserJobs(m.ctx, m.api, m.clock, m.pollGen, m.user.ID, consentPollEvery)
}

// watchJobs moves to the connect step and polls each job.
func (m *Model) watchJobs(ids []string) tea.Cmd {
	m.stopPolling()
	m.step = StepConnect
	m.jobsScreen = jobs.New(m.styles)
	for _, inst := range m.institutions { // loaded for an earlier job; not asked for again
		m.jobsScreen.SetInstitution(inst)
	}
	m.resize()
	m.jobOrder = nil
	m.jobStates = map[string]basiq.Job{}
	m.accountsAsked, m.accountsLoaded = false, false
	cmds := []tea.Cmd{m.jobsScreen.Tick()}
	for _, id := range ids {
		if containsID(m.jobOrder, id) {
			continue
		}
		m.knownJobs[id] = true
		m.jobOrder = append(m.jobOrder, id)
		m.jobFailures[id] = 0
		cmds = append(cmds, pollJob(m.ctx, m.api, m.clock, m.pollGen, id, 0))
	}
	return tea.Batch(cmds...)
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (m *Model) jobPolled(msg jobPolledMsg) tea.Cmd {
	now := m.clock.Now()
	if msg.err != nil {
		if basiq.IsNotFound(msg.err) {
			p := theme.Problem{
				What: "Basiq has no job " + msg.id + " for this application.",
				Next: "Check the id (esc goes back is not possible here; quit and run again with the right --job-id, or reopen consent with r).",
			}
			m.jobsScreen.SetPollProblem(msg.id, &p)
			return nil
		}
		m.jobFailures[msg.id]++
		delay := pollDelay(jobPollEvery, m.jobFailures[msg.id], m.jitter)
		p := problemFor("checking the job", msg.err)
		p.Next = fmt.Sprintf("Checking again in %s.", delay.Round(time.Second))
		m.jobsScreen.SetPollProblem(msg.id, &p)
		return pollJob(m.ctx, m.api, m.clock, m.pollGen, msg.id, delay)
	}
	m.jobFailures[msg.id] = 0
	m.jobsScreen.SetPollProblem(msg.id, nil)
	if ref, ok := m.jobInstitutions[msg.id]; ok && msg.job.Institution == nil {
		msg.job.Institution = &ref
	}
	m.jobStates[msg.id] = msg.job
	m.jobsScreen.SetJob(msg.job, now)

	var cmds []tea.Cmd
	if inst := msg.job.InstitutionID(); inst != "" && !m.instRequested[inst] {
		m.instRequested[inst] = true
		cmds = append(cmds, loadInstitution(m.ctx, m.api, inst))
	}
	switch msg.job.State() {
	case basiq.JobPending, basiq.JobRunning:
		cmds = append(cmds, pollJob(m.ctx, m.api, m.clock, m.pollGen, msg.id, jobPollEvery))
	}
	if m.jobsScreen.AccountsReady() && !m.accountsAsked {
		m.accountsAsked = true
		cmds = append(cmds, loadAccounts(m.ctx, m.api, m.user.ID))
	}
	if m.accountsLoaded {
		m.accountsScreen.SetTransactionsPending(!m.jobsScreen.AllDone())
		if m.jobsScreen.AllDone() {
			// The last step may have changed balances: show the final numbers.
			cmds = append(cmds, loadAccounts(m.ctx, m.api, m.user.ID))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) accountsLoadedMsg(msg accountsMsg) tea.Cmd {
	if msg.err != nil {
		p := problemFor("loading the accounts", msg.err)
		if m.step == StepAccounts {
			m.notice = theme.SymbolWarning + " " + p.What
			return nil
		}
		m.accountsAsked = false // the next job poll asks again
		m.jobsScreen.SetPollProblem("", &p)
		return nil
	}
	m.accounts = msg.accounts
	m.accountsLoaded = true
	m.accountsScreen.SetHeading(m.user.Name)
	m.accountsScreen.SetAccounts(msg.accounts, m.institutions, m.clock.Now())
	m.accountsScreen.SetTransactionsPending(!m.jobsScreen.AllDone())
	if m.step == StepConnect {
		m.step = StepAccounts
	}
	return nil
}

// reconsent goes back to consent with a fresh link (the old token may be
// spent or expired), after a failed job or a wait that went on too long.
func (m *Model) reconsent() tea.Cmd {
	m.stopPolling()
	m.step = StepConsent
	m.consentScreen.SetTimedOut(false, 0)
	m.consentScreen.SetProblem(nil)
	m.consentLink = ""
	return m.toConsent()
}

// retryJob asks Basiq to run the job's connection again; with no connection
// to refresh, consent again is the only way.
func (m *Model) retryJob(jobID string) tea.Cmd {
	conn := m.jobStates[jobID].ConnectionID()
	if conn == "" {
		return m.reconsent()
	}
	api, ctx, userID := m.api, m.ctx, m.user.ID
	return func() tea.Msg {
		id, err := api.RefreshConnection(ctx, userID, conn)
		return refreshedMsg{oldJobID: jobID, jobID: id, err: err}
	}
}

// shortID shortens a UUID for display: the first 8 characters.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

func fieldOf(err error) string {
	if e, ok := asAPIError(err); ok {
		return e.Field()
	}
	return ""
}

func detailOf(err error) string {
	if e, ok := asAPIError(err); ok {
		if d := e.Detail(); d != "" {
			return d
		}
		return e.Title()
	}
	return err.Error()
}
