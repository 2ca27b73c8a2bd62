// Package flow is the wizard: the one tea.Model that owns the current step,
// the window, the global keys and every call to Basiq (always in a tea.Cmd,
// with a context cancelled on quit), and the plain runner that takes the same
// steps without a terminal.
package flow

import (
	"context"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// API is what the wizard asks of Basiq: *basiq.Client, or a fake in tests.
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
	Transactions(userID string, q basiq.TransactionQuery) *basiq.TransactionPages
}

// Clock is the time the wizard sees (the client's Clock: one notion of time).
// Tests pass a fake whose After returns at once and records what was asked,
// so polling and backoff run without sleeps.
type Clock = basiq.Clock

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Demo is the built-in simulator, started in-process for --demo or ctrl+d.
type Demo struct {
	API         API
	APIURL      string // the simulator's base URL, for the closing curl line
	ConsentBase string // its consent page, standing in for consent.basiq.io
	// AutoConsent does what the consent page's submit does, as a sandbox login.
	AutoConsent func(ctx context.Context, clientToken, institutionID, login string) ([]string, error)
	Close       func()
}

// KeyStore keeps the API key between runs: the OS keyring, or a 0600 file.
type KeyStore interface {
	Load() (key string, err error)
	// Where says where Save would put the key, and whether that is a plain file.
	Where() (where string, insecure bool)
	Save(key string) error
}

// Config is everything the wizard needs from main.
type Config struct {
	// NewAPI makes a client for a key (the key screen calls it with what was pasted).
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

	Demo        bool   // start in the simulator
	Where       string // where the API is: "demo", or the host of the API URL
	APIURL      string // the API base URL, for the closing curl line
	ConsentBase string // "" = Basiq's consent UI
	EnvKey      string // BASIQ_API_KEY, validated at once when set
	Email       string
	Mobile      string
	UserID      string
	JobIDs      []string
	Persona     string // demo: complete consent automatically as this login
	Timeout     time.Duration
}

// sandboxPersona is Basiq's recommended happy-path sandbox login (Hooli, AU00000).
const (
	sandboxInstitution = "AU00000"
	sandboxPersona     = "Wentworth-Smith"
)
