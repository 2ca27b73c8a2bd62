package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// exitUsage is a command line the plain runner cannot run with (design.md).
const exitUsage = 2

// PlainResult is the --json document: Basiq's own field names throughout.
type PlainResult struct {
	User     basiq.User      `json:"user"`
	Jobs     []basiq.Job     `json:"jobs"`
	Accounts []basiq.Account `json:"accounts"`
}

// plainRun takes the wizard's steps without a terminal: progress as
// timestamped lines on stderr, the result on stdout.
type plainRun struct {
	cfg      Config
	clock    Clock
	stdout   io.Writer
	stderr   io.Writer
	jitter   func() float64
	asJSON   bool
	deadline time.Time
}

// RunPlain runs the quickstart with no prompts: every answer comes from a
// flag or the environment. It returns the process exit code.
func RunPlain(ctx context.Context, cfg Config, stdout, stderr io.Writer, asJSON bool) int {
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	r := &plainRun{cfg: cfg, clock: cfg.Clock, stdout: stdout, stderr: stderr, jitter: defaultJitter, asJSON: asJSON}
	code, err := r.run(ctx)
	switch {
	case code == exitOK:
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "basiq-onboard: interrupted")
		return exitInterrupted
	case err != nil:
		fmt.Fprintln(stderr, "basiq-onboard: "+theme.Safe(err.Error()))
	}
	return code
}

func (r *plainRun) logf(format string, args ...any) {
	fmt.Fprintf(r.stderr, "%s  %s\n", r.clock.Now().Format("15:04:05"), theme.Safe(fmt.Sprintf(format, args...)))
}

// explain prints an API failure the way the wizard's screens do.
func (r *plainRun) explain(doing string, err error) error {
	p := problemFor(doing, err)
	r.logf("%s %s", theme.SymbolFailed, p.What)
	for _, line := range []string{p.Meaning, p.Next} {
		if line != "" {
			r.logf("  %s", line)
		}
	}
	if p.CorrelationID != "" {
		r.logf("  Basiq correlation id %s", p.CorrelationID)
	}
	return nil
}

func (r *plainRun) run(ctx context.Context) (int, error) {
	cfg := r.cfg
	if cfg.Demo && cfg.UserID == "" && cfg.Email == "" && cfg.Mobile == "" {
		cfg.Email = user.ExampleEmail // the demo's user is made up, as on the form
	}
	newUser := basiq.NewUser{Email: cfg.Email, Mobile: basiq.NormalizeMobile(cfg.Mobile)}
	// Usage first: a script learns what is missing before anything is created.
	switch {
	case cfg.UserID != "":
		if err := basiq.ValidateID(cfg.UserID); err != nil {
			return exitUsage, fmt.Errorf("--user-id: %w", err)
		}
	case cfg.Email == "" && cfg.Mobile == "":
		return exitUsage, errors.New("without a terminal there is no form to fill: give --email or --mobile (or --user-id)")
	default:
		if err := newUser.Validate(); err != nil {
			return exitUsage, fmt.Errorf("--email/--mobile: %w", err)
		}
	}

	api, consentBase, autoConsent, code, err := r.connect(ctx)
	if api == nil {
		return code, err
	}

	var user basiq.User
	if cfg.UserID != "" {
		r.logf("Looking up user %s (GET /users/%s)", cfg.UserID, cfg.UserID)
		user, err = api.GetUser(ctx, cfg.UserID)
	} else {
		r.logf("Creating a user (POST /users)")
		user, err = api.CreateUser(ctx, newUser)
	}
	if err != nil {
		return exitFailed, r.explain("getting the user", err)
	}
	r.logf("%s User %s", theme.SymbolDone, user.ID)

	r.deadline = r.clock.Now().Add(cfg.Timeout)
	jobIDs := cfg.JobIDs
	if len(jobIDs) == 0 {
		if jobIDs, err = r.consent(ctx, api, user, consentBase, autoConsent); err != nil {
			return exitFailed, err
		}
	}
	watched, err := r.watch(ctx, api, jobIDs)
	if err != nil {
		return exitFailed, err
	}
	result := PlainResult{User: user, Jobs: watched, Accounts: []basiq.Account{}}
	failed := false
	for _, j := range watched {
		failed = failed || j.State() == basiq.JobFailed
	}
	if !failed {
		r.logf("Fetching the accounts (GET /users/%s/accounts)", user.ID)
		accts, err := api.ListAccounts(ctx, user.ID)
		if err != nil {
			return exitFailed, r.explain("loading the accounts", err)
		}
		result.Accounts = accts
		r.logf("%s %d accounts", theme.SymbolDone, len(accts))
	}
	if r.asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(result); err != nil {
			return exitFailed, err
		}
	} else if len(result.Accounts) > 0 {
		writeAccountsTable(r.stdout, result.Accounts)
	}
	if failed {
		return exitFailed, nil
	}
	return exitOK, nil
}

// connect gets an authenticated API: the demo simulator, or the key from the
// environment or the keyring.
func (r *plainRun) connect(ctx context.Context) (api API, consentBase string, autoConsent func(ctx context.Context, token, inst, login string) ([]string, error), code int, err error) {
	cfg := r.cfg
	if cfg.Demo {
		demo, err := cfg.StartDemo()
		if err != nil {
			return nil, "", nil, exitFailed, fmt.Errorf("the built-in simulator did not start: %w", err)
		}
		go func() { <-ctx.Done(); demo.Close() }()
		r.logf("Demo: a built-in Basiq simulator at %s", demo.APIURL)
		return demo.API, demo.ConsentBase, demo.AutoConsent, exitOK, nil
	}
	key, source := strings.TrimSpace(cfg.EnvKey), "BASIQ_API_KEY"
	if key == "" && cfg.Keys != nil {
		key, _ = cfg.Keys.Load()
		source = "the saved key"
	}
	if key == "" {
		return nil, "", nil, exitUsage, errors.New("no API key: set BASIQ_API_KEY (a key is never a flag), save one by running the wizard in a terminal, or try --demo")
	}
	api, err = cfg.NewAPI(key)
	if err != nil {
		return nil, "", nil, exitUsage, err
	}
	r.logf("Exchanging %s for a server token (POST /token)", source)
	if err := api.Authenticate(ctx); err != nil {
		return nil, "", nil, exitFailed, r.explain("checking the key", err)
	}
	r.logf("%s Key accepted", theme.SymbolDone)
	return api, cfg.ConsentBase, nil, exitOK, nil
}

// consent gets the user's consent: as a sandbox persona in the demo, or by a
// person following the link, while we poll for the job it creates.
func (r *plainRun) consent(ctx context.Context, api API, user basiq.User, base string, autoConsent func(context.Context, string, string, string) ([]string, error)) ([]string, error) {
	r.logf("Minting a client token for the consent link (POST /token, CLIENT_ACCESS)")
	token, expires, err := api.ClientToken(ctx, user.ID)
	if err != nil {
		return nil, r.explain("minting a client token", err)
	}
	persona := r.cfg.Persona
	if autoConsent != nil && persona == "" && (r.cfg.OpenBrowser == nil || r.cfg.BrowserUnavailable != "") {
		// No browser and no keys to press: nobody could open the simulator's
		// page, so the demo would only wait out --timeout.
		persona = sandboxPersona
		r.logf("No browser to open the demo's consent page in; --persona picks another login than %s", persona)
	}
	if autoConsent != nil && persona != "" {
		r.logf("Completing consent at Hooli as %s", persona)
		ids, err := autoConsent(ctx, token, sandboxInstitution, persona)
		if err != nil {
			return nil, r.explain("completing consent", err)
		}
		return ids, nil
	}
	link, err := basiq.ConsentURL(base, basiq.ConsentOptions{Token: token, State: user.ID})
	if err != nil {
		return nil, err
	}
	r.logf("Open this link to connect a bank (it holds a token that expires at %s):", expires.Local().Format("15:04"))
	fmt.Fprintln(r.stderr, link)
	if autoConsent != nil {
		r.logf("(or run with --persona %s to complete it automatically)", sandboxPersona)
	}
	if r.cfg.OpenBrowser != nil && r.cfg.BrowserUnavailable == "" {
		if err := r.cfg.OpenBrowser(link); err != nil {
			r.logf("The browser did not open (%v); open the link yourself", err)
		}
	}
	since := r.clock.Now()
	r.logf("Waiting for a connection (GET /users/%s/jobs every %s, for up to %s)", user.ID, consentPollEvery, r.cfg.Timeout)
	failures := 0
	for {
		delay := pollDelay(consentPollEvery, failures, r.jitter)
		if r.clock.Now().Add(delay).After(r.deadline) {
			return nil, fmt.Errorf("no connection after %s; run again with --user-id %s to try once more", r.cfg.Timeout, user.ID)
		}
		if !sleep(ctx, r.clock, delay) {
			return nil, ctx.Err()
		}
		list, err := api.ListUserJobs(ctx, user.ID)
		if err != nil {
			failures++
			r.logf("Checking for the connection failed (%v); trying again", err)
			continue
		}
		failures = 0
		var ids []string
		for _, j := range list {
			if !j.Created.Before(since.Add(-time.Minute)) {
				ids = append(ids, j.ID)
			}
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
}

// watch polls each job until every one has succeeded or failed, printing
// each step as it starts and ends.
func (r *plainRun) watch(ctx context.Context, api API, ids []string) ([]basiq.Job, error) {
	latest := make([]basiq.Job, len(ids))
	done := make([]bool, len(ids))
	seen := map[string]string{}       // job/step -> last status printed
	started := map[string]time.Time{} // job/step -> when first seen running
	failures := 0
	for first := true; ; first = false {
		if !first {
			delay := pollDelay(jobPollEvery, failures, r.jitter)
			if r.clock.Now().Add(delay).After(r.deadline) {
				return latest, fmt.Errorf("the job did not finish within %s; watch it again with --job-id %s", r.cfg.Timeout, strings.Join(ids, ","))
			}
			if !sleep(ctx, r.clock, delay) {
				return latest, ctx.Err()
			}
		}
		pending := false
		for i, id := range ids {
			if done[i] {
				continue
			}
			job, err := api.GetJob(ctx, id)
			if err != nil {
				if basiq.IsNotFound(err) || !retryable(err) {
					return latest, r.explain("checking job "+id, err)
				}
				failures++
				r.logf("Checking job %s failed (%v); trying again", id, err)
				pending = true
				continue
			}
			failures = 0
			latest[i] = job
			r.printSteps(job, seen, started)
			switch job.State() {
			case basiq.JobSucceeded:
				done[i] = true
				r.logf("%s Job %s done", theme.SymbolDone, id)
			case basiq.JobFailed:
				done[i] = true
				r.printFailure(job)
			default:
				pending = true
			}
		}
		if !pending {
			return latest, nil
		}
	}
}

func (r *plainRun) printSteps(job basiq.Job, seen map[string]string, started map[string]time.Time) {
	now := r.clock.Now()
	for _, s := range job.Steps {
		k := job.ID + "/" + s.Title
		if seen[k] == s.Status {
			continue
		}
		seen[k] = s.Status
		name := jobs.StepName(s.Title)
		switch {
		case s.Status == basiq.StepInProgress:
			started[k] = now
			r.logf("… %s", name)
		case s.Done():
			took := ""
			if t, ok := started[k]; ok {
				took = fmt.Sprintf(" (%.1fs)", now.Sub(t).Seconds())
			}
			r.logf("%s %s%s", theme.SymbolDone, name, took)
		case s.Status == basiq.StepFailed:
			r.logf("%s %s", theme.SymbolFailed, name)
		case s.Status != basiq.StepPending:
			r.logf("%s: %s", name, s.Status)
		}
	}
}

func (r *plainRun) printFailure(job basiq.Job) {
	step := job.FailedStep()
	if step == nil {
		r.logf("%s Job %s failed", theme.SymbolFailed, job.ID)
		return
	}
	code := ""
	if step.Result != nil {
		code = step.Result.Code
	}
	r.logf("%s Job %s failed at %s: %s", theme.SymbolFailed, job.ID, jobs.StepName(step.Title), stepFailure(step))
	advice := basiq.AdviceFor(code)
	for _, line := range []string{advice.Meaning, advice.Next} {
		if line != "" {
			r.logf("  %s", line)
		}
	}
}

// writeAccountsTable prints the accounts as a plain, aligned table: numbers
// right-aligned, exactly as Basiq sent them.
func writeAccountsTable(w io.Writer, accts []basiq.Account) {
	rows := [][]string{{"Account", "Type", "Number", "Balance", "Available", "Currency", "Status"}}
	for _, a := range accts {
		rows = append(rows, []string{a.Name, a.Class.Type, maskNumber(a.AccountNo), a.Balance, a.AvailableFunds, a.Currency, a.Status})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	rightAligned := map[int]bool{3: true, 4: true}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			cell = theme.Safe(cell)
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if rightAligned[i] {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// maskNumber keeps the last four digits of an account number.
func maskNumber(n string) string {
	if len(n) <= 4 {
		return n
	}
	return "••" + n[len(n)-4:]
}
