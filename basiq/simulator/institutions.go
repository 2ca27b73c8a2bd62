package simulator

import (
	"net/http"
	"regexp"
	"sort"
	"time"
)

// The sandbox's banks, as Basiq describes them twice (basiq-api.md §7): as
// institutions (v2.1, swagger.json: GET /institutions and /institutions/{id},
// which Basiq's v3 starter kit still calls and every link still points at)
// and as connectors (v3, data.json: GET /connectors and
// /connectors/{id}/{method}), one per bank and way in. The simulator's
// connections are all web ones, so each bank has one connector, "web".

// webMethod is how the simulator's connections reach their bank.
const webMethod = "web"

// What every sandbox bank shares: Hooli's captured record (basiq-api.md §7),
// which the other test banks follow.
const (
	sandboxInstitutionType = "Test Bank"
	sandboxCountry         = "Australia"
	sandboxStage           = "live"
	sandboxStatus          = "operational"
	// forgottenPasswordURL is where a sandbox login's password is found:
	// Basiq's Testing page, which lists them all.
	forgottenPasswordURL = "https://api.basiq.io/reference/testing"
)

// logoLinks are a bank's logos at Basiq's CDN, as Hooli's captured record
// names them; the simulator serves no images of its own.
func logoLinks(id string) map[string]any {
	const cdn = "https://d388vpyfrt4zrj.cloudfront.net/"
	return map[string]any{"type": "image", "links": links{"square": cdn + id + ".svg", "full": cdn + id + "-full.svg"}}
}

// features say which data a bank gives and by what means: here, all of it by
// the web connection, as far as the simulator gives it (an empty list: not
// given). Hooli's captured record has the same, but for login and
// mfaChallenge, which the v2.1 spec adds.
func features(inst institutionData) map[string]any {
	web := []string{webMethod}
	mfa := []string{}
	if inst.Authorization != "user" {
		mfa = web
	}
	return map[string]any{
		"login":        web,
		"mfaChallenge": mfa,
		"accounts": map[string][]string{"accountNo": web, "name": web, "currency": web, "balance": web,
			"availableFunds": web, "lastUpdated": web, "accountHolder": web, "meta": {}},
		"transactions": map[string][]string{"status": web, "description": web, "date": web, "amount": web, "balance": web, "class": web},
		"profile": map[string][]string{"fullName": web, "firstName": web, "lastName": web, "middleName": {},
			"phoneNumbers": {}, "emailAddresses": {}, "physicalAddresses": {}},
	}
}

// institutionBody is a bank as GET /institutions/{id} shows it (swagger.json's
// Institution, after Hooli's captured record). Only the captions a bank asks
// for are sent: Basiq's starter kit makes a field of every *Caption key.
type institutionBody struct {
	Type                 string         `json:"type"`
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortName            string         `json:"shortName"`
	InstitutionType      string         `json:"institutionType"`
	Country              string         `json:"country"`
	ServiceName          string         `json:"serviceName"`
	ServiceType          string         `json:"serviceType"`
	Tier                 string         `json:"tier"`
	Authorization        string         `json:"authorization"`
	Stage                string         `json:"stage"`
	Status               string         `json:"status"`
	LoginIDCaption       string         `json:"loginIdCaption"`
	PasswordCaption      string         `json:"passwordCaption"`
	ForgottenPasswordURL string         `json:"forgottenPasswordUrl"`
	Features             map[string]any `json:"features"`
	Logo                 map[string]any `json:"logo"`
	Stats                map[string]any `json:"stats"`
	Links                links          `json:"links"`
}

func (s *Server) institutionBody(r *http.Request, inst institutionData) institutionBody {
	return institutionBody{
		Type: "institution", ID: inst.ID, Name: inst.Name, ShortName: inst.ShortName,
		InstitutionType: sandboxInstitutionType, Country: sandboxCountry, ServiceName: "Personal Online Banking",
		ServiceType: "Personal Banking", Tier: inst.Tier, Authorization: inst.Authorization, Stage: sandboxStage, Status: sandboxStatus,
		LoginIDCaption: "Login", PasswordCaption: "Password", ForgottenPasswordURL: forgottenPasswordURL,
		Features: features(inst), Logo: logoLinks(inst.ID),
		Stats: map[string]any{"averageDurationMs": s.averageDurations(inst)},
		Links: links{"self": s.baseURL(r) + "/institutions/" + inst.ID},
	}
}

// connectorBody is a bank reached one way, as data.json's connector has it.
type connectorBody struct {
	Type          string   `json:"type"`
	ID            string   `json:"id"`
	Method        string   `json:"method"`
	Stage         string   `json:"stage"`
	Status        string   `json:"status"`
	Scopes        []string `json:"scopes"`
	Authorization struct {
		Type string            `json:"type"`
		Meta map[string]string `json:"meta"`
	} `json:"authorization"`
	Institution struct {
		Type      string         `json:"type"`
		Name      string         `json:"name"`
		ShortName string         `json:"shortName"`
		Tier      string         `json:"tier"`
		Country   string         `json:"country"`
		Logo      map[string]any `json:"logo"`
	} `json:"institution"`
	Stats map[string]any `json:"stats"`
	Links links          `json:"links"`
}

func (s *Server) connectorBody(r *http.Request, inst institutionData) connectorBody {
	c := connectorBody{
		Type: "connector", ID: inst.ID, Method: webMethod, Stage: sandboxStage, Status: sandboxStatus,
		Scopes: consentPolicy.scopes(),
		Stats:  map[string]any{"averageDurationMs": s.averageDurations(inst)},
		Links:  links{"self": s.baseURL(r) + "/connectors/" + inst.ID + "/" + webMethod},
	}
	c.Authorization.Type = inst.Authorization
	c.Authorization.Meta = map[string]string{"login_id_caption": "Login", "password_caption": "Password", "forgotten_password_url": forgottenPasswordURL}
	c.Institution.Type, c.Institution.Name, c.Institution.ShortName = sandboxInstitutionType, inst.Name, inst.ShortName
	c.Institution.Tier, c.Institution.Country, c.Institution.Logo = inst.Tier, sandboxCountry, logoLinks(inst.ID)
	return c
}

// routeInstitutions serves the banks: any valid token may read them (v2.1
// lists both scopes; Basiq's starter kit reads them with a server token).
func (s *Server) routeInstitutions(mux *http.ServeMux) {
	mux.HandleFunc("GET /institutions", bankList(s, institutionFilters, s.institutionBody))
	mux.HandleFunc("GET /institutions/{id}", s.handleInstitution)
	mux.HandleFunc("GET /connectors", bankList(s, connectorFilters, s.connectorBody))
	mux.HandleFunc("GET /connectors/{id}/{method}", s.handleConnector)
}

// institutionFilters are swagger.json's for GET /institutions.
var institutionFilters = filterFields[institutionBody]{
	"institution.country":         {ops: eqNeOrIn, value: func(i institutionBody) string { return i.Country }},
	"institution.tier":            {ops: eqNeOrIn, values: tiers, value: func(i institutionBody) string { return i.Tier }},
	"institution.authorization":   {ops: eqNeOrIn, values: authorizations, value: func(i institutionBody) string { return i.Authorization }},
	"institution.serviceType":     {ops: eqOrNe, values: []string{"Personal Banking", "Business Banking", "Card Access", "Test"}, value: func(i institutionBody) string { return i.ServiceType }},
	"institution.institutionType": {ops: eqOrNe, values: institutionTypes, value: func(i institutionBody) string { return i.InstitutionType }},
	"institution.stage":           {ops: eqOrNe, values: stages, value: func(i institutionBody) string { return i.Stage }},
}

// connectorFilters are data.json's for GET /connectors. connectorEngine is
// left out: the simulator's connectors have none.
var connectorFilters = filterFields[connectorBody]{
	"connector.id":                  {ops: equality, value: func(c connectorBody) string { return c.ID }},
	"connector.method":              {ops: equality, values: []string{"web", "open-banking", "openbanking", "pdf", "csv"}, value: func(c connectorBody) string { return c.Method }},
	"connector.status":              {ops: eqNeOrIn, value: func(c connectorBody) string { return c.Status }},
	"connector.stage":               {ops: eqNeOrIn, value: func(c connectorBody) string { return c.Stage }},
	"connector.scopes":              {ops: eqNeOrIn, all: func(c connectorBody) []string { return c.Scopes }},
	"connector.institution.country": {ops: eqNeOrIn, value: func(c connectorBody) string { return c.Institution.Country }},
	"connector.institution.tier":    {ops: eqNeOrIn, values: tiers, value: func(c connectorBody) string { return c.Institution.Tier }},
	"connector.institution.type":    {ops: eqOrNe, values: institutionTypes, value: func(c connectorBody) string { return c.Institution.Type }},
	"connector.authorization.type":  {ops: eqNeOrIn, value: func(c connectorBody) string { return c.Authorization.Type }},
}

var (
	tiers            = []string{"1", "2", "3", "4"}
	stages           = []string{"live", "beta", "alpha"}
	authorizations   = []string{"user", "other", "token", "user-mfa-intermittent", "user-mfa"}
	institutionTypes = []string{"Bank", "Bank (Foreign)", "Test Bank", "Credit Union", "Financial Services", "Superannuation"}
)

// sortedInstitutions are the sandbox's banks by id, as Basiq lists them.
func sortedInstitutions() []institutionData {
	out := append([]institutionData(nil), sandbox.Institutions...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// bankList serves the sandbox's banks, as institutions or as connectors,
// those the ?filter= keeps, by id.
func bankList[T any](s *Server, filters filterFields[T], body func(*http.Request, institutionData) T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authorize(r, userScoped, ""); err != nil {
			s.fail(w, err)
			return
		}
		stmts, ok := filters.fromRequest(s, w, r)
		if !ok {
			return
		}
		data := []T{}
		for _, inst := range sortedInstitutions() {
			if b := body(r, inst); filters.match(b, stmts) {
				data = append(data, b)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"type": "list", "totalCount": len(data), "data": data, "links": links{"self": s.baseURL(r) + r.URL.RequestURI()}})
	}
}

func (s *Server) handleInstitution(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, userScoped, ""); err != nil {
		s.fail(w, err)
		return
	}
	inst, ok := findInstitution(r.PathValue("id"))
	if !ok {
		s.fail(w, resourceNotFound("Requested institution does not exist."))
		return
	}
	writeJSON(w, http.StatusOK, s.institutionBody(r, inst))
}

// connectorID is data.json's pattern for a connector's id.
var connectorID = regexp.MustCompile(`^[A-Z]{2}[0-9]{5}$`)

func (s *Server) handleConnector(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, userScoped, ""); err != nil {
		s.fail(w, err)
		return
	}
	id := r.PathValue("id")
	if !connectorID.MatchString(id) {
		s.fail(w, badParameter("Connector ID value is not valid", "connectorId"))
		return
	}
	inst, ok := findInstitution(id)
	if !ok || r.PathValue("method") != webMethod {
		s.fail(w, resourceNotFound("Requested connector does not exist."))
		return
	}
	writeJSON(w, http.StatusOK, s.connectorBody(r, inst))
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
