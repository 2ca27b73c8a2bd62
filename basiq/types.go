package basiq

import (
	"bytes"
	"encoding/json"
	"time"
)

// The data types below mirror Basiq API v3 bodies with Basiq's own JSON field
// names, so that --json output and the request inspector show what Basiq sent.
// Money stays a decimal string, as Basiq sends it: no float rounding.
//
// User, Job, Account, Transaction, Connection and Consent decode the fields
// the program uses and keep the whole object Basiq sent besides: json.Marshal of a decoded value
// gives back every field (isOwned, a transaction's reference, subClass,
// enrich, …), with any the program changed since in their new value.

// NewUser is the body of POST /users. One of Email or Mobile is required.
type NewUser struct {
	Email      string `json:"email,omitempty"`
	Mobile     string `json:"mobile,omitempty"`
	FirstName  string `json:"firstName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
}

// UserUpdate is the body of POST /users/{id}: NewUser's fields, of which
// those set change and the others stay as they are.
type UserUpdate NewUser

// User is a Basiq user: the owner of connections, accounts and transactions.
type User struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Email      string `json:"email"`
	Mobile     string `json:"mobile"`
	Name       string `json:"name,omitempty"`
	FirstName  string `json:"firstName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	Links      Links  `json:"links"`
	sent       string // the object as Basiq sent it; "" when made here
}

// Links is the links object Basiq puts on most resources. Absolute URLs.
type Links struct {
	Self         string `json:"self,omitempty"`
	Source       string `json:"source,omitempty"`
	Next         string `json:"next,omitempty"`
	Accounts     string `json:"accounts,omitempty"`
	Connections  string `json:"connections,omitempty"`
	Transactions string `json:"transactions,omitempty"`
	Institution  string `json:"institution,omitempty"`
	Connection   string `json:"connection,omitempty"`
	Account      string `json:"account,omitempty"`
	User         string `json:"user,omitempty"`     // on one connection
	Response     string `json:"response,omitempty"` // on an MFA prompt: where POST /jobs/{id}/mfa answers it
}

// Job is a connection job: what the consent flow starts to fetch a bank's data.
type Job struct {
	Type        string    `json:"type"`
	ID          string    `json:"id"`
	Status      string    `json:"status,omitempty"` // present on some job kinds only; steps are the truth
	JobType     string    `json:"jobType,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Institution *Ref      `json:"institution,omitempty"` // on GET /users/{id}/jobs items
	Steps       []Step    `json:"steps"`
	Links       Links     `json:"links"`
	sent        string    // the object as Basiq sent it; "" when made here
}

// Ref is a reference to another resource: {type, id, links}.
type Ref struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Links Links  `json:"links"`
}

// Step titles Basiq uses. Others may appear and are kept as they come.
const (
	StepVerifyCredentials    = "verify-credentials"
	StepMFAChallenge         = "mfa-challenge"
	StepRetrieveAccounts     = "retrieve-accounts"
	StepRetrieveTransactions = "retrieve-transactions"
	StepRetrieveStatements   = "retrieve-statements"
)

// Step statuses. "skipped" is unofficial (seen for mfa-challenge) and counts as done.
const (
	StepPending    = "pending"
	StepInProgress = "in-progress"
	StepSuccess    = "success"
	StepFailed     = "failed"
	StepSkipped    = "skipped"
)

// Step is one stage of a job.
type Step struct {
	Title  string      `json:"title"`
	Status string      `json:"status"`
	Result *StepResult `json:"result"`
}

// StepResult is null while a step is pending or running, a link on success,
// and {code, title, detail} on failure. Basiq spells detail both "detail"
// and "details"; Explanation() reads either. An mfa-challenge step waiting
// for its answer, and once answered, has the prompt: type "mfa", the method
// (token or security-questions), what to ask (input) and how long it waits
// (expiryMs).
type StepResult struct {
	Type        string   `json:"type,omitempty"`
	URL         string   `json:"url,omitempty"`
	Code        string   `json:"code,omitempty"`
	Title       string   `json:"title,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	Details     string   `json:"details,omitempty"`
	Method      string   `json:"method,omitempty"`
	Description string   `json:"description,omitempty"`
	Input       []string `json:"input,omitempty"`
	ExpiryMs    int64    `json:"expiryMs,omitempty"`
	Links       *Links   `json:"links,omitempty"`
}

// ResultMFA is the type of an MFA prompt's result.
const ResultMFA = "mfa"

// Explanation returns the failure detail whichever field Basiq used.
func (r *StepResult) Explanation() string {
	if r == nil {
		return ""
	}
	if r.Detail != "" {
		return r.Detail
	}
	return r.Details
}

// Done reports whether the step has finished well (success, or skipped).
func (s Step) Done() bool { return s.Status == StepSuccess || s.Status == StepSkipped }

// JobState is what a job's steps add up to.
type JobState int

const (
	JobPending   JobState = iota // no step has started
	JobRunning                   // a step is running, or some are done and others pending
	JobSucceeded                 // every step is done
	JobFailed                    // a step failed
)

func (s JobState) String() string {
	switch s {
	case JobPending:
		return "pending"
	case JobRunning:
		return "running"
	case JobSucceeded:
		return "succeeded"
	case JobFailed:
		return "failed"
	}
	return "unknown"
}

// State derives the job's state from its steps. A top-level status, when
// Basiq sends one, only decides the case of a job with no steps.
func (j Job) State() JobState {
	if len(j.Steps) == 0 {
		switch j.Status {
		case "success":
			return JobSucceeded
		case "failed":
			return JobFailed
		case "in-progress":
			return JobRunning
		}
		return JobPending
	}
	done, started := 0, false
	for _, s := range j.Steps {
		switch {
		case s.Status == StepFailed:
			return JobFailed
		case s.Done():
			done++
			started = true
		case s.Status != StepPending:
			started = true // in-progress, or a status we do not know yet
		}
	}
	switch {
	case done == len(j.Steps):
		return JobSucceeded
	case started:
		return JobRunning
	}
	return JobPending
}

// FailedStep returns the first failed step, or nil.
func (j Job) FailedStep() *Step {
	for i := range j.Steps {
		if j.Steps[i].Status == StepFailed {
			return &j.Steps[i]
		}
	}
	return nil
}

// StepDone reports whether the step with this title has finished well.
func (j Job) StepDone(title string) bool {
	for _, s := range j.Steps {
		if s.Title == title {
			return s.Done()
		}
	}
	return false
}

// InstitutionID is the job's institution, from the list item's institution
// reference or the accounts step's result filter; "" when unknown.
func (j Job) InstitutionID() string {
	if j.Institution != nil && j.Institution.ID != "" {
		return j.Institution.ID
	}
	for _, s := range j.Steps {
		if s.Result != nil {
			if id := institutionFromFilter(s.Result.URL); id != "" {
				return id
			}
		}
	}
	return ""
}

// ConnectionID is the last path segment of links.source, "" when absent.
func (j Job) ConnectionID() string { return lastSegment(j.Links.Source) }

// WaitingForMFA is the prompt of the multi-factor challenge the job is
// waiting on, and when the challenge expires: expiryMs after it was issued.
// Basiq does not say when that was; nothing changes while the job waits, so
// it is the job's updated time. ok is false when no challenge waits.
func (j Job) WaitingForMFA() (prompt *StepResult, expires time.Time, ok bool) {
	for _, s := range j.Steps {
		if s.Title == StepMFAChallenge && s.Status == StepInProgress && s.Result != nil && s.Result.Type == ResultMFA {
			return s.Result, j.Updated.Add(time.Duration(s.Result.ExpiryMs) * time.Millisecond), true
		}
	}
	return nil, time.Time{}, false
}

// Account is one bank account of a user.
type Account struct {
	Type                 string                `json:"type"`
	ID                   string                `json:"id"`
	AccountNo            string                `json:"accountNo"`
	Name                 string                `json:"name"`
	Currency             string                `json:"currency"`
	Balance              string                `json:"balance"`
	AvailableFunds       string                `json:"availableFunds"`
	CreditLimit          string                `json:"creditLimit,omitempty"`
	LastUpdated          time.Time             `json:"lastUpdated"`
	Status               string                `json:"status"` // available | unavailable
	Class                AccountClass          `json:"class"`
	Connection           string                `json:"connection"`
	Institution          string                `json:"institution"`
	AccountHolder        string                `json:"accountHolder,omitempty"`
	AccountOwnership     string                `json:"accountOwnership,omitempty"`
	TransactionIntervals []TransactionInterval `json:"transactionIntervals,omitempty"`
	BSB                  string                `json:"bsb,omitempty"`
	MaskedNumber         string                `json:"maskedNumber,omitempty"`
	Links                Links                 `json:"links"`
	sent                 string                // the object as Basiq sent it; "" when made here
}

// AccountClass says what kind of account it is: transaction, savings,
// credit-card, mortgage, loan, investment, term-deposit, insurance, foreign, unknown.
type AccountClass struct {
	Type    string `json:"type"`
	Product string `json:"product"`
}

// TransactionInterval is a span of dates for which transactions exist.
type TransactionInterval struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Connection links a user to an institution. GET of one connection adds
// the accounts it brought and the profile the bank gave.
type Connection struct {
	Type        string              `json:"type"`
	ID          string              `json:"id"`
	Method      string              `json:"method,omitempty"` // web, openbanking (also spelt open-banking), csv, pdf
	Status      string              `json:"status"`           // active | pending | invalid | pre-init
	CreatedDate string              `json:"createdDate,omitempty"`
	LastUsed    string              `json:"lastUsed,omitempty"`
	ExpiryDate  string              `json:"expiryDate,omitempty"` // open banking only; "" for web
	Institution Ref                 `json:"institution"`
	Accounts    *ConnectionAccounts `json:"accounts,omitempty"`
	Profile     *ConnectionProfile  `json:"profile,omitempty"`
	Links       Links               `json:"links"`
	sent        string              // the object as Basiq sent it; "" when made here
}

// Connection statuses. Basiq's docs also describe init and deleted (open
// banking, passing); others are kept as they come.
const (
	ConnectionActive  = "active"
	ConnectionPending = "pending"
	ConnectionInvalid = "invalid"
	ConnectionPreInit = "pre-init"
)

// CreatedAt is createdDate as a time; zero when absent or not RFC 3339.
func (c Connection) CreatedAt() time.Time { return parseStamp(c.CreatedDate) }

// LastUsedAt is lastUsed as a time; zero when absent or not RFC 3339.
func (c Connection) LastUsedAt() time.Time { return parseStamp(c.LastUsed) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// ConnectionAccounts are the accounts a connection brought (a short form of each).
type ConnectionAccounts struct {
	Type string    `json:"type"`
	Data []Account `json:"data"`
}

// ConnectionProfile is who the bank says holds the connection.
type ConnectionProfile struct {
	FullName       string   `json:"fullName"`
	FirstName      string   `json:"firstName"`
	MiddleName     string   `json:"middleName"`
	LastName       string   `json:"lastName"`
	EmailAddresses []string `json:"emailAddresses"`
	PhoneNumbers   []string `json:"phoneNumbers"`
}

// Consent is what a user agreed to share, for how long and why.
type Consent struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Created    time.Time      `json:"created"`
	Updated    time.Time      `json:"updated"`
	ExpiryDate time.Time      `json:"expiryDate"`
	Origin     string         `json:"origin,omitempty"`
	Status     string         `json:"status"` // active | revoked | expired
	Purpose    ConsentPurpose `json:"purpose"`
	Data       ConsentData    `json:"data"`
	Revoked    *time.Time     `json:"revoked,omitempty"` // when it was revoked
	Links      Links          `json:"links"`
	sent       string         // the object as Basiq sent it; "" when made here
}

// Consent statuses.
const (
	ConsentActive  = "active"
	ConsentRevoked = "revoked"
	ConsentExpired = "expired"
)

// ConsentPurpose says why the data is asked for.
type ConsentPurpose struct {
	Primary ConsentText `json:"primary"`
}

// ConsentText is a title and a description.
type ConsentText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// ConsentData is what the consent lets the application collect and keep.
type ConsentData struct {
	RetainData           bool                `json:"retainData"`
	InitialRetrievalDays int                 `json:"initialRetrievalDays,omitempty"`
	Permissions          []ConsentPermission `json:"permissions"`
}

// ConsentPermission is one data scope the user agreed (or declined) to share.
type ConsentPermission struct {
	Scope       string             `json:"scope"`
	Required    bool               `json:"required"`
	Consented   bool               `json:"consented"`
	Entity      string             `json:"entity"`
	Information ConsentInformation `json:"information"`
	Purpose     ConsentText        `json:"purpose"`
}

// ConsentInformation describes a permission's data as the user saw it.
type ConsentInformation struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	AttributeList []string `json:"attributeList"`
}

// Institution is a bank (or a sandbox test bank such as Hooli, AU00000).
type Institution struct {
	Type            string           `json:"type"`
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	ShortName       string           `json:"shortName,omitempty"`
	InstitutionType string           `json:"institutionType,omitempty"`
	Country         string           `json:"country,omitempty"`
	Tier            string           `json:"tier,omitempty"`
	Status          string           `json:"status,omitempty"`
	Stats           InstitutionStats `json:"stats"`
	Links           Links            `json:"links"`
}

// InstitutionStats holds Basiq's rolling averages of how long each job step takes.
type InstitutionStats struct {
	AverageDurationMs struct {
		VerifyCredentials    float64 `json:"verifyCredentials"`
		RetrieveAccounts     float64 `json:"retrieveAccounts"`
		RetrieveTransactions float64 `json:"retrieveTransactions"`
		RetrieveMeta         float64 `json:"retrieveMeta"`
		Total                float64 `json:"total"`
	} `json:"averageDurationMs"`
}

// AverageTotal is the institution's usual job duration, 0 when unknown.
func (i Institution) AverageTotal() time.Duration {
	return time.Duration(i.Stats.AverageDurationMs.Total * float64(time.Millisecond))
}

// DisplayName is the name to show: the name, else the short name, else the id.
func (i Institution) DisplayName() string {
	switch {
	case i.Name != "":
		return i.Name
	case i.ShortName != "":
		return i.ShortName
	}
	return i.ID
}

// Transaction is one transaction on an account. Amounts are decimal strings,
// negative for money going out.
type Transaction struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	Status          string `json:"status"` // pending | posted
	Description     string `json:"description"`
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	Account         string `json:"account"`
	Balance         string `json:"balance,omitempty"`
	Direction       string `json:"direction,omitempty"`
	Class           string `json:"class,omitempty"`
	Institution     string `json:"institution,omitempty"`
	Connection      string `json:"connection,omitempty"`
	TransactionDate string `json:"transactionDate,omitempty"`
	PostDate        string `json:"postDate,omitempty"`
	Links           Links  `json:"links"`
	sent            string // the object as Basiq sent it; "" when made here
}

// Transaction directions.
const (
	DirectionCredit = "credit"
	DirectionDebit  = "debit"
)

// TransactionClasses are the classes Basiq gives transactions (the enum of
// class in data.json's transactions), which transaction.class filters on.
var TransactionClasses = []string{"payment", "transfer", "direct-credit", "bank-fee", "cash-withdrawal", "interest", "loan-interest", "loan-repayment", "refund"}

// The JSON methods below keep what Basiq sent (see the top of this file);
// plain is each type without its methods, so that they do not call themselves.

func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	return decodeKeeping(data, (*plain)(u), &u.sent)
}

func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return encodeMerged(plain(u), u.sent)
}

func (j *Job) UnmarshalJSON(data []byte) error {
	type plain Job
	return decodeKeeping(data, (*plain)(j), &j.sent)
}

func (j Job) MarshalJSON() ([]byte, error) {
	type plain Job
	return encodeMerged(plain(j), j.sent)
}

func (a *Account) UnmarshalJSON(data []byte) error {
	type plain Account
	return decodeKeeping(data, (*plain)(a), &a.sent)
}

func (a Account) MarshalJSON() ([]byte, error) {
	type plain Account
	return encodeMerged(plain(a), a.sent)
}

func (t *Transaction) UnmarshalJSON(data []byte) error {
	type plain Transaction
	return decodeKeeping(data, (*plain)(t), &t.sent)
}

func (t Transaction) MarshalJSON() ([]byte, error) {
	type plain Transaction
	return encodeMerged(plain(t), t.sent)
}

func (c *Connection) UnmarshalJSON(data []byte) error {
	type plain Connection
	return decodeKeeping(data, (*plain)(c), &c.sent)
}

func (c Connection) MarshalJSON() ([]byte, error) {
	type plain Connection
	return encodeMerged(plain(c), c.sent)
}

func (c *Consent) UnmarshalJSON(data []byte) error {
	type plain Consent
	return decodeKeeping(data, (*plain)(c), &c.sent)
}

func (c Consent) MarshalJSON() ([]byte, error) {
	type plain Consent
	return encodeMerged(plain(c), c.sent)
}

// decodeKeeping decodes data into v and keeps data, compacted, in sent.
func decodeKeeping[T any](data []byte, v *T, sent *string) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	var compact bytes.Buffer
	if json.Compact(&compact, data) == nil && bytes.HasPrefix(compact.Bytes(), []byte("{")) {
		*sent = compact.String()
	}
	return nil
}

// encodeMerged writes v over the object Basiq sent, in Basiq's order: a
// field keeps the value Basiq sent unless the program changed it since (it
// differs from what decoding the sent object gives); fields Basiq did not
// send appear only where the program set them.
func encodeMerged[T any](v T, sent string) ([]byte, error) {
	now, err := json.Marshal(v)
	if err != nil || sent == "" {
		return now, err
	}
	var decoded T
	if err := json.Unmarshal([]byte(sent), &decoded); err != nil {
		return now, nil // cannot happen: sent decoded once already
	}
	was, _ := json.Marshal(decoded)
	sentFields, wasFields, nowFields := objectFields(sent), objectFields(string(was)), objectFields(string(now))
	out := make([]jsonField, 0, len(sentFields)+len(nowFields))
	for _, f := range sentFields {
		before, known := wasFields.get(f.name)
		after, stillSet := nowFields.get(f.name)
		switch {
		case known && !stillSet:
			continue // the program cleared it
		case known && !bytes.Equal(before, after):
			f.value = after
		}
		out = append(out, f)
	}
	for _, f := range nowFields {
		before, known := wasFields.get(f.name)
		if _, inSent := sentFields.get(f.name); !inSent && (!known || !bytes.Equal(before, f.value)) {
			out = append(out, f)
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type jsonField struct {
	name  string
	value json.RawMessage
}

type jsonFields []jsonField

// objectFields are a JSON object's members in order; nil if it is not one.
func objectFields(object string) jsonFields {
	dec := json.NewDecoder(bytes.NewReader([]byte(object)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var out jsonFields
	for dec.More() {
		tok, err := dec.Token()
		name, isName := tok.(string)
		var value json.RawMessage
		if err != nil || !isName || dec.Decode(&value) != nil {
			return nil
		}
		out = append(out, jsonField{name, value})
	}
	return out
}

func (fs jsonFields) get(name string) (json.RawMessage, bool) {
	for _, f := range fs {
		if f.name == name {
			return f.value, true
		}
	}
	return nil, false
}
