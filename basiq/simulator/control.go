package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// The simulator's own routes, under /_simulator/ (a server token, as every
// route of the application): not Basiq's, never in its spec, for raising
// on demand what Basiq raises with time or on a person's word.
//
//	POST /_simulator/users/{userId}/consents/{consentId}/expire   consent.expired (its connections deleted)
//	POST /_simulator/users/{userId}/consents/{consentId}/warn     consent.warning: it now expires in 7 days
//	POST /_simulator/users/{userId}/consents/{consentId}/remind   consent.reminder: last updated 90 days ago
//	POST /_simulator/users/{userId}/consents/{consentId}/revoke   consent.revoked, as the user revoking it
//	POST /_simulator/trigger {"eventTypeId", "userId"}            any of the 15, raised for real
//	GET  /_simulator                                              {"type": "simulator"}: this is no Basiq
//
// Each moves the consent's dates as the event says (the consent as GET
// /users/{id}/consents shows it agrees with the event) and answers the
// consent, or the user, with the events raised.

func (s *Server) routeSimulator(mux *http.ServeMux) {
	mux.HandleFunc("POST /_simulator/users/{id}/consents/{cid}/{action}", s.userRoute(serverOnly, s.handleConsentTravel))
	mux.HandleFunc("POST /_simulator/trigger", s.handleTrigger)
	mux.HandleFunc("GET /_simulator", s.handleAbout)
}

// consentTravel are the time-travel actions, by the path's last segment.
var consentTravel = map[string]string{"expire": "expired", "warn": "warning", "remind": "reminder", "revoke": "revoked"}

func (s *Server) handleConsentTravel(w http.ResponseWriter, r *http.Request, u *user) {
	action := r.PathValue("action")
	if _, ok := consentTravel[action]; !ok {
		s.fail(w, resourceNotFound("The simulator can expire, warn, remind or revoke a consent: POST …/consents/{consentId}/expire (or warn, remind, revoke)."))
		return
	}
	id := r.PathValue("cid")
	if !validUUID(id) {
		s.fail(w, badParameter("Consent ID value is not valid", "consentId"))
		return
	}
	i := slices.IndexFunc(u.consents, func(c *consent) bool { return c.id == id })
	if i < 0 {
		s.fail(w, resourceNotFound("Requested resource is not found"))
		return
	}
	c, now := u.consents[i], s.clock.Now()
	if status := c.status(now); status != "active" {
		s.fail(w, badParameter("The consent is "+status+": only a consent in force can be moved in time (expire, warn, remind or revoke).", "consentId"))
		return
	}
	seq := s.ev.seq
	s.travel(u, c, action, now)
	writeJSON(w, http.StatusOK, map[string]any{"consent": s.consentBody(r, u, c, now), "events": s.eventBodies(r, s.raisedSince(seq))})
}

// travel moves a consent in force to where the event falls, and raises it
// (and what follows from it); s.mu is held.
func (s *Server) travel(u *user, c *consent, action string, now time.Time) {
	switch action {
	case "expire":
		c.expiry = now
	case "warn":
		c.expiry = now.Add(warnBefore)
	case "remind":
		c.updated = now.Add(-remindAfter)
		if c.created.After(c.updated) {
			c.created = c.updated
		}
		if !c.expiry.After(now) {
			c.expiry = consentExpiry(c.updated)
		}
	case "revoke":
		s.revokeConsent(u, c, now)
		return
	}
	s.settleConsents(u, now)
}

func (s *Server) eventBodies(r *http.Request, events []*event) []eventBody {
	out := make([]eventBody, len(events))
	for i, e := range events {
		out[i] = s.eventBody(r, e)
	}
	return out
}

// The sandbox login a trigger connects as, and the wrong password that
// makes a connection invalid.
const (
	triggerBank     = "AU00000"
	triggerLogin    = "Wentworth-Smith"
	triggerPassword = "whislter"
	triggerEmail    = "trigger@example.com"
)

// handleTrigger is POST /_simulator/trigger: the event type asked for,
// raised for real, on the user given or on a new one, by doing what makes
// Basiq raise it (a user made, a consent given, a sandbox login, …). An
// event that a job brings (connection.activated, .invalidated,
// account.updated, transactions.updated) comes when the job's step ends:
// "due" says when, "jobId" which job. Everything raised on the way (the
// new user's user.created, …) is raised too, and listed.
func (s *Server) handleTrigger(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, serverOnly, ""); err != nil {
		s.fail(w, err)
		return
	}
	var in struct {
		EventTypeID string `json:"eventTypeId"`
		UserID      string `json:"userId"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
	if err != nil || json.Unmarshal(body, &in) != nil {
		s.fail(w, invalidWebhook(`Posted request not valid: {"eventTypeId": "user.created", "userId": "…" (optional)}.`))
		return
	}
	if _, known := webhook.LookupEventType(in.EventTypeID); !known {
		detail := "Posted eventTypeId doesn't exists: it is one of " + strings.Join(webhook.EventTypeIDs(), ", ") + "."
		if near, ok := webhook.SuggestEventType(in.EventTypeID); ok {
			detail = "Posted eventTypeId doesn't exists. Did you mean " + near + "?"
		}
		s.fail(w, invalidWebhook(detail))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	seq := s.ev.seq
	t, apiErr := s.trigger(r, in.EventTypeID, in.UserID, now)
	if apiErr != nil {
		s.fail(w, apiErr)
		return
	}
	s.advance(now) // a job whose steps take no time has ended already
	out := map[string]any{"type": "trigger", "eventTypeId": in.EventTypeID, "userId": t.user.id, "events": s.eventBodies(r, s.raisedSince(seq))}
	if t.job != nil {
		out["jobId"] = t.job.id
		if i := slices.Index(t.job.steps, t.step); i >= 0 {
			out["due"] = s.schedule(t.job)[i].end.UTC().Format(time.RFC3339Nano) // to the nanosecond: when to look
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

// triggered is what a trigger did: on whom, and the job whose step brings
// the event, if one does.
type triggered struct {
	user *user
	job  *job
	step string
}

// trigger does what raises eventType, for the request r; s.mu is held.
func (s *Server) trigger(r *http.Request, eventType, userID string, now time.Time) (triggered, *apiError) {
	if eventType == "user.created" {
		if userID != "" {
			return triggered{}, badParameter("user.created makes a user: leave out userId.", "userId")
		}
		return triggered{user: s.triggerUser(now)}, nil
	}
	u, apiErr := s.triggerTarget(userID, now)
	if apiErr != nil {
		return triggered{}, apiErr
	}
	t := triggered{user: u}
	switch eventType {
	case "user.updated":
		s.raiseUser(u, "updated", now) // an update that sends the fields the user has
	case "user.deleted":
		s.deleteUser(u, now)
	case "consent.created":
		if c := s.activeConsent(u, now); c != nil {
			return t, badParameter("The user's consent "+c.id+" is in force: trigger consent.revoked first, or leave out userId.", "userId")
		}
		s.giveConsent(u, now)
	case "consent.updated":
		s.giveConsent(u, now)
		s.extendConsent(u, now)
	case "consent.expired", "consent.warning", "consent.reminder", "consent.revoked":
		action := ""
		for a, e := range consentTravel {
			if "consent."+e == eventType {
				action = a
			}
		}
		s.travel(u, s.giveConsent(u, now), action, now)
	case "connection.created", "connection.activated":
		t.job, t.step = s.triggerJob(u, triggerPassword), stepVerify
	case "connection.invalidated":
		t.job, t.step = s.triggerJob(u, "not-"+triggerPassword), stepVerify
	case "connection.deleted":
		c := s.newestConnection(u, now, false)
		if c == nil {
			c = s.conns[s.triggerJob(u, triggerPassword).connID]
		}
		s.deleteConnection(u, c, now)
	case "account.updated", "transactions.updated":
		t.step = stepAccounts
		if eventType == "transactions.updated" {
			t.step = stepTransactions
		}
		if c := s.newestConnection(u, now, true); c != nil {
			t.job = s.jobs[s.refresh(r, u, c, now).ID]
		} else {
			t.job = s.triggerJob(u, triggerPassword)
		}
	}
	if t.job == nil {
		t.step = ""
	}
	return t, nil
}

// triggerUser makes a user, as POST /users does.
func (s *Server) triggerUser(now time.Time) *user {
	u := &user{email: triggerEmail}
	s.createUser(u, now)
	return u
}

// triggerTarget is the user given, or a new one.
func (s *Server) triggerTarget(userID string, now time.Time) (*user, *apiError) {
	if userID == "" {
		return s.triggerUser(now), nil
	}
	if !validUUID(userID) {
		return nil, badParameter("User ID value is not valid", "userId")
	}
	u, ok := s.users[userID]
	if !ok {
		return nil, resourceNotFound("Requested user does not exist.")
	}
	s.settleConsents(u, now)
	return u, nil
}

// triggerJob connects the user to Hooli as the sandbox's Wentworth-Smith
// (consenting first where the user has no consent in force), as the
// consent page does: a connection and its job.
func (s *Server) triggerJob(u *user, password string) *job {
	id, _ := s.connectLocked(u.id, triggerBank, triggerLogin, password, consentRequest{}) // cannot fail: the user and the bank exist
	return s.jobs[id]
}

// newestConnection is u's latest connection that has not been deleted (and
// is active, if asked), or nil.
func (s *Server) newestConnection(u *user, now time.Time, active bool) *connection {
	live := s.liveConnections(u)
	for i := len(live) - 1; i >= 0; i-- {
		if !active || s.connectionStatus(u, live[i], now) == "active" {
			return live[i]
		}
	}
	return nil
}
