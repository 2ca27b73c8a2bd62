package basiq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// listBody is Basiq's list envelope.
type listBody[T any] struct {
	Data  []T   `json:"data"`
	Links Links `json:"links"`
}

func get(path string, query url.Values) request {
	return request{method: http.MethodGet, path: path, query: query, retry: retrySafe}
}

// CreateUser checks u locally, then creates the user. It is not repeated
// once it may have reached Basiq, which does not de-duplicate users: such a
// failure has Error.UserMayExist set.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	u = u.tidy()
	return c.sendUser(ctx, request{method: http.MethodPost, path: "/users", retry: retryUnsent, createsUser: true}, u, u.Validate())
}

// tidy trims the email and drops the spaces people type in a mobile.
func (u NewUser) tidy() NewUser {
	u.Email = strings.TrimSpace(u.Email)
	u.Mobile = NormalizeMobile(u.Mobile)
	return u
}

// sendUser sends a user body, unless it is invalid, and reads the user
// Basiq answers with.
func (c *Client) sendUser(ctx context.Context, req request, body any, invalid error) (User, error) {
	if invalid != nil {
		return User{}, invalid
	}
	var out User
	err := c.callJSON(ctx, req, body, &out)
	return out, err
}

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	if err := ValidateID(id); err != nil {
		return User{}, err
	}
	return getJSON[User](ctx, c, "/users/"+id)
}

// UpdateUser changes the fields of u that are set and leaves the others as
// they are (POST /users/{id}; Basiq has no PATCH). Setting the same fields
// twice does no harm, so it is repeated like a GET.
func (c *Client) UpdateUser(ctx context.Context, id string, u UserUpdate) (User, error) {
	if err := ValidateID(id); err != nil {
		return User{}, err
	}
	u = UserUpdate(NewUser(u).tidy())
	return c.sendUser(ctx, request{method: http.MethodPost, path: "/users/" + id, retry: retrySafe}, u, u.Validate())
}

// DeleteUser deletes a user and all its data. Irreversible.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: "/users/" + id, retry: retrySafe}, nil)
}

// GetJob fetches one job.
func (c *Client) GetJob(ctx context.Context, id string) (Job, error) {
	if err := ValidateID(id); err != nil {
		return Job{}, err
	}
	return getJSON[Job](ctx, c, "/jobs/"+id)
}

// ListUserJobs lists a user's jobs (Basiq keeps the last 7 days).
func (c *Client) ListUserJobs(ctx context.Context, userID string) ([]Job, error) {
	return c.listJobs(ctx, userID, nil)
}

// ListConnectionJobs lists the jobs of one of a user's connections
// (?filter=connection.id.eq('…'), the one filter Basiq documents on jobs).
func (c *Client) ListConnectionJobs(ctx context.Context, userID, connectionID string) ([]Job, error) {
	if connectionID == "" {
		return nil, errBadSegment
	}
	return c.listJobs(ctx, userID, []Filter{Eq("connection.id", connectionID)})
}

func (c *Client) listJobs(ctx context.Context, userID string, filters []Filter) ([]Job, error) {
	return listOfUser[Job](ctx, c, userID, "jobs", filters)
}

// listOfUser reads one of a user's lists (/users/{id}/jobs, accounts, …),
// filtered.
func listOfUser[T any](ctx context.Context, c *Client, userID, list string, filters []Filter) ([]T, error) {
	if err := ValidateID(userID); err != nil {
		return nil, err
	}
	q, err := filterQuery(filters)
	if err != nil {
		return nil, err
	}
	var out listBody[T]
	err = c.call(ctx, get("/users/"+userID+"/"+list, q), &out)
	return out.Data, err
}

// Filter is one statement of Basiq's filter grammar, e.g.
// institution.id.eq('AU00000'). Several are ANDed.
type Filter struct{ Field, Op, Value string }

// Eq is field.eq('value').
func Eq(field, value string) Filter { return Filter{Field: field, Op: "eq", Value: value} }

// Ne is field.ne('value').
func Ne(field, value string) Filter { return Filter{Field: field, Op: "ne", Value: value} }

func (f Filter) String() string { return fmt.Sprintf("%s.%s('%s')", f.Field, f.Op, f.Value) }

var errFilterQuote = errors.New("basiq: a filter value may not contain a quote")

// filterQuery renders filters as ?filter=a.eq('x'),b.ne('y').
func filterQuery(filters []Filter) (url.Values, error) {
	if len(filters) == 0 {
		return nil, nil
	}
	parts := make([]string, len(filters))
	for i, f := range filters {
		if strings.ContainsAny(f.Value, "'") {
			return nil, errFilterQuote
		}
		parts[i] = f.String()
	}
	return url.Values{"filter": {strings.Join(parts, ",")}}, nil
}

// ListAccounts lists a user's accounts, optionally filtered on account.id,
// connection.id or institution.id (eq and ne only).
func (c *Client) ListAccounts(ctx context.Context, userID string, filters ...Filter) ([]Account, error) {
	return listOfUser[Account](ctx, c, userID, "accounts", filters)
}

// GetAccount fetches one account.
func (c *Client) GetAccount(ctx context.Context, userID, accountID string) (Account, error) {
	path, err := itemPath("/users", userID, "accounts", accountID)
	if err != nil {
		return Account{}, err
	}
	return getJSON[Account](ctx, c, path)
}

// ListConnections lists a user's connections.
func (c *Client) ListConnections(ctx context.Context, userID string) ([]Connection, error) {
	return listOfUser[Connection](ctx, c, userID, "connections", nil)
}

// GetConnection fetches one connection, with the accounts it brought and
// the profile the bank gave.
func (c *Client) GetConnection(ctx context.Context, userID, connectionID string) (Connection, error) {
	path, err := connectionPath(userID, connectionID)
	if err != nil {
		return Connection{}, err
	}
	return getJSON[Connection](ctx, c, path)
}

// DeleteConnection deletes a connection. Its accounts and transactions stay
// on the user; it is no longer refreshed.
func (c *Client) DeleteConnection(ctx context.Context, userID, connectionID string) error {
	path, err := connectionPath(userID, connectionID)
	if err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: path, retry: retrySafe}, nil)
}

func connectionPath(userID, connectionID string) (string, error) {
	return itemPath("/users", userID, "connections", connectionID)
}

// itemPath is base/{id}/kind/{item}: id a UUID (ValidateID), item any id
// that does not change the path (pathSegment).
func itemPath(base, id, kind, item string) (string, error) {
	if err := ValidateID(id); err != nil {
		return "", err
	}
	if err := pathSegment(item); err != nil {
		return "", err
	}
	return base + "/" + id + "/" + kind + "/" + item, nil
}

// RefreshConnection asks Basiq to fetch a connection's data again and
// returns the job doing it. Basiq answers an in-flight refresh with the
// existing job, but open-banking refreshes are capped per day, so this is
// only repeated when it never reached the server.
func (c *Client) RefreshConnection(ctx context.Context, userID, connectionID string) (string, error) {
	path, err := connectionPath(userID, connectionID)
	if err != nil {
		return "", err
	}
	var out Ref
	if err := c.call(ctx, request{method: http.MethodPost, path: path + "/refresh", retry: retryUnsent}, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// RefreshAllConnections refreshes every connection of a user and returns
// the jobs doing it, one a connection, repeated like RefreshConnection.
func (c *Client) RefreshAllConnections(ctx context.Context, userID string) ([]string, error) {
	if err := ValidateID(userID); err != nil {
		return nil, err
	}
	var out listBody[Ref]
	if err := c.call(ctx, request{method: http.MethodPost, path: "/users/" + userID + "/connections/refresh", retry: retryUnsent}, &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Data))
	for i, r := range out.Data {
		ids[i] = r.ID
	}
	return ids, nil
}

// ListConsents lists a user's consents: the one in force, and those revoked
// or expired.
func (c *Client) ListConsents(ctx context.Context, userID string) ([]Consent, error) {
	return listOfUser[Consent](ctx, c, userID, "consents", nil)
}

// DeleteConsent revokes a consent. Basiq then deletes the data shared under
// it, and its connections are no longer refreshed.
func (c *Client) DeleteConsent(ctx context.Context, userID, consentID string) error {
	path, err := itemPath("/users", userID, "consents", consentID)
	if err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: path, retry: retrySafe}, nil)
}

// GetInstitution fetches an institution, including its average job timings.
func (c *Client) GetInstitution(ctx context.Context, id string) (Institution, error) {
	if err := pathSegment(id); err != nil {
		return Institution{}, err
	}
	return getJSON[Institution](ctx, c, "/institutions/"+id)
}

var errBadSegment = errors.New("basiq: not a valid id")

// pathSegment refuses ids that would change the path they are put in.
func pathSegment(id string) error {
	if id == "" || id == "." || id == ".." || url.PathEscape(id) != id {
		return errBadSegment
	}
	return nil
}

// MaxTransactionLimit is the largest page Basiq serves.
const MaxTransactionLimit = 500

// TransactionQuery selects transactions. Limit is the page size: 0 means
// Basiq's maximum (500, fewest requests); larger values are clamped to 500.
type TransactionQuery struct {
	AccountID string
	Limit     int
	Filters   []Filter // more of Basiq's transaction filters (direction, class, postDate)
}

// filters are the query's filters as Basiq takes them: the account's first.
func (q TransactionQuery) filters() []Filter {
	if q.AccountID == "" {
		return q.Filters
	}
	return append([]Filter{Eq("account.id", q.AccountID)}, q.Filters...)
}

// FirstPage is the path and query of the first page TransactionsPage asks
// for, unescaped to be read: "/users/{id}/transactions?filter=…&limit=500".
func (q TransactionQuery) FirstPage(userID string) string {
	if q.Limit <= 0 || q.Limit > MaxTransactionLimit {
		q.Limit = MaxTransactionLimit
	}
	query := ""
	if filters := q.filters(); len(filters) > 0 {
		parts := make([]string, len(filters))
		for i, f := range filters {
			parts[i] = f.String()
		}
		query = "filter=" + strings.Join(parts, ",") + "&"
	}
	return fmt.Sprintf("/users/%s/transactions?%slimit=%d", userID, query, q.Limit)
}

// TransactionPages walks a user's transactions page by page.
type TransactionPages struct {
	c      *Client
	userID string
	q      TransactionQuery
	cursor string // "" before the first page
	done   bool
}

// Transactions returns an iterator; nothing is fetched until Next.
func (c *Client) Transactions(userID string, q TransactionQuery) *TransactionPages {
	if q.Limit <= 0 || q.Limit > MaxTransactionLimit {
		q.Limit = MaxTransactionLimit
	}
	return &TransactionPages{c: c, userID: userID, q: q}
}

// More is true before the first page and while Basiq gives a links.next.
func (p *TransactionPages) More() bool { return !p.done }

// Next fetches the next page. After the last page it returns nil, nil.
func (p *TransactionPages) Next(ctx context.Context) ([]Transaction, error) {
	if p.done {
		return nil, nil
	}
	txns, next, err := p.c.TransactionsPage(ctx, p.userID, p.q, p.cursor)
	if err != nil {
		if errors.Is(err, ErrIDFormat) || errors.Is(err, errFilterQuote) || errors.Is(err, errBadCursor) {
			p.done = true // asking again cannot help
		}
		return txns, err // otherwise the same page can be asked for again
	}
	p.cursor, p.done = next, next == ""
	return txns, nil
}

var errBadCursor = errors.New("basiq: not a transactions cursor of this user")

// TransactionsPage fetches one page of a user's transactions: the first when
// cursor is "", else the page that an earlier answer's next cursor names.
// next is "" after the last page. The cursor is only the path and query of
// Basiq's links.next: the bearer token goes only to the configured base.
func (c *Client) TransactionsPage(ctx context.Context, userID string, q TransactionQuery, cursor string) (txns []Transaction, next string, err error) {
	if err := ValidateID(userID); err != nil {
		return nil, "", err
	}
	if q.Limit <= 0 || q.Limit > MaxTransactionLimit {
		q.Limit = MaxTransactionLimit
	}
	path := "/users/" + userID + "/transactions"
	var req request
	if cursor == "" {
		query := url.Values{"limit": {strconv.Itoa(q.Limit)}}
		if filters := q.filters(); len(filters) > 0 {
			fq, err := filterQuery(filters)
			if err != nil {
				return nil, "", err
			}
			query.Set("filter", fq.Get("filter"))
		}
		req = get(path, query)
	} else {
		u, err := url.Parse(cursor)
		if err != nil || u.Path != path {
			return nil, "", errBadCursor
		}
		req = get(u.Path, u.Query())
	}
	var out listBody[Transaction]
	if err := c.call(ctx, req, &out); err != nil {
		return nil, "", err
	}
	if out.Links.Next == "" {
		return out.Data, "", nil
	}
	n, err := c.followable(out.Links.Next)
	if err != nil {
		return out.Data, "", err
	}
	return out.Data, n.String(), nil
}

// followable keeps only the path and query of a links.next URL: the bearer
// token goes only to the configured base, whatever host a link names.
func (c *Client) followable(link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		return nil, fmt.Errorf("basiq: links.next %q is not a URL", link)
	}
	path := u.Path
	if bp := c.base.Path; bp != "" && strings.HasPrefix(path, bp+"/") {
		path = strings.TrimPrefix(path, bp)
	}
	return &url.URL{Path: path, RawQuery: u.RawQuery}, nil
}

// ConsentOptions are the consent UI's query parameters. Token (a client
// token) is required; Action "" starts the create-consent flow.
// ConnectionID starts a web connection's update-credentials flow (an
// open-banking one's reauthorisation): the job it ends with is that
// connection's.
type ConsentOptions struct {
	Token, Action, State, InstitutionID, ConnectionID string
}

// Consent UI actions (Basiq's "Consent Actions").
const (
	ConsentConnect = "connect" // the user has consented: connect another bank
	ConsentManage  = "manage"  // see and revoke consents, delete connections
	ConsentExtend  = "extend"  // lengthen the consent in force
	ConsentUpdate  = "update"  // consent again to a changed policy (else as extend)
)

// CheckBaseURL is the rule for every base URL the program is given, the API's
// and the consent page's: https anywhere, plain http only to this machine, so
// a key or token never crosses a network in clear text.
func CheckBaseURL(raw string) error {
	_, err := checkBaseURL(raw)
	return err
}

// ConsentURL builds the consent UI address. base "" is DefaultConsentBase.
// The URL carries a client token: show it to the user, never log it.
func ConsentURL(base string, o ConsentOptions) (string, error) {
	if base == "" {
		base = DefaultConsentBase
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("basiq: consent URL base %q is not an absolute URL", base)
	}
	if _, err := checkBaseURL(base); err != nil {
		return "", err
	}
	if o.Token == "" {
		return "", errors.New("basiq: a consent URL needs a client token")
	}
	q := u.Query()
	q.Set("token", o.Token)
	for k, v := range map[string]string{"action": o.Action, "state": o.State, "institutionId": o.InstitutionID, "connectionId": o.ConnectionID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
