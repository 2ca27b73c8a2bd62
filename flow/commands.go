package flow

import (
	"context"
	"math/rand/v2"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Every command here runs off the event loop, takes the wizard's context
// (cancelled on quit) and reports back with one message.

// Polling rates: never more than one request a second per thing polled.
const (
	consentPollEvery = 2 * time.Second
	jobPollEvery     = 1500 * time.Millisecond
	maxPollBackoff   = 30 * time.Second
	clockTickEvery   = time.Second
)

// sleep waits d on the clock, or until ctx ends; it reports whether to go on.
func sleep(ctx context.Context, clock Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-clock.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// pollDelay is the wait before the next poll: the base rate while all is
// well, then exponential backoff with jitter after consecutive failures.
func pollDelay(base time.Duration, failures int, jitter func() float64) time.Duration {
	if failures == 0 {
		return base
	}
	d := base << min(failures, 5)
	d = min(d, maxPollBackoff)
	// Half fixed, half jittered: never faster than base, never in lockstep.
	return max(base, d/2+time.Duration(jitter()*float64(d/2)))
}

func defaultJitter() float64 { return rand.Float64() }

func checkKey(ctx context.Context, newAPI func(string) (API, error), key string, source keySource) tea.Cmd {
	return func() tea.Msg {
		api, err := newAPI(key)
		if err == nil {
			err = api.Authenticate(ctx)
		}
		return keyCheckedMsg{api: api, key: key, source: source, err: err}
	}
}

func saveKey(store KeyStore, key string) tea.Cmd {
	return func() tea.Msg { return keySavedMsg{err: store.Save(key)} }
}

func startDemo(start func() (Demo, error)) tea.Cmd {
	return func() tea.Msg {
		d, err := start()
		return demoStartedMsg{demo: d, err: err}
	}
}

func createUser(ctx context.Context, api API, u basiq.NewUser) tea.Cmd {
	return func() tea.Msg {
		user, err := api.CreateUser(ctx, u)
		return userReadyMsg{user: user, created: true, err: err}
	}
}

func loadUser(ctx context.Context, api API, id string) tea.Cmd {
	return func() tea.Msg {
		user, err := api.GetUser(ctx, id)
		return userReadyMsg{user: user, err: err}
	}
}

func mintConsentLink(ctx context.Context, api API, userID, consentBase, state string) tea.Cmd {
	return func() tea.Msg {
		token, expires, err := api.ClientToken(ctx, userID)
		if err != nil {
			return consentLinkMsg{err: err}
		}
		link, err := basiq.ConsentURL(consentBase, basiq.ConsentOptions{Token: token, State: state})
		return consentLinkMsg{token: token, url: link, expires: expires, err: err}
	}
}

func openBrowser(open func(string) error, link string) tea.Cmd {
	return func() tea.Msg { return browserOpenedMsg{err: open(link)} }
}

func pollUserJobs(ctx context.Context, api API, clock Clock, gen int, userID string, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		if !sleep(ctx, clock, delay) {
			return nil
		}
		jobs, err := api.ListUserJobs(ctx, userID)
		return userJobsMsg{gen: gen, jobs: jobs, at: clock.Now(), err: err}
	}
}

func autoConsent(ctx context.Context, demo Demo, clientToken, login string) tea.Cmd {
	return func() tea.Msg {
		ids, err := demo.AutoConsent(ctx, clientToken, sandboxInstitution, login)
		return autoConsentMsg{jobIDs: ids, err: err}
	}
}

func pollJob(ctx context.Context, api API, clock Clock, gen int, id string, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		if !sleep(ctx, clock, delay) {
			return nil
		}
		job, err := api.GetJob(ctx, id)
		return jobPolledMsg{gen: gen, id: id, job: job, err: err}
	}
}

func loadInstitution(ctx context.Context, api API, id string) tea.Cmd {
	return func() tea.Msg {
		inst, err := api.GetInstitution(ctx, id)
		return institutionMsg{id: id, inst: inst, err: err}
	}
}

func loadAccounts(ctx context.Context, api API, userID string) tea.Cmd {
	return func() tea.Msg {
		accounts, err := api.ListAccounts(ctx, userID)
		return accountsMsg{accounts: accounts, err: err}
	}
}

func loadTransactions(ctx context.Context, pages *basiq.TransactionPages, accountID string) tea.Cmd {
	return func() tea.Msg {
		txns, err := pages.Next(ctx)
		return transactionsMsg{accountID: accountID, txns: txns, more: pages.More(), err: err}
	}
}

func clockTick(ctx context.Context, clock Clock, gen int) tea.Cmd {
	return func() tea.Msg {
		if !sleep(ctx, clock, clockTickEvery) {
			return nil
		}
		return clockTickMsg{gen: gen}
	}
}
