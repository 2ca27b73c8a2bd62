package simulator

import (
	"encoding/json"
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

type stepResult struct {
	Type   string `json:"type,omitempty"`
	URL    string `json:"url,omitempty"`
	Code   string `json:"code,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
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
	mux.HandleFunc("GET /users/{id}", s.handleGetUser)
	mux.HandleFunc("DELETE /users/{id}", s.handleDeleteUser)
	mux.HandleFunc("GET /users/{id}/jobs", s.handleUserJobs)
	mux.HandleFunc("GET /jobs/{id}", s.handleGetJob)
	mux.HandleFunc("GET /users/{id}/connections", s.handleConnections)
	mux.HandleFunc("POST /users/{id}/connections/{cid}/refresh", s.handleRefresh)
	mux.HandleFunc("GET /users/{id}/accounts", s.handleAccounts)
	mux.HandleFunc("GET /users/{id}/accounts/{aid}", handleOne(s, s.accountBodies, func(a accountBody) string { return a.ID }, "aid"))
	mux.HandleFunc("GET /users/{id}/transactions", s.handleTransactions)
	mux.HandleFunc("GET /users/{id}/transactions/{tid}", handleOne(s, s.transactions, func(t transaction) string { return t.ID }, "tid"))
	mux.HandleFunc("GET /institutions/{id}", s.handleInstitution)
	mux.HandleFunc("GET /consent/home", s.handleConsentPage)
	mux.HandleFunc("POST /consent/connect", s.handleConsentSubmit)
	mux.HandleFunc("GET /consent/done", s.handleConsentDone)
	mux.HandleFunc("GET /consent/consent.css", s.handleConsentCSS)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Route not found for this API version."})
	})
	return s.faults.wrap(mux, s.fail)
}

// lookupUser checks the path's user id and the token, and finds the user.
func (s *Server) lookupUser(w http.ResponseWriter, r *http.Request, a access) (*user, bool) {
	id := r.PathValue("id")
	if _, err := s.authorize(r, a, id); err != nil {
		s.fail(w, err)
		return nil, false
	}
	if !validUUID(id) {
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "User ID value is not valid", source: &source{Parameter: "userId"}})
		return nil, false
	}
	u, ok := s.users[id]
	if !ok {
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested user does not exist."})
		return nil, false
	}
	return u, true
}

var mobilePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, serverOnly, ""); err != nil {
		s.fail(w, err)
		return
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		if ct == "" {
			ct = "(none)"
		}
		s.fail(w, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported-content-type", title: "Unsupported content type",
			detail: "Content type " + ct + " is not supported on requested endpoint.", source: &source{Parameter: "Content-Type", Pointer: "header/Content-Type"}})
		return
	}
	var in struct{ Email, Mobile, FirstName, MiddleName, LastName string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		s.fail(w, &apiError{status: 400, code: "invalid-content", title: "Invalid content", detail: "Posted user is not in valid format."})
		return
	}
	switch {
	case in.Email == "" && in.Mobile == "":
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied", detail: "One of 'email' or 'mobile' is required.", source: &source{}})
		return
	case in.Email != "" && !validEmail(in.Email):
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Provided email is in bad format.", source: &source{Pointer: "/data/attributes/email", Parameter: "email"}})
		return
	case in.Mobile != "" && !mobilePattern.MatchString(in.Mobile):
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Provided mobile is in bad format.", source: &source{Pointer: "/data/attributes/mobile", Parameter: "mobile"}})
		return
	}
	s.mu.Lock()
	u := &user{id: s.ids.uuid(), email: in.Email, mobile: in.Mobile, firstName: in.FirstName, middleName: in.MiddleName, lastName: in.LastName}
	u.name = strings.TrimSpace(strings.Join(strings.Fields(in.FirstName+" "+in.MiddleName+" "+in.LastName), " "))
	s.addUser(u)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.userBody(r, u))
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

func (s *Server) userBody(r *http.Request, u *user) map[string]any {
	self := s.baseURL(r) + "/users/" + u.id
	return map[string]any{
		"type": "user", "id": u.id, "email": u.email, "mobile": u.mobile,
		"name": u.name, "firstName": u.firstName, "middleName": u.middleName, "lastName": u.lastName,
		// auth_link: null, as v2 had it: the spec still requires the key.
		"links": map[string]any{"self": self, "accounts": self + "/accounts", "connections": self + "/connections", "transactions": self + "/transactions", "auth_link": nil},
	}
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, userScoped)
	if !ok {
		return
	}
	body := s.userBody(r, u)
	self := s.baseURL(r) + "/users/" + u.id
	// GET adds the user's connections and accounts as lists of references.
	conns := []ref{}
	for _, id := range u.conns {
		conns = append(conns, ref{Type: "connection", ID: id, Links: links{"self": self + "/connections/" + id}})
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

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, serverOnly)
	if !ok {
		return
	}
	s.removeUser(u)
	w.WriteHeader(http.StatusNoContent)
}

// jobBody renders a job as it stands at now.
func (s *Server) jobBody(r *http.Request, j *job, now time.Time, withInstitution bool) jobBody {
	base := s.baseURL(r)
	body := jobBody{Type: "job", ID: j.id, Created: stamp(j.created), JobType: "connection",
		Links: links{"self": base + "/jobs/" + j.id, "source": base + "/users/" + j.userID + "/connections/" + j.connID}}
	updated := j.created
	for i, title := range j.steps {
		st := step{Title: title, Status: s.stepStatus(j, i, now)}
		switch st.Status {
		case "success":
			st.Result = &stepResult{Type: "link", URL: stepLink(j, title)}
			updated = j.created.Add(s.stepEnd(i))
		case "failed":
			st.Result = &stepResult{Code: j.failure.Code, Title: j.failure.Title, Detail: j.failure.Detail}
			updated = j.created.Add(s.stepEnd(i))
		}
		body.Steps = append(body.Steps, st)
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
	case "verify-credentials":
		return "/users/" + j.userID + "/connections/" + j.connID
	case "retrieve-accounts":
		return "/users/" + j.userID + "/accounts" + filter
	}
	return "/users/" + j.userID + "/transactions" + filter
}

func (s *Server) handleGetJob(w http.ResponseWriter, r *http.Request) {
	c, err := s.authorize(r, userScoped, "")
	if err != nil {
		s.fail(w, err)
		return
	}
	id := r.PathValue("id")
	if !validUUID(id) {
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Job ID value is not valid", source: &source{Parameter: "jobId"}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	switch {
	case !ok:
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested resource is not found"})
	case c.Scope == scopeClient && c.UserID != j.userID:
		s.fail(w, &apiError{status: http.StatusUnauthorized, code: "unauthorized-access", title: "Unauthorized Access", detail: "You are not authorized to access this resource"})
	default:
		writeJSON(w, http.StatusOK, s.jobBody(r, j, s.clock.Now(), false))
	}
}

// jobsKept is how far back GET /users/{id}/jobs looks, as Basiq's does.
const jobsKept = 7 * 24 * time.Hour

func (s *Server) handleUserJobs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, serverOnly)
	if !ok {
		return
	}
	filters, ok := jobFilters.read(r.URL.Query().Get("filter"))
	if !ok {
		s.fail(w, badFilter)
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

func (s *Server) handleConnections(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, userScoped)
	if !ok {
		return
	}
	base, now := s.baseURL(r), s.clock.Now()
	data := []map[string]any{}
	for _, cid := range u.conns {
		c := s.conns[cid]
		status := "pending"
		for _, jid := range u.jobs {
			j := s.jobs[jid]
			if j.connID != cid {
				continue
			}
			switch s.stepStatus(j, 0, now) {
			case "success":
				status = "active"
			case "failed":
				status = "invalid"
			}
		}
		filter := "?filter=" + url.QueryEscape("institution.id.eq('"+c.institution+"')")
		self := base + "/users/" + u.id + "/connections/" + c.id
		data = append(data, map[string]any{
			"type": "connection", "id": c.id, "method": "web", "status": status,
			"createdDate": stamp(c.created), "lastUsed": stamp(c.created), "expiryDate": "", // set for open banking only
			"institution": ref{Type: "institution", ID: c.institution, Links: links{"self": base + "/institutions/" + c.institution}},
			"links": links{"self": self, "accounts": base + "/users/" + u.id + "/accounts" + filter,
				"transactions": base + "/users/" + u.id + "/transactions" + filter, "institution": base + "/institutions/" + c.institution},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "data": data, "links": links{"self": base + r.URL.Path}})
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, serverOnly)
	if !ok {
		return
	}
	c, ok := s.conns[r.PathValue("cid")]
	if !ok || c.userID != u.id {
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested connection does not exist."})
		return
	}
	now := s.clock.Now()
	// A refresh while a job of this connection is still running returns that job.
	for i := len(u.jobs) - 1; i >= 0; i-- {
		j := s.jobs[u.jobs[i]]
		if j.connID == c.id && s.stepStatus(j, len(j.steps)-1, now) != "success" && s.stepStatus(j, 0, now) != "failed" {
			writeJSON(w, http.StatusAccepted, ref{Type: "job", ID: j.id, Links: links{"self": s.baseURL(r) + "/jobs/" + j.id}})
			return
		}
	}
	// The sandbox's failing logins fail the same way every time.
	id := s.newJob(u, c, now)
	writeJSON(w, http.StatusAccepted, ref{Type: "job", ID: id, Links: links{"self": s.baseURL(r) + "/jobs/" + id}})
}

func (s *Server) accountBodies(r *http.Request, u *user, now time.Time) []accountBody {
	base := s.baseURL(r)
	out := []accountBody{}
	for _, c := range s.visibleAccounts(u, now) {
		for i, a := range c.accounts {
			id := c.accountIDs[i]
			var limit *string
			if a.CreditLimit != "" {
				limit = &a.CreditLimit
			}
			ownership := "ONE_PARTY"
			if strings.Contains(a.Holder, "&") {
				ownership = "TWO_PARTY"
			}
			out = append(out, accountBody{
				Type: "account", ID: id, AccountNo: a.AccountNo, Name: a.Name, Currency: "AUD",
				Balance: a.Balance, AvailableFunds: a.Available, CreditLimit: limit, LastUpdated: stamp(c.created),
				Status: "available", Class: map[string]string{"type": a.Class, "product": a.Product},
				Connection: c.id, Institution: c.institution, AccountHolder: a.Holder, AccountOwnership: ownership, IsOwned: true,
				TransactionIntervals: []map[string]string{{"from": c.created.AddDate(0, 0, -historyDays).Format("2006-01-02"), "to": c.created.Format("2006-01-02")}},
				Links: links{"self": base + "/users/" + u.id + "/accounts/" + id,
					"transactions": base + "/users/" + u.id + "/transactions?filter=" + url.QueryEscape("account.id.eq('"+id+"')"),
					"institution":  base + "/institutions/" + c.institution, "connection": base + "/users/" + u.id + "/connections/" + c.id},
			})
		}
	}
	return out
}

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, userScoped)
	if !ok {
		return
	}
	filters, ok := accountFilters.read(r.URL.Query().Get("filter"))
	if !ok {
		s.fail(w, badFilter)
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
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u, ok := s.lookupUser(w, r, userScoped)
		if !ok {
			return
		}
		for _, item := range list(r, u, s.clock.Now()) {
			if id(item) == r.PathValue(param) {
				writeJSON(w, http.StatusOK, item)
				return
			}
		}
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested resource is not found"})
	}
}

// maxTransactionsPage is Basiq's largest page (and its default).
const maxTransactionsPage = 500

func (s *Server) handleTransactions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.lookupUser(w, r, userScoped)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := maxTransactionsPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1:
			s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Limit value is not valid", source: &source{Parameter: "limit"}})
			return
		case n > maxTransactionsPage:
			s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Maximum limit allowed is 500", source: &source{Parameter: "limit"}})
			return
		}
		limit = n
	}
	filters, ok := transactionFilters.read(q.Get("filter"))
	if !ok {
		s.fail(w, badFilter)
		return
	}
	offset := 0
	if v := q.Get("next"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "c"))
		if err != nil || n < 0 || !strings.HasPrefix(v, "c") {
			s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Parameter not valid.", detail: "Next value is not valid", source: &source{Parameter: "next"}})
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

func (s *Server) handleInstitution(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, userScoped, ""); err != nil {
		s.fail(w, err)
		return
	}
	inst, ok := findInstitution(r.PathValue("id"))
	if !ok {
		s.fail(w, &apiError{status: 404, code: "resource-not-found", title: "Requested resource is not found", detail: "Requested institution does not exist."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type": "institution", "id": inst.ID, "name": inst.Name, "shortName": inst.ShortName,
		"institutionType": "Test Bank", "country": "Australia", "serviceName": "Personal Online Banking",
		"serviceType": "Personal Banking", "tier": "4", "authorization": "user", "stage": "live", "status": "operational",
		"loginIdCaption": "Login", "passwordCaption": "Password",
		"stats": map[string]any{"averageDurationMs": s.averageDurations(inst)},
		"links": links{"self": s.baseURL(r) + "/institutions/" + inst.ID},
	})
}

// averageDurations are the institution's usual step durations. Like the real
// API's, they describe the jobs this server runs: with a step delay set, each
// step takes that long, so an estimate made from them comes true.
func (s *Server) averageDurations(inst institutionData) map[string]float64 {
	if s.opts.StepDelay <= 0 {
		return inst.AverageMs
	}
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) }
	step := ms(s.opts.StepDelay)
	return map[string]float64{
		"verifyCredentials": ms(s.stepEnd(0)), // the wait in the queue, then the step
		"retrieveAccounts":  step, "retrieveTransactions": step,
		"retrieveMeta": 0, "total": ms(s.stepEnd(len(connectionSteps) - 1)),
	}
}
