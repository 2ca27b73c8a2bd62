// Package flowtest is a stand-in for Basiq that the quickstart's tests
// share: it answers from fields the test sets and records every call.
package flowtest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// IDs the tests use.
const (
	UserID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	JobID  = "a03e4df4-0000-4000-8000-000000000001"
	// GoodKey is the key API accepts (see Keys).
	GoodKey = "NjA0ZmY0ZTgtZ29vZC1rZXk6c2VjcmV0"
)

// BadKey is what Basiq answers a key it does not know.
var BadKey = &basiq.Error{Status: 404, Method: "POST", Path: "/token",
	Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Title: "Parameter not valid.", Detail: "Unable to authenticate with provided API key."}}}

// NotFound is Basiq's 404 for path.
func NotFound(path string) *basiq.Error {
	return &basiq.Error{Status: 404, Method: "GET", Path: path,
		Items: []basiq.ErrorItem{{Code: "resource-not-found", Title: "Requested resource is not found."}}}
}

// Unavailable is Basiq's 503.
func Unavailable(path string) *basiq.Error {
	return &basiq.Error{Status: 503, Method: "GET", Path: path,
		Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service unavailable."}}}
}

// API answers like Basiq. Successive answers run out to the last, which repeats.
type API struct {
	mu    sync.Mutex
	calls []string

	AuthErr         error
	ClientTokenErrs []error // POST /token CLIENT_ACCESS's errors, before it works
	CreateErr       error
	Block           chan struct{} // when set, CreateUser waits for ctx or this
	User            basiq.User
	// UserJobs are GET /users/{id}/jobs's successive answers (the first is
	// the snapshot taken before the link is shown).
	UserJobs     [][]basiq.Job
	UserJobsErrs []error
	Jobs         map[string][]basiq.Job // GET /jobs/{id}'s successive answers
	JobErrs      map[string][]error     // errors before those answers, nil for none
	Accounts     []basiq.Account
	AccountsErrs []error
	Refreshed    string  // the job id a refresh starts
	RefreshErrs  []error // POST …/connections/{id}/refresh's errors, before it works
	// Transactions are served in pages of the asked limit; TxnErrs before them.
	Transactions []basiq.Transaction
	TxnErrs      []error
	Connections  []basiq.Connection
	// ConnectionsErrs are GET /users/{id}/connections's errors, before it works.
	ConnectionsErrs []error
	Consents        []basiq.Consent
	RefreshedAll    []string // the jobs refreshing every connection starts
	// MFAErrs are POST /jobs/{id}/mfa's errors, before it works; MFAAnswers
	// what it was sent.
	MFAErrs    []error
	MFAAnswers [][]string
	// AfterMFA are GET /jobs/{id}'s answers once that job's question is answered.
	AfterMFA map[string][]basiq.Job
}

// New is an API whose user is UserID.
func New() *API {
	return &API{User: basiq.User{Type: "user", ID: UserID}, Jobs: map[string][]basiq.Job{}, JobErrs: map[string][]error{}}
}

func (f *API) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

// Calls are the calls made so far, as "METHOD path".
func (f *API) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Count is how many calls were exactly call.
func (f *API) Count(call string) int {
	n := 0
	for _, c := range f.Calls() {
		if c == call {
			n++
		}
	}
	return n
}

// next takes the first error of errs (nil when none are left).
func next(errs *[]error) error {
	if len(*errs) == 0 {
		return nil
	}
	err := (*errs)[0]
	*errs = (*errs)[1:]
	return err
}

func (f *API) Authenticate(ctx context.Context) error { f.record("POST /token"); return f.AuthErr }

func (f *API) ClientToken(ctx context.Context, userID string) (string, time.Time, error) {
	f.record("POST /token CLIENT_ACCESS")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.ClientTokenErrs); err != nil {
		return "", time.Time{}, err
	}
	return "client-token-for-" + userID, time.Date(2026, 11, 24, 15, 5, 0, 0, time.UTC), nil
}

func (f *API) CreateUser(ctx context.Context, u basiq.NewUser) (basiq.User, error) {
	f.record("POST /users")
	if f.Block != nil {
		select {
		case <-ctx.Done():
			return basiq.User{}, ctx.Err()
		case <-f.Block:
		}
	}
	if f.CreateErr != nil {
		return basiq.User{}, f.CreateErr
	}
	user := f.User
	user.Email, user.Mobile = u.Email, u.Mobile
	return user, nil
}

func (f *API) GetUser(ctx context.Context, id string) (basiq.User, error) {
	f.record("GET /users/" + id)
	if id != f.User.ID {
		return basiq.User{}, NotFound("/users/" + id)
	}
	return f.User, nil
}

func (f *API) GetJob(ctx context.Context, id string) (basiq.Job, error) {
	f.record("GET /jobs/" + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.JobErrs[id]
	err := next(&errs)
	f.JobErrs[id] = errs
	if err != nil {
		return basiq.Job{}, err
	}
	answers := f.Jobs[id]
	if len(answers) == 0 {
		return basiq.Job{}, NotFound("/jobs/" + id)
	}
	if len(answers) > 1 {
		f.Jobs[id] = answers[1:]
	}
	return answers[0], nil
}

func (f *API) ListUserJobs(ctx context.Context, userID string) ([]basiq.Job, error) {
	f.record("GET /users/" + userID + "/jobs")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.UserJobsErrs); err != nil {
		return nil, err
	}
	if len(f.UserJobs) == 0 {
		return nil, nil
	}
	answer := f.UserJobs[0]
	if len(f.UserJobs) > 1 {
		f.UserJobs = f.UserJobs[1:]
	}
	return answer, nil
}

func (f *API) ListAccounts(ctx context.Context, userID string, filters ...basiq.Filter) ([]basiq.Account, error) {
	f.record("GET /users/" + userID + "/accounts")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.AccountsErrs); err != nil {
		return nil, err
	}
	return f.Accounts, nil
}

func (f *API) GetInstitution(ctx context.Context, id string) (basiq.Institution, error) {
	f.record("GET /institutions/" + id)
	name := "Hooli Bank"
	if id == PiedPiper {
		name = "Pied Piper Bank"
	}
	return basiq.Institution{Type: "institution", ID: id, Name: name}, nil
}

// PiedPiper is the sandbox's second bank, whose login asks a security question.
const PiedPiper = "AU00002"

func (f *API) RefreshConnection(ctx context.Context, userID, connectionID string) (string, error) {
	f.record("POST /users/" + userID + "/connections/" + connectionID + "/refresh")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.RefreshErrs); err != nil {
		return "", err
	}
	return f.Refreshed, nil
}

func (f *API) ListConnections(ctx context.Context, userID string) ([]basiq.Connection, error) {
	f.record("GET /users/" + userID + "/connections")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.ConnectionsErrs); err != nil {
		return nil, err
	}
	return append([]basiq.Connection(nil), f.Connections...), nil
}

// DeleteConnection deletes one of Connections.
func (f *API) DeleteConnection(ctx context.Context, userID, connectionID string) error {
	f.record("DELETE /users/" + userID + "/connections/" + connectionID)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Connections = slices.DeleteFunc(f.Connections, func(c basiq.Connection) bool { return c.ID == connectionID })
	return nil
}

func (f *API) RefreshAllConnections(ctx context.Context, userID string) ([]string, error) {
	f.record("POST /users/" + userID + "/connections/refresh")
	return f.RefreshedAll, nil
}

func (f *API) ListConsents(ctx context.Context, userID string) ([]basiq.Consent, error) {
	f.record("GET /users/" + userID + "/consents")
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]basiq.Consent(nil), f.Consents...), nil
}

// DeleteConsent revokes one of Consents, as Basiq does: it stays, revoked.
func (f *API) DeleteConsent(ctx context.Context, userID, consentID string) error {
	f.record("DELETE /users/" + userID + "/consents/" + consentID)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.Consents {
		if f.Consents[i].ID == consentID {
			f.Consents[i].Status = basiq.ConsentRevoked
		}
	}
	return nil
}

func (f *API) DeleteUser(ctx context.Context, id string) error {
	f.record("DELETE /users/" + id)
	return nil
}

func (f *API) AnswerMFA(ctx context.Context, userID, jobID string, answers []string) error {
	f.record("POST /jobs/" + jobID + "/mfa")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.MFAAnswers = append(f.MFAAnswers, answers)
	err := next(&f.MFAErrs)
	if after, ok := f.AfterMFA[jobID]; ok && err == nil {
		f.Jobs[jobID] = after
	}
	return err
}

// TransactionsPage serves Transactions in pages; the cursor is the next offset.
func (f *API) TransactionsPage(ctx context.Context, userID string, q basiq.TransactionQuery, cursor string) ([]basiq.Transaction, string, error) {
	f.record("GET /users/" + userID + "/transactions")
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := next(&f.TxnErrs); err != nil {
		return nil, "", err
	}
	from, _ := strconv.Atoi(cursor)
	to := min(from+max(q.Limit, 1), len(f.Transactions))
	page := f.Transactions[min(from, to):to]
	if to == len(f.Transactions) {
		return page, "", nil
	}
	return page, strconv.Itoa(to), nil
}

// Job is a job at Hooli with one status a step (verify, accounts, transactions).
func Job(id string, statuses ...string) basiq.Job {
	titles := []string{basiq.StepVerifyCredentials, basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions}
	j := basiq.Job{Type: "job", ID: id, Created: time.Date(2026, 11, 24, 14, 5, 30, 0, time.UTC),
		Institution: &basiq.Ref{Type: "institution", ID: "AU00000"},
		Links:       basiq.Links{Source: "https://au-api.basiq.io/users/" + UserID + "/connections/conn-1"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, basiq.Step{Title: titles[i], Status: s})
	}
	return j
}

// Failed is a job whose credentials step failed with code.
func Failed(id, code string) basiq.Job {
	j := Job(id, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	j.Steps[0].Result = &basiq.StepResult{Type: "error", Code: code, Title: "Cannot login to target institution", Detail: "Account is locked."}
	return j
}

// Accounts are four accounts like Wentworth-Smith's.
func Accounts() []basiq.Account {
	return []basiq.Account{
		{Type: "account", ID: "acc-1", Name: "Transaction 14000", AccountNo: "0002", Balance: "34076.00", AvailableFunds: "34076.00", Currency: "AUD", Institution: "AU00000", Class: basiq.AccountClass{Type: "transaction"}},
		{Type: "account", ID: "acc-2", Name: "Savings 123890", AccountNo: "0003", Balance: "38383.73", AvailableFunds: "38383.73", Currency: "AUD", Institution: "AU00000", Class: basiq.AccountClass{Type: "savings"}},
		{Type: "account", ID: "acc-3", Name: "Credit Card 13000", AccountNo: "0001", Balance: "-6081.50", AvailableFunds: "13918.50", Currency: "AUD", Institution: "AU00000", Class: basiq.AccountClass{Type: "credit-card"}},
		{Type: "account", ID: "acc-4", Name: "Mortgage 746833", AccountNo: "0004", Balance: "-299292.25", AvailableFunds: "100707.75", Currency: "AUD", Institution: "AU00000", Class: basiq.AccountClass{Type: "mortgage"}},
	}
}
