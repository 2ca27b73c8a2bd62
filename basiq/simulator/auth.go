package simulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
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
	form, err := readTokenForm(w, r)
	if err != nil {
		s.fail(w, err)
		return
	}
	scope := form.Get("scope")
	switch {
	case scope == "" && len(form) == 0:
		scope = scopeServer // no body at all: what Basiq's old SDKs sent for a server token (basiq-api.md §1)
	case scope == "":
		// Something was asked for, but not a scope: guessing one could widen it.
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied",
			detail: "scope is required: SERVER_ACCESS, or CLIENT_ACCESS with a userId", source: &source{Parameter: "scope"}})
		return
	}
	now := s.clock.Now()
	c := claims{Scope: scope, Version: version, Issued: now.Unix(), Expires: now.Add(tokenLife).Unix(), ID: s.ids.uuid()}
	switch scope {
	case scopeServer:
	case scopeClient:
		c.UserID = form.Get("userId")
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

// maxFormBody bounds the body of POST /token: a form of two short fields.
const maxFormBody = 64 << 10

// readTokenForm reads POST /token's form whatever the Content-Type says (or
// without one): lukasaron/basiq-go sends "scope=CLIENT_ACCESS&userId=…" with
// no Content-Type, and a form left unread would have given that browser's
// token full server rights. A body that cannot be a form is refused with
// Basiq's errors, so nothing is ever guessed from it.
func readTokenForm(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxFormBody); err != nil {
			return nil, notAForm
		}
		return r.PostForm, nil
	}
	if media == "application/json" {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported-content-type", title: "Unsupported content type",
			detail: "Content type application/json is not supported on requested endpoint.", source: &source{Parameter: "Content-Type", Pointer: "header/Content-Type"}}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBody))
	if err != nil {
		return nil, notAForm
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, notAForm
	}
	return form, nil
}

// notAForm is shared: its source is set so that fail never writes to it.
var notAForm = &apiError{status: http.StatusBadRequest, code: "invalid-content", title: "Invalid content", detail: "The body is not a valid form.", source: &source{}}
