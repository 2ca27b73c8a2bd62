package simulator

import (
	"net/url"
	"slices"
	"testing"
)

// ids are the "id" of each item of a list answer, in order.
func ids(t *testing.T, a answer) []string {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	var out []string
	for _, it := range a.items() {
		out = append(out, it["id"].(string))
	}
	if a.body["totalCount"] != float64(len(out)) {
		t.Errorf("totalCount %v for %d items", a.body["totalCount"], len(out))
	}
	return out
}

// getFiltered is a GET of path with ?filter= (if any) and the token.
func (s *sim) getFiltered(path, filter, tok string) answer {
	if filter != "" {
		path += "?filter=" + url.QueryEscape(filter)
	}
	return s.do("GET", path, s.bearer(tok), "")
}

// TestInstitutionsAsTheStarterKitReadsThem: Basiq's v3 starter kit lists the
// banks, keeps those with authorization "user", not alpha, not in a major
// outage, sorts by tier and shows logo.links.square; its login form is made
// of the *Caption fields and links forgottenPasswordUrl.
func TestInstitutionsAsTheStarterKitReadsThem(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	a := s.do("GET", "/institutions", s.bearer(tok), "")
	if got := ids(t, a); !slices.Equal(got, []string{"AU00000", "AU00002", "AU00003", "AU00004"}) {
		t.Fatalf("institutions %v", got)
	}
	for _, inst := range a.items() {
		logo, _ := inst["logo"].(map[string]any)
		square, _ := logo["links"].(map[string]any)["square"].(string)
		features, _ := inst["features"].(map[string]any)
		if square == "" || inst["tier"] != "4" || inst["stage"] != "live" || inst["status"] != "operational" ||
			inst["loginIdCaption"] != "Login" || inst["passwordCaption"] != "Password" || inst["forgottenPasswordUrl"] == "" ||
			!slices.Equal(features["login"].([]any), []any{"web"}) {
			t.Errorf("%s lacks what the starter kit reads: %v", inst["id"], inst)
		}
		for key := range inst {
			if len(key) > 7 && key[len(key)-7:] == "Caption" && key != "loginIdCaption" && key != "passwordCaption" {
				t.Errorf("%s has %s, which the starter kit would show as an empty field", inst["id"], key)
			}
		}
	}
	one := s.do("GET", "/institutions/AU00002", s.bearer(tok), "")
	if one.status != 200 || one.body["authorization"] != "user-mfa" || !slices.Equal(one.body["features"].(map[string]any)["mfaChallenge"].([]any), []any{"web"}) {
		t.Errorf("Pied Piper asks a challenge: %s", one.raw)
	}
	if a := s.do("GET", "/institutions/AU00009", s.bearer(tok), ""); a.status != 404 || a.errorDetail() != "Requested institution does not exist." {
		t.Errorf("unknown bank: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/institutions", nil, ""); a.status != 401 || a.errorCode() != "invalid-authorization-token" {
		t.Errorf("no token: %d %s", a.status, a.raw)
	}
	user := s.createUser(tok, "max@example.com")
	if a := s.do("GET", "/institutions", s.bearer(s.clientToken(user)), ""); a.status != 200 {
		t.Errorf("a client token reads the banks too (v2.1 lists both scopes): %d %s", a.status, a.raw)
	}
}

func TestInstitutionFiltersReallyFilter(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	for filter, want := range map[string][]string{
		"institution.tier.eq('4')":                                           {"AU00000", "AU00002", "AU00003", "AU00004"},
		"institution.tier.eq('1')":                                           nil,
		"institution.tier.in('1','2')":                                       nil,
		"institution.tier.ne('4')":                                           nil,
		"institution.authorization.eq('user')":                               {"AU00000", "AU00004"},
		"institution.authorization.ne('user')":                               {"AU00002", "AU00003"},
		"institution.authorization.in('user-mfa','user-mfa-intermittent')":   {"AU00002", "AU00003"},
		"institution.institutionType.eq('Test Bank')":                        {"AU00000", "AU00002", "AU00003", "AU00004"},
		"institution.institutionType.ne('Test Bank')":                        nil,
		"institution.institutionType.eq('Bank (Foreign)')":                   nil,
		"institution.stage.eq('live'),institution.tier.in('1','2')":          nil, // swagger.json's own example
		"institution.stage.ne('alpha'),institution.authorization.eq('user')": {"AU00000", "AU00004"},
		"institution.country.in('Australia','New Zealand')":                  {"AU00000", "AU00002", "AU00003", "AU00004"},
		"institution.serviceType.eq('Business Banking')":                     nil,
	} {
		if got := ids(t, s.getFiltered("/institutions", filter, tok)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", filter, got, want)
		}
	}
	for _, bad := range []string{"institution.tier.eq('9')", "institution.tier.gt('1')", "institution.stage.in('live')",
		"institution.colour.eq('red')", "institution.tier.eq('1','2')", "institution.tier.in()", "tier.eq('4')"} {
		if a := s.getFiltered("/institutions", bad, tok); a.status != 400 || a.errorDetail() != "Filter value is not valid" {
			t.Errorf("%s: %d %s", bad, a.status, a.raw)
		}
	}
}

func TestConnectorsAndTheirFilters(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	all := []string{"AU00000", "AU00002", "AU00003", "AU00004"}
	a := s.do("GET", "/connectors", s.bearer(tok), "")
	if got := ids(t, a); !slices.Equal(got, all) {
		t.Fatalf("connectors %v", got)
	}
	hooli := a.items()[0]
	inst := hooli["institution"].(map[string]any)
	auth := hooli["authorization"].(map[string]any)
	if hooli["method"] != "web" || inst["name"] != "Hooli Bank" || inst["tier"] != "4" || inst["type"] != "Test Bank" ||
		auth["type"] != "user" || auth["meta"].(map[string]any)["login_id_caption"] != "Login" || len(hooli["scopes"].([]any)) == 0 ||
		inst["logo"].(map[string]any)["links"].(map[string]any)["square"] == nil {
		t.Errorf("Hooli's connector: %v", hooli)
	}
	for filter, want := range map[string][]string{
		"connector.method.eq('web')":                                            all,
		"connector.method.eq('open-banking')":                                   nil,
		"connector.id.eq('AU00003')":                                            {"AU00003"},
		"connector.authorization.type.eq('user-mfa')":                           {"AU00002"},
		"connector.authorization.type.in('user-mfa','user-mfa-intermittent')":   {"AU00002", "AU00003"},
		"connector.authorization.type.ne('user')":                               {"AU00002", "AU00003"},
		"connector.stage.eq('live'),connector.institution.tier.in('1','2')":     nil, // data.json's own example
		"connector.stage.in('live','beta')":                                     all,
		"connector.status.ne('major-outage')":                                   all,
		"connector.scopes.eq('account.basic')":                                  all,
		"connector.scopes.in('bank.nothing','transaction.detail')":              all,
		"connector.scopes.ne('account.basic')":                                  nil,
		"connector.scopes.eq('bank.nothing')":                                   nil,
		"connector.institution.country.eq('New Zealand')":                       nil,
		"connector.institution.type.eq('Test Bank'),connector.id.eq('AU00004')": {"AU00004"},
	} {
		if got := ids(t, s.getFiltered("/connectors", filter, tok)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", filter, got, want)
		}
	}
	for _, bad := range []string{"connector.method.eq('fax')", "connector.id.ne('AU00000')", "connector.institution.tier.eq('0')",
		"connector.connectorEngine.eq('chrome')", "institution.tier.eq('4')"} {
		if a := s.getFiltered("/connectors", bad, tok); a.status != 400 || a.errorDetail() != "Filter value is not valid" {
			t.Errorf("%s: %d %s", bad, a.status, a.raw)
		}
	}
	one := s.do("GET", "/connectors/AU00002/web", s.bearer(tok), "")
	if one.status != 200 || one.body["id"] != "AU00002" || one.body["authorization"].(map[string]any)["type"] != "user-mfa" {
		t.Errorf("GET /connectors/AU00002/web: %d %s", one.status, one.raw)
	}
	for path, want := range map[string]struct {
		status int
		code   string
	}{
		"/connectors/AU00000/open-banking": {404, "resource-not-found"}, // web connections only
		"/connectors/AU00001/web":          {404, "resource-not-found"},
		"/connectors/hooli/web":            {400, "parameter-not-valid"},
	} {
		if a := s.do("GET", path, s.bearer(tok), ""); a.status != want.status || a.errorCode() != want.code {
			t.Errorf("%s: %d %s", path, a.status, a.raw)
		}
	}
	if a := s.do("GET", "/connectors", nil, ""); a.status != 401 {
		t.Errorf("no token: %d %s", a.status, a.raw)
	}
}
