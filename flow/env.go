// Package flow runs the quickstart (package quickstart holds its rules): it
// performs the session's effects (every call to Basiq, the browser, the
// keyring, the clock, the files it writes) for every face. The faces are
// flow/wizard (full-screen) and flow/headless (plain lines, --json, --events).
package flow

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// API is what the quickstart asks of Basiq: *basiq.Client, or a fake in tests.
type API interface {
	Authenticate(ctx context.Context) error
	ClientToken(ctx context.Context, userID string) (string, time.Time, error)
	CreateUser(ctx context.Context, u basiq.NewUser) (basiq.User, error)
	GetUser(ctx context.Context, id string) (basiq.User, error)
	GetJob(ctx context.Context, id string) (basiq.Job, error)
	ListUserJobs(ctx context.Context, userID string) ([]basiq.Job, error)
	ListAccounts(ctx context.Context, userID string, filters ...basiq.Filter) ([]basiq.Account, error)
	GetInstitution(ctx context.Context, id string) (basiq.Institution, error)
	RefreshConnection(ctx context.Context, userID, connectionID string) (jobID string, err error)
	TransactionsPage(ctx context.Context, userID string, q basiq.TransactionQuery, cursor string) ([]basiq.Transaction, string, error)
	ListConnections(ctx context.Context, userID string) ([]basiq.Connection, error)
	DeleteConnection(ctx context.Context, userID, connectionID string) error
	RefreshAllConnections(ctx context.Context, userID string) ([]string, error)
	ListConsents(ctx context.Context, userID string) ([]basiq.Consent, error)
	DeleteConsent(ctx context.Context, userID, consentID string) error
	DeleteUser(ctx context.Context, id string) error
	// AnswerMFA answers the bank's challenge a job of the user waits on.
	AnswerMFA(ctx context.Context, userID, jobID string, answers []string) error
}

// Clock is the time the quickstart sees (the client's Clock: one notion of
// time). Tests pass a fake whose After returns at once, so polling and
// backoff run without sleeps.
type Clock = basiq.Clock

// Demo is the built-in simulator, started in-process for --demo or ctrl+d.
type Demo struct {
	API         API
	APIURL      string // the simulator's base URL
	ConsentBase string // its consent page, standing in for consent.basiq.io
	// AutoConsent does what the consent page's submit does, as a sandbox
	// login: on a new connection, or again on connectionID.
	AutoConsent func(ctx context.Context, clientToken, institutionID, login, connectionID string) ([]string, error)
	Close       func()
}

// KeyStore keeps the API key between runs, one per API origin (Origin):
// the OS keyring, or a 0600 file. *Store is the one main uses.
type KeyStore interface {
	Load(origin string) (key string, err error)
	// Where says where Save would put the key, and whether that is a plain file.
	Where() (where string, insecure bool)
	Save(origin, key string) error
}

// Config is everything the quickstart needs from main.
type Config struct {
	// NewAPI makes a client for a key.
	NewAPI func(key string) (API, error)
	// StartDemo starts the simulator; nil where the demo is not offered.
	StartDemo func() (Demo, error)
	Keys      KeyStore // nil: never offer to save
	Clock     Clock    // nil: the real clock
	// OpenBrowser opens a URL; nil: never open one.
	OpenBrowser func(url string) error
	// BrowserUnavailable, when not "", says why no browser will be opened.
	BrowserUnavailable string
	// Traces returns the latest HTTP exchanges, newest last, for the request inspector.
	Traces func() []basiq.Exchange
	// Jitter spreads retries; nil is math/rand (tests pin it).
	Jitter func() float64
	// Memory keeps the last session's user between runs; nil: nothing kept.
	Memory MemoryStore
	// Redactor hides secrets in every output: the one the clients are given,
	// so it knows the key and the tokens. Nil hides by name and shape only.
	Redactor *basiq.Redactor
	// Prompt asks a person at a terminal, line by line, in a headless run;
	// nil where stdin is not a terminal (every answer is then a flag).
	Prompt Prompter

	Demo        bool   // start in the simulator
	Where       string // where the API is: the host of the API URL
	APIURL      string // the API base URL, for the closing curl lines
	ConsentBase string // "" = Basiq's consent UI
	EnvKey      string // BASIQ_API_KEY, checked at once when set
	Email       string
	Mobile      string
	UserID      string
	JobIDs      []string
	Persona     string // demo: complete consent automatically as this login
	Timeout     time.Duration
	// ExportScript (--export-script), when not "", is where the session is
	// saved as a bash script at the end, with the Go program beside it.
	ExportScript string
	DeleteUser   bool // headless: delete the user the run made, at the end
	// Events: the user's Basiq events are polled while the run lasts (the
	// Events view, --events' basiq_event lines); ForwardTo needs them. Off
	// for the tests' fakes, which serve no events.
	Events bool
	// ForwardTo (--forward-to, ParseForwardTo's URL), when not "", is where
	// the user's events are forwarded, signed with ForwardSecret as listen
	// signs them (listen's secret for the API; the demo's own), or, once
	// ctrl+d starts the demo in a run begun without --demo, with
	// DemoForwardSecret: the demo's events are never signed as the API's.
	ForwardTo         string
	ForwardSecret     webhook.Secret
	DemoForwardSecret webhook.Secret
	// ForwardTransport carries the deliveries (tests); nil = the engine's own.
	ForwardTransport http.RoundTripper
}

// MemoryStore keeps what a session remembers, by the API origin it ran
// against (Origin; DemoOrigin for the demo). *Store is the one main uses.
type MemoryStore interface {
	Recall(origin string) (quickstart.Memory, error)
	Remember(origin string, m quickstart.Memory) error
}

// UseStore keeps the key and the last session in store: one store for
// everything saved, each thing under its API's origin.
func (c *Config) UseStore(store *Store) {
	c.Keys, c.Memory = store, store
}

// Session makes the quickstart's session for this configuration;
// interactive is true for the wizard, false for the headless faces.
func (c Config) Session(interactive bool) *quickstart.Session {
	noBrowser := c.BrowserUnavailable
	if c.OpenBrowser == nil && noBrowser == "" {
		noBrowser = "Not opening a browser (--no-browser)."
	}
	return quickstart.New(quickstart.Config{
		Interactive:  interactive,
		Demo:         c.Demo,
		EnvKey:       strings.TrimSpace(c.EnvKey),
		KeyStore:     c.Keys != nil,
		Email:        c.Email,
		Mobile:       c.Mobile,
		UserID:       c.UserID,
		JobIDs:       c.JobIDs,
		Persona:      c.Persona,
		Timeout:      c.Timeout,
		ConsentBase:  c.ConsentBase,
		NoBrowser:    noBrowser,
		Jitter:       c.Jitter,
		DeleteUser:   c.DeleteUser,
		ExportScript: c.ExportScript,
		Ask:          c.Prompt != nil && !interactive,
		Events:       c.Events || c.ForwardTo != "",
		Forward:      c.ForwardTo != "",
		LocalAPI:     IsLoopbackURL(c.APIURL),
	})
}

// ForwardSecretFor is the secret the forwarded events are signed with, in
// the demo or not.
func (c Config) ForwardSecretFor(demo bool) webhook.Secret {
	if demo && !c.Demo && !c.DemoForwardSecret.IsZero() {
		return c.DemoForwardSecret
	}
	return c.ForwardSecret
}

// RunClock is the clock the run goes by: Clock, or the wall clock.
func (c Config) RunClock() Clock {
	if c.Clock == nil {
		return basiq.RealClock{}
	}
	return c.Clock
}
