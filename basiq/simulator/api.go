package simulator

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bodies with Basiq's field names (basiq-api.md §3–§8).

type links map[string]string

type ref struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Links links  `json:"links"`
}

// stepResult is a link (success), a failure, or a multi-factor prompt.
type stepResult struct {
	Type        string   `json:"type,omitempty"`
	URL         string   `json:"url,omitempty"`
	Code        string   `json:"code,omitempty"`
	Title       string   `json:"title,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	Method      string   `json:"method,omitempty"`
	Description string   `json:"description,omitempty"`
	Input       []string `json:"input,omitempty"`
	ExpiryMs    int64    `json:"expiryMs,omitempty"`
	Links       links    `json:"links,omitempty"`
}

type step struct {
	Title  string      `json:"title"`
	Status string      `json:"status"`
	Result *stepResult `json:"result"`
}

type jobBody struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Created     string `json:"created"`
	Updated     string `json:"updated"`
	JobType     string `json:"jobType"`
	Institution *ref   `json:"institution,omitempty"`
	Steps       []step `json:"steps"`
	Links       links  `json:"links"`
}

type accountBody struct {
	Type                 string              `json:"type"`
	ID                   string              `json:"id"`
	AccountNo            string              `json:"accountNo"`
	Name                 string              `json:"name"`
	Currency             string              `json:"currency"`
	Balance              string              `json:"balance"`
	AvailableFunds       string              `json:"availableFunds"`
	CreditLimit          *string             `json:"creditLimit"`
	LastUpdated          string              `json:"lastUpdated"`
	Status               string              `json:"status"`
	Class                map[string]string   `json:"class"`
	Connection           string              `json:"connection"`
	Institution          string              `json:"institution"`
	AccountHolder        string              `json:"accountHolder"`
	AccountOwnership     string              `json:"accountOwnership"`
	IsOwned              bool                `json:"isOwned"`
	TransactionIntervals []map[string]string `json:"transactionIntervals"`
	Links                links               `json:"links"`
}

type transaction struct {
	Type            string          `json:"type"`
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	Description     string          `json:"description"`
	Reference       string          `json:"reference"`
	Amount          string          `json:"amount"`
	Currency        string          `json:"currency"`
	Account         string          `json:"account"`
	Balance         string          `json:"balance"`
	Direction       string          `json:"direction"`
	Class           string          `json:"class"`
	Institution     string          `json:"institution"`
	Connection      string          `json:"connection"`
	TransactionDate string          `json:"transactionDate"`
	PostDate        string          `json:"postDate"`
	SubClass        *subClass       `json:"subClass"` // null but for some payments and bank fees
	PaymentDetails  *paymentDetails `json:"paymentDetails,omitempty"`
	Enrich          enrich          `json:"enrich"`
	Links           links           `json:"links"`
}

type subClass struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type paymentDetails struct {
	BPAY *bpay `json:"bpay,omitempty"`
}

type bpay struct {
	BillerCode string `json:"billerCode"`
	BillerName string `json:"billerName"`
	CRN        string `json:"crn"`
}

// enrich is Basiq's enrichment, off in the sandbox: present, mostly empty.
type enrich struct {
	CleanDescription string   `json:"cleanDescription"`
	Tags             []string `json:"tags"`
	Category         any      `json:"category"`
	Location         any      `json:"location"`
	Merchant         any      `json:"merchant"`
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// routes is the API and the consent page, behind the fault injector.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("POST /users", s.handleCreateUser)
	mux.HandleFunc("GET /users/{id}", s.userRoute(userScoped, s.handleGetUser))
	mux.HandleFunc("POST /users/{id}", jsonUserRoute(s, badUser, false, s.handleUpdateUser))
	mux.HandleFunc("DELETE /users/{id}", s.userRoute(serverOnly, s.handleDeleteUser))
	mux.HandleFunc("GET /users/{id}/jobs", s.userRoute(serverOnly, s.handleUserJobs))
	mux.HandleFunc("GET /jobs/{id}", s.handleGetJob)
	mux.HandleFunc("POST /jobs/{id}/mfa", s.handleAnswerMFA)
	mux.HandleFunc("GET /users/{id}/connections", s.userRoute(userScoped, s.handleConnections))
	mux.HandleFunc("GET /users/{id}/connections/{cid}", s.connectionRoute(userScoped, s.handleConnection))
	mux.HandleFunc("DELETE /users/{id}/connections/{cid}", s.connectionRoute(userScoped, s.handleDeleteConnection))
	mux.HandleFunc("POST /users/{id}/connections/refresh", s.userRoute(serverOnly, s.handleRefreshAll))
	mux.HandleFunc("POST /users/{id}/connections/{cid}/refresh", s.connectionRoute(serverOnly, s.handleRefresh))
	mux.HandleFunc("POST /users/{id}/connections/{cid}/purge", s.connectionRoute(serverOnly, s.handlePurge))
	mux.HandleFunc("GET /users/{id}/consents", s.userRoute(userScoped, s.handleConsents))
	mux.HandleFunc("DELETE /users/{id}/consents/{cid}", s.userRoute(userScoped, s.handleDeleteConsent))
	mux.HandleFunc("GET /users/{id}/accounts", s.userRoute(userScoped, s.handleAccounts))
	mux.HandleFunc("GET /users/{id}/accounts/{aid}", handleOne(s, s.accountBodies, func(a accountBody) string { return a.ID }, "aid"))
	mux.HandleFunc("GET /users/{id}/transactions", s.userRoute(userScoped, s.handleTransactions))
	mux.HandleFunc("GET /users/{id}/transactions/{tid}", handleOne(s, s.transactions, func(t transaction) string { return t.ID }, "tid"))
	s.routeInstitutions(mux)
	s.routeAuthLinks(mux)
	s.routeEvents(mux)
	s.routeWebhooks(mux)
	s.routeSimulator(mux)
	mux.HandleFunc("GET /consent/home", s.handleConsentPage)
	mux.HandleFunc("POST /consent/connect", s.handleConsentSubmit)
	mux.HandleFunc("GET /consent/mfa", s.handleMFAPage)
	mux.HandleFunc("POST /consent/mfa", s.handleMFASubmit)
	mux.HandleFunc("POST /consent/manage", s.handleManageSubmit)
	mux.HandleFunc("GET /consent/done", s.handleConsentDone)
	mux.HandleFunc("GET /consent/consent.css", s.handleConsentCSS)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, resourceNotFound("Route not found for this API version."))
	})
	return s.faults.wrap(s.advancing(mux), s.fail)
}

// userRoute serves a route of one user, {id} in its path, once the token
// and the user have been checked, with s.mu held.
func (s *Server) userRoute(a access, serve func(w http.ResponseWriter, r *http.Request, u *user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if u, ok := s.lookupUser(w, r, a); ok {
			serve(w, r, u)
		}
	}
}

// connectionRoute is userRoute for a route of one of the user's
// connections, {cid} in its path.
func (s *Server) connectionRoute(a access, serve func(w http.ResponseWriter, r *http.Request, u *user, c *connection)) http.HandlerFunc {
	return s.userRoute(a, func(w http.ResponseWriter, r *http.Request, u *user) {
		if c, ok := s.lookupConnection(w, r, u); ok {
			serve(w, r, u, c)
		}
	})
}

// lookupUser checks the path's user id and the token, and finds the user.
func (s *Server) lookupUser(w http.ResponseWriter, r *http.Request, a access) (*user, bool) {
	id := r.PathValue("id")
	if _, err := s.authorize(r, a, id); err != nil {
		s.fail(w, err)
		return nil, false
	}
	if !validUUID(id) {
		s.fail(w, badParameter("User ID value is not valid", "userId"))
		return nil, false
	}
	u, ok := s.users[id]
	if !ok {
		s.fail(w, resourceNotFound("Requested user does not exist."))
		return nil, false
	}
	s.settleConsents(u, s.clock.Now())
	return u, true
}

var mobilePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	in, ok := s.readUserRequest(w, r)
	if !ok {
		return
	}
	u := &user{}
	if !s.setUserFields(w, u, in) {
		return
	}
	s.mu.Lock()
	s.createUser(u, s.clock.Now())
	body := s.userBody(r, u)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

// createUser keeps a new user, and user.created tells it; s.mu is held.
func (s *Server) createUser(u *user, now time.Time) {
	u.id = s.ids.uuid()
	s.addUser(u)
	s.raiseUser(u, "created", now)
}

// handleUpdateUser is POST /users/{id}: the fields sent change, the others
// stay (basiq-api.md §3), and the user must keep an email or a mobile.
func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, u *user, in userFields) {
	if s.setUserFields(w, u, in) {
		s.raiseUser(u, "updated", s.clock.Now())
		writeJSON(w, http.StatusOK, s.userBody(r, u))
	}
}

// jsonUserRoute is userRoute for a server-only route that takes a JSON body:
// the token and the body are read before s.mu is taken, the user after.
func jsonUserRoute[In any](s *Server, badBody string, optional bool, serve func(http.ResponseWriter, *http.Request, *user, In)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if _, err := s.authorize(r, serverOnly, ""); err != nil {
			s.fail(w, err)
			return
		}
		if !s.readJSON(w, r, &in, badBody, optional) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if u, ok := s.lookupUser(w, r, serverOnly); ok {
			serve(w, r, u, in)
		}
	}
}

// userFields is the body of POST /users and POST /users/{id}; nil is a
// field not sent.
type userFields struct {
	Email, Mobile, FirstName, MiddleName, LastName *string
}

// readUserRequest checks the token (a server token) and reads a user body;
// false when it has answered with Basiq's error.
func (s *Server) readUserRequest(w http.ResponseWriter, r *http.Request) (userFields, bool) {
	var in userFields
	if _, err := s.authorize(r, serverOnly, ""); err != nil {
		s.fail(w, err)
		return in, false
	}
	return in, s.readJSON(w, r, &in, badUser, false)
}

const badUser = "Posted user is not in valid format."

// readJSON reads a JSON body into v: Basiq's 415 when it is not sent as
// JSON (no Content-Type included), 400 invalid-content (with badBody as the
// detail) when it is not valid JSON. An empty body is taken as {} where the
// body is optional. False when it has answered.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any, badBody string, optional bool) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil && optional && len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		if ct == "" {
			ct = "(none)"
		}
		s.fail(w, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported-content-type", title: "Unsupported content type",
			detail: "Content type " + ct + " is not supported on requested endpoint.", source: &source{Parameter: "Content-Type", Pointer: "header/Content-Type"}})
		return false
	}
	if err != nil || json.Unmarshal(body, v) != nil {
		s.fail(w, &apiError{status: 400, code: "invalid-content", title: "Invalid content", detail: badBody})
		return false
	}
	return true
}

// setUserFields applies the fields sent to u when the result is a user
// Basiq keeps; otherwise it answers with Basiq's error and changes nothing.
func (s *Server) setUserFields(w http.ResponseWriter, u *user, in userFields) bool {
	next := *u
	for field, value := range map[*string]*string{&next.email: in.Email, &next.mobile: in.Mobile,
		&next.firstName: in.FirstName, &next.middleName: in.MiddleName, &next.lastName: in.LastName} {
		if value != nil {
			*field = *value
		}
	}
	switch {
	case next.email == "" && next.mobile == "":
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied", detail: "One of 'email' or 'mobile' is required.", source: &source{}})
		return false
	case next.email != "" && !validEmail(next.email):
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Provided email is in bad format.", source: &source{Pointer: "/data/attributes/email", Parameter: "email"}})
		return false
	case next.mobile != "" && !mobilePattern.MatchString(next.mobile):
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Provided mobile is in bad format.", source: &source{Pointer: "/data/attributes/mobile", Parameter: "mobile"}})
		return false
	}
	next.name = strings.Join(strings.Fields(next.firstName+" "+next.middleName+" "+next.lastName), " ")
	*u = next
	return true
}

// isJSON reports whether a Content-Type header says JSON (any parameters,
// such as a charset, aside).
func isJSON(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == "application/json"
}

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".")
}

// userBody is the user as POST /users and GET /users/{id} show it; s.mu is held.
func (s *Server) userBody(r *http.Request, u *user) map[string]any {
	return userBodyOf(s.baseURL(r), u, s.liveAuthLink(u, s.clock.Now()) != nil)
}

// userBodyOf is userBody from what it shows, for an event's snapshot too.
func userBodyOf(base string, u *user, hasAuthLink bool) map[string]any {
	self := base + "/users/" + u.id
	// links.auth_link names the user's auth link while it works, and is null
	// otherwise, as v2 had it (the spec requires the key, "possible null").
	var authLink any
	if hasAuthLink {
		authLink = self + "/auth_link"
	}
	return map[string]any{
		"type": "user", "id": u.id, "email": u.email, "mobile": u.mobile,
		"name": u.name, "firstName": u.firstName, "middleName": u.middleName, "lastName": u.lastName,
		"links": map[string]any{"self": self, "accounts": self + "/accounts", "connections": self + "/connections", "transactions": self + "/transactions", "auth_link": authLink},
	}
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request, u *user) {
	body := s.userBody(r, u)
	self := s.baseURL(r) + "/users/" + u.id
	// GET adds the user's connections and accounts as lists of references.
	conns := []ref{}
	for _, c := range s.liveConnections(u) {
		conns = append(conns, ref{Type: "connection", ID: c.id, Links: links{"self": self + "/connections/" + c.id}})
	}
	accts := []ref{}
	for _, c := range s.visibleAccounts(u, s.clock.Now()) {
		for _, id := range c.accountIDs {
			accts = append(accts, ref{Type: "account", ID: id, Links: links{"self": self + "/accounts/" + id}})
		}
	}
	body["connections"] = map[string]any{"type": "list", "count": len(conns), "data": conns}
	body["accounts"] = map[string]any{"type": "list", "count": len(accts), "data": accts}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request, u *user) {
	s.deleteUser(u, s.clock.Now())
	w.WriteHeader(http.StatusNoContent)
}

// deleteUser is DELETE /users/{id}: the user and all that was theirs go,
// and user.deleted tells it with the user as it was; s.mu is held.
func (s *Server) deleteUser(u *user, now time.Time) {
	s.raiseUser(u, "deleted", now)
	s.removeUser(u)
}

// jobBody renders a job as it stands at now.
func (s *Server) jobBody(r *http.Request, j *job, now time.Time, withInstitution bool) jobBody {
	base := s.baseURL(r)
	body := jobBody{Type: "job", ID: j.id, Created: stamp(j.created), JobType: "connection",
		Links: links{"self": base + "/jobs/" + j.id, "source": base + "/users/" + j.userID + "/connections/" + j.connID}}
	updated := j.created
	for _, st := range s.states(j, now) {
		out := step{Title: st.title, Status: st.status}
		switch {
		case st.title == stepMFA && (st.status == "in-progress" || st.status == "success"):
			out.Result = challengeResult(base, j) // the prompt stays once answered, as core.json's example shows
		case st.status == "success":
			out.Result = &stepResult{Type: "link", URL: stepLink(j, st.title)}
		case st.status == "failed":
			out.Result = &stepResult{Code: st.fail.Code, Title: st.fail.Title, Detail: st.fail.Detail}
		}
		if (st.status == "success" || st.status == "failed") && st.end.After(updated) {
			updated = st.end
		}
		body.Steps = append(body.Steps, out)
	}
	body.Updated = stamp(updated)
	if withInstitution {
		body.Institution = &ref{Type: "institution", ID: j.institution, Links: links{"self": base + "/institutions/" + j.institution}}
	}
	return body
}

// stepLink is a successful step's result: a relative path with the filter
// unescaped, as Basiq sends it.
func stepLink(j *job, title string) string {
	filter := "?filter=institution.id.eq('" + j.institution + "')"
	switch title {
	case stepVerify:
		return "/users/" + j.userID + "/connections/" + j.connID
	case stepAccounts:
		return "/users/" + j.userID + "/accounts" + filter
	}
	return "/users/" + j.userID + "/transactions" + filter
}

// lookupJob checks the token and the path's job id, and finds the job; a
// client token sees only its user's jobs. s.mu is held.
func (s *Server) lookupJob(w http.ResponseWriter, r *http.Request) (*job, bool) {
	c, err := s.authorize(r, userScoped, "")
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	id := r.PathValue("id")
	if !validUUID(id) {
		s.fail(w, badParameter("Job ID value is not valid", "jobId"))
		return nil, false
	}
	j, ok := s.jobs[id]
	switch {
	case !ok:
		s.fail(w, resourceNotFound("Requested resource is not found"))
	case c.Scope == scopeClient && c.UserID != j.userID:
		s.fail(w, &apiError{status: http.StatusUnauthorized, code: "unauthorized-access", title: "Unauthorized Access", detail: "You are not authorized to access this resource"})
	default:
		return j, true
	}
	return nil, false
}

func (s *Server) handleGetJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.lookupJob(w, r); ok {
		writeJSON(w, http.StatusOK, s.jobBody(r, j, s.clock.Now(), false))
	}
}

// jobsKept is how far back GET /users/{id}/jobs looks, as Basiq's does.
const jobsKept = 7 * 24 * time.Hour

func (s *Server) handleUserJobs(w http.ResponseWriter, r *http.Request, u *user) {
	filters, ok := jobFilters.fromRequest(s, w, r)
	if !ok {
		return
	}
	now := s.clock.Now()
	data := []jobBody{}
	for i := len(u.jobs) - 1; i >= 0; i-- { // newest first
		if j := s.jobs[u.jobs[i]]; now.Sub(j.created) < jobsKept && jobFilters.match(j, filters) {
			data = append(data, s.jobBody(r, j, now, true))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "size": len(data), "data": data, "links": links{"self": s.baseURL(r) + r.URL.Path}})
}

func (s *Server) accountBodies(r *http.Request, u *user, now time.Time) []accountBody {
	base := s.baseURL(r)
	out := []accountBody{}
	for _, c := range s.visibleAccounts(u, now) {
		for i := range c.accounts {
			out = append(out, accountBodyOf(base, u.id, c, i))
		}
	}
	return out
}

// accountBodyOf is the ith account of c, for an event's snapshot too.
func accountBodyOf(base, userID string, c *connection, i int) accountBody {
	a, id := c.accounts[i], c.accountIDs[i]
	var limit *string
	if a.CreditLimit != "" {
		limit = &a.CreditLimit
	}
	ownership := "ONE_PARTY"
	if strings.Contains(a.Holder, "&") {
		ownership = "TWO_PARTY"
	}
	return accountBody{
		Type: "account", ID: id, AccountNo: a.AccountNo, Name: a.Name, Currency: "AUD",
		Balance: a.Balance, AvailableFunds: a.Available, CreditLimit: limit, LastUpdated: stamp(c.created),
		Status: "available", Class: map[string]string{"type": a.Class, "product": a.Product},
		Connection: c.id, Institution: c.institution, AccountHolder: a.Holder, AccountOwnership: ownership, IsOwned: true,
		TransactionIntervals: []map[string]string{{"from": c.created.AddDate(0, 0, -historyDays).Format("2006-01-02"), "to": c.created.Format("2006-01-02")}},
		Links: links{"self": base + "/users/" + userID + "/accounts/" + id,
			"transactions": base + "/users/" + userID + "/transactions?filter=" + url.QueryEscape("account.id.eq('"+id+"')"),
			"institution":  base + "/institutions/" + c.institution, "connection": base + "/users/" + userID + "/connections/" + c.id},
	}
}

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request, u *user) {
	filters, ok := accountFilters.fromRequest(s, w, r)
	if !ok {
		return
	}
	data := []accountBody{}
	for _, a := range s.accountBodies(r, u, s.clock.Now()) {
		if accountFilters.match(a, filters) {
			data = append(data, a)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "data": data, "links": links{"self": s.baseURL(r) + r.URL.RequestURI()}})
}

// handleOne serves one item of a user's list (an account, a transaction),
// found by the id in the path.
func handleOne[T any](s *Server, list func(*http.Request, *user, time.Time) []T, id func(T) string, param string) http.HandlerFunc {
	return s.userRoute(userScoped, func(w http.ResponseWriter, r *http.Request, u *user) {
		for _, item := range list(r, u, s.clock.Now()) {
			if id(item) == r.PathValue(param) {
				writeJSON(w, http.StatusOK, item)
				return
			}
		}
		s.fail(w, resourceNotFound("Requested resource is not found"))
	})
}

// maxTransactionsPage is Basiq's largest page (and its default).
const maxTransactionsPage = 500

// pageQuery reads a paged list's ?limit= (pageLimit) and ?filter=
// (fromRequest), or answers the first that is wrong and reports false.
func pageQuery[T any](s *Server, w http.ResponseWriter, r *http.Request, most int, fields filterFields[T]) (limit int, filters []statement, ok bool) {
	if limit, ok = s.pageLimit(w, r.URL.Query(), most); ok {
		filters, ok = fields.fromRequest(s, w, r)
	}
	return limit, filters, ok
}

// pageLimit reads ?limit= (1 to most; most when there is none), or answers
// Basiq's 400 and says false.
func (s *Server) pageLimit(w http.ResponseWriter, q url.Values, most int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return most, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 1:
		s.fail(w, badParameter("Limit value is not valid", "limit"))
		return 0, false
	case n > most:
		s.fail(w, badParameter("Maximum limit allowed is "+strconv.Itoa(most), "limit"))
		return 0, false
	}
	return n, true
}

func (s *Server) handleTransactions(w http.ResponseWriter, r *http.Request, u *user) {
	limit, filters, ok := pageQuery(s, w, r, maxTransactionsPage, transactionFilters)
	if !ok {
		return
	}
	q := r.URL.Query()
	offset := 0
	if v := q.Get("next"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "c"))
		if err != nil || n < 0 || !strings.HasPrefix(v, "c") {
			s.fail(w, badParameter("Next value is not valid", "next"))
			return
		}
		offset = n
	}
	var all []transaction
	for _, t := range s.transactions(r, u, s.clock.Now()) {
		if transactionFilters.match(t, filters) {
			all = append(all, t)
		}
	}
	page := []transaction{}
	if offset < len(all) {
		page = all[offset:min(offset+limit, len(all))]
	}
	self := s.baseURL(r) + r.URL.RequestURI()
	lk := links{"self": self}
	if offset+limit < len(all) {
		next := url.Values{"limit": {strconv.Itoa(limit)}, "next": {"c" + strconv.Itoa(offset+limit)}}
		if f := q.Get("filter"); f != "" {
			next.Set("filter", f)
		}
		lk["next"] = s.baseURL(r) + r.URL.Path + "?" + next.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "count": len(page), "size": len(all), "data": page, "links": lk})
}

// transactions are the user's transactions that jobs have retrieved by now,
// newest first.
func (s *Server) transactions(r *http.Request, u *user, now time.Time) []transaction {
	base, userURL := s.baseURL(r), s.baseURL(r)+"/users/"+u.id
	var all []transaction
	for _, c := range s.visibleAccounts(u, now) {
		if !s.connectionStepDone(u, c, "retrieve-transactions", now) {
			continue
		}
		for i, a := range c.accounts {
			for _, t := range transactionsFor(a, c.accountIDs[i], c.id, c.institution, c.created) {
				t.Links = links{"self": userURL + "/transactions/" + t.ID, "account": userURL + "/accounts/" + t.Account,
					"institution": base + "/institutions/" + t.Institution, "connection": userURL + "/connections/" + t.Connection}
				all = append(all, t)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].PostDate > all[j].PostDate })
	return all
}
