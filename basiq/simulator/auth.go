package simulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// apiVersions are the basiq-version values Basiq is known to take; the
// simulator answers each with v3 bodies.
var apiVersions = []string{"2.0", "2.1", "3.0"}

const (
	scopeServer = "SERVER_ACCESS"
	scopeClient = "CLIENT_ACCESS"
	tokenLife   = time.Hour
)

// claims are what a token carries, with the claim names Basiq's own code reads.
type claims struct {
	Scope   string `json:"scope"`
	UserID  string `json:"userid,omitempty"`
	Version string `json:"version"`
	Issued  int64  `json:"iat"`
	Expires int64  `json:"exp"`
	ID      string `json:"jti"` // makes each token unique, even two minted in one second
}

var b64 = base64.RawURLEncoding

// mint makes a JWT-shaped token (HS256 over the simulator's own secret).
func (s *Server) mint(c claims) string {
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(c)
	signed := header + "." + b64.EncodeToString(body)
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(signed))
	return signed + "." + b64.EncodeToString(mac.Sum(nil))
}

// checkToken reads "Bearer <token>" as the real API does: missing or forged
// is 401 invalid-authorization-token; expired is 403 access-denied.
func (s *Server) checkToken(authorization string) (claims, *apiError) {
	invalid := &apiError{status: http.StatusUnauthorized, code: "invalid-authorization-token", title: "Invalid authorization token."}
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return claims{}, invalid
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return claims{}, invalid
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return claims{}, invalid
	}
	body, err := b64.DecodeString(parts[1])
	var c claims
	if err != nil || json.Unmarshal(body, &c) != nil {
		return claims{}, invalid
	}
	if s.clock.Now().Unix() >= c.Expires {
		return claims{}, &apiError{status: http.StatusForbidden, code: "access-denied", title: "Access denied.", detail: "Token has expired"}
	}
	return c, nil
}

// access says who may call a route.
type access int

const (
	serverOnly access = iota // SERVER_ACCESS tokens only
	userScoped               // also a CLIENT_ACCESS token bound to the user in the path
)

// authorize applies the auth matrix of every route but /token.
func (s *Server) authorize(r *http.Request, a access, userID string) (claims, *apiError) {
	c, err := s.checkToken(r.Header.Get("Authorization"))
	if err != nil {
		return c, err
	}
	if c.Scope == scopeServer {
		return c, nil
	}
	if a == serverOnly {
		return c, &apiError{status: http.StatusForbidden, code: "forbidden-access", title: "Forbidden Access", detail: "Access to this resource is forbidden"}
	}
	if userID != "" && c.UserID != userID {
		return c, &apiError{status: http.StatusUnauthorized, code: "unauthorized-access", title: "Unauthorized Access", detail: "You are not authorized to access this resource"}
	}
	return c, nil
}

// handleToken is POST /token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	version := r.Header.Get("basiq-version")
	versionHeader := &source{Parameter: "basiq-version", Pointer: "header/basiq-version"}
	switch {
	case version == "":
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Required parameter not valid",
			detail: "Basiq-version must be specified in HTTP request header", source: versionHeader})
		return
	case !slices.Contains(apiVersions, version):
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Required parameter not valid",
			detail: "Version " + version + " is no longer supported. Please upgrade to the latest version", source: versionHeader})
		return
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied",
			detail: "Authorization header parameter is required", source: &source{Parameter: "Authorization", Pointer: "header/Authorization"}})
		return
	}
	key, ok := strings.CutPrefix(auth, "Basic ")
	if !ok {
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Required parameter not valid",
			detail: "Invalid authorization header", source: &source{Parameter: "Authorization", Pointer: "header/Authorization"}})
		return
	}
	if strings.TrimSpace(key) != DemoAPIKey {
		s.fail(w, &apiError{status: 404, code: "parameter-not-valid", title: "We have encountered an error",
			detail: "Unable to authenticate. Please, check your API key"})
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, &apiError{status: 400, code: "invalid-content", title: "Invalid content", detail: "The body is not a valid form."})
		return
	}
	scope := r.PostForm.Get("scope")
	if scope == "" {
		scope = scopeServer
	}
	now := s.clock.Now()
	c := claims{Scope: scope, Version: version, Issued: now.Unix(), Expires: now.Add(tokenLife).Unix(), ID: s.ids.uuid()}
	switch scope {
	case scopeServer:
	case scopeClient:
		c.UserID = r.PostForm.Get("userId")
		if c.UserID == "" {
			s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied",
				detail: "userId is required for CLIENT_ACCESS tokens", source: &source{Parameter: "userId"}})
			return
		}
	default:
		s.fail(w, &apiError{status: 400, code: "parameter-not-valid", title: "Required parameter not valid",
			detail: "Scope " + scope + " is not supported", source: &source{Parameter: "scope"}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": s.mint(c), "token_type": "Bearer", "expires_in": int(tokenLife.Seconds())})
}
