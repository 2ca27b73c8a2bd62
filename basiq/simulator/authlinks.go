package simulator

import (
	"net/http"
	"net/url"
	"time"
)

// A user's auth link (core.json's /users/{userId}/auth_link; Basiq's
// "AuthLinks" reference): a URL to send the user, which opens the hosted
// consent for them. It lasts 7 days; a new one replaces the one before; the
// mobile is the body's, else the user's, else the request is refused. Its
// public URL is the simulator's consent page, which skips the SMS code
// Basiq's sends. GET answers 404 once the link is deleted (as Basiq's own
// test of the route expects) and 410 once it has expired (the spec's 410);
// the public URL of a link deleted, replaced or expired answers 410.
type authLink struct {
	id, userID, mobile string
	expires            time.Time
	gone               string // why the link no longer works: "" while it does
}

// authLinkLife is how long an auth link works.
const authLinkLife = 7 * 24 * time.Hour

func (l *authLink) expired(now time.Time) bool { return !now.Before(l.expires) }

// liveAuthLink is u's auth link while it works, or nil; s.mu is held.
func (s *Server) liveAuthLink(u *user, now time.Time) *authLink {
	if l := s.authLinks[u.authLink]; l != nil && l.gone == "" && !l.expired(now) {
		return l
	}
	return nil
}

func (s *Server) routeAuthLinks(mux *http.ServeMux) {
	mux.HandleFunc("POST /users/{id}/auth_link", jsonUserRoute(s, "Posted auth link is not in valid format.", true, s.handleCreateAuthLink))
	mux.HandleFunc("GET /users/{id}/auth_link", s.userRoute(serverOnly, s.handleGetAuthLink))
	mux.HandleFunc("DELETE /users/{id}/auth_link", s.userRoute(serverOnly, s.handleDeleteAuthLink))
	mux.HandleFunc("GET /consent/link/{id}", s.handleAuthLinkPage)
}

func (s *Server) authLinkBody(r *http.Request, l *authLink, withID bool) map[string]any {
	base := s.baseURL(r)
	body := map[string]any{"type": "auth_link", "userId": l.userID, "mobile": l.mobile, "expiresAt": stamp(l.expires),
		"links": links{"self": base + "/users/" + l.userID + "/auth_link", "public": base + "/consent/link/" + l.id}}
	if withID { // the spec's POST answer has no id; its GET answer has
		body["id"] = l.id
	}
	return body
}

// authLinkRequest is the body of POST /users/{id}/auth_link (optional).
type authLinkRequest struct{ Mobile *string }

// handleCreateAuthLink is POST /users/{id}/auth_link, {"mobile": …} optional.
func (s *Server) handleCreateAuthLink(w http.ResponseWriter, r *http.Request, u *user, in authLinkRequest) {
	mobile := u.mobile
	if in.Mobile != nil && *in.Mobile != "" {
		mobile = *in.Mobile
	}
	switch {
	case mobile == "":
		s.fail(w, &apiError{status: 400, code: "parameter-not-supplied", title: "Required parameter not supplied",
			detail: "Mobile is required: send one, or set the user's first.", source: &source{Parameter: "mobile"}})
		return
	case !mobilePattern.MatchString(mobile):
		s.fail(w, badParameter("Provided mobile is in bad format.", "mobile"))
		return
	}
	if old := s.authLinks[u.authLink]; old != nil && old.gone == "" {
		old.gone = "A newer link was made for this user."
	}
	l := &authLink{id: s.ids.uuid(), userID: u.id, mobile: mobile, expires: s.clock.Now().Add(authLinkLife)}
	s.authLinks[l.id] = l
	u.authLink = l.id
	u.authLinks = append(u.authLinks, l.id)
	writeJSON(w, http.StatusCreated, s.authLinkBody(r, l, false))
}

func (s *Server) handleGetAuthLink(w http.ResponseWriter, r *http.Request, u *user) {
	l := s.authLinks[u.authLink]
	switch {
	case l == nil || l.gone != "":
		s.fail(w, resourceNotFound("Requested auth link does not exist."))
	case l.expired(s.clock.Now()):
		s.fail(w, &apiError{status: http.StatusGone, code: "resource-no-longer-available", title: "Requested resource is no longer available",
			detail: "The auth link has expired."})
	default:
		writeJSON(w, http.StatusOK, s.authLinkBody(r, l, true))
	}
}

// handleDeleteAuthLink is DELETE /users/{id}/auth_link: 204, and the link
// stops working; 404 when there is none to delete.
func (s *Server) handleDeleteAuthLink(w http.ResponseWriter, r *http.Request, u *user) {
	l := s.authLinks[u.authLink]
	if l == nil || l.gone != "" {
		s.fail(w, resourceNotFound("Requested auth link does not exist."))
		return
	}
	l.gone = "The link was deleted."
	w.WriteHeader(http.StatusNoContent)
}

// handleAuthLinkPage is an auth link's public URL: while the link works, the
// consent page for its user, with a new client token (as consent.basiq.io
// takes one) and the link's action, state and institutionId passed on.
func (s *Server) handleAuthLinkPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	l := s.authLinks[r.PathValue("id")]
	now := s.clock.Now()
	var why string
	switch {
	case l == nil:
	case l.gone != "":
		why = l.gone
	case l.expired(now):
		why = "It expired on " + pageDay(l.expires) + " (a link lasts 7 days)."
	}
	s.mu.Unlock()
	switch {
	case l == nil:
		s.render(w, http.StatusNotFound, pageData{Stage: "link", Title: "Unknown link", Error: "This simulator made no such link (is it from another run?)."})
		return
	case why != "":
		s.render(w, http.StatusGone, pageData{Stage: "link", Title: "This link no longer works", Error: why})
		return
	}
	token := s.mint(claims{Scope: scopeClient, UserID: l.userID, Version: "3.0", Issued: now.Unix(), Expires: now.Add(tokenLife).Unix(), ID: s.ids.uuid()})
	q := url.Values{"token": {token}}
	for _, k := range []string{"action", "state", "institutionId"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	http.Redirect(w, r, "/consent/home?"+q.Encode(), http.StatusSeeOther)
}
