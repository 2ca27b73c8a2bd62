package simulator

import (
	"net/http"
	"slices"
	"time"
)

// A user's consent, as GET /users/{id}/consents shows it (core.json's
// UserConsentGetResponses): captured by the consent page's create-consent
// flow, active for a year, then expired; revoked by DELETE …/consents/{id}
// or on the consent page's manage screen.
//
// Revoking or expiring ends the data sharing: "Upon the expiry or revocation
// of user consent, Basiq ensures the swift and secure deletion of all data
// associated with the user's account" (Basiq's docs, "Data governance"), and
// a revoked consent's connections are deleted ("Consent Actions": an update
// revokes the old consent, "resulting in the deletion of all existing
// connections"). So the user's connections go, with their accounts and
// transactions; a refresh of one answers as for any deleted connection, 404
// "Requested resource is not found" ("HTTP errors per endpoint": "It may
// have been deleted"), and refreshing all refreshes none.
type consent struct {
	id                       string
	created, updated, expiry time.Time
	revoked                  time.Time // zero while not revoked
	purged                   bool      // its connections and their data are gone
	warnedFor, remindedFor   time.Time // the expiry consent.warning told, the update consent.reminder did
}

// Basiq's consent events that come with time (its consent-events page and
// GET /events/types): consent.warning 7 days before the consent expires,
// consent.reminder once it has been active 90 days since its last update.
const (
	warnBefore  = 7 * 24 * time.Hour
	remindAfter = 90 * 24 * time.Hour
)

// consentExpiry is when a consent given at from ends: a year, as from
// created to expiryDate in core.json's example consents.
func consentExpiry(from time.Time) time.Time { return from.AddDate(1, 0, 0) }

func (c *consent) status(now time.Time) string {
	switch {
	case !c.revoked.IsZero():
		return "revoked"
	case !now.Before(c.expiry):
		return "expired"
	}
	return "active"
}

// permission is one thing the consent page asks to share.
type permission struct {
	Scope, Entity, Name, Description string
	Attributes                       []string
	Why                              string
}

// policy is what an application asks its users to consent to.
type policy struct {
	Title, Purpose string
	Permissions    []permission
}

// consentPolicyID names consentPolicy in a consent's links.
var consentPolicyID = uuidOf("basiq-onboard simulator", "consent policy")

// consentPolicy is what the simulated application asks for: the consent
// page shows it, and every consent records it.
var consentPolicy = policy{
	Title:   "See your accounts in basiq-onboard",
	Purpose: "basiq-onboard shows your accounts and transactions in your terminal, from this local simulator only.",
	Permissions: []permission{
		{Scope: "customer.person.basic", Entity: "connection", Name: "Your name and contact details",
			Description: "Your name, phone numbers and email addresses.", Attributes: []string{"Name", "Phone", "Email address"},
			Why: "To show whose accounts these are."},
		{Scope: "account.basic", Entity: "account", Name: "Your account names, numbers and balances",
			Description: "The accounts you hold and what is in them.", Attributes: []string{"Name of account", "Type of account", "Account number", "Account balance"},
			Why: "To list your accounts."},
		{Scope: "transaction.detail", Entity: "transaction", Name: "Your transactions for the last 180 days",
			Description: "Money in and out of your accounts.", Attributes: []string{"Amounts", "Dates", "Descriptions of transactions"},
			Why: "To show your latest transactions."},
	},
}

// scopes are what the policy asks to share, as a connector lists them.
func (p policy) scopes() []string {
	var out []string
	for _, perm := range p.Permissions {
		out = append(out, perm.Scope)
	}
	return out
}

// settleConsents raises what time has brought a consent (a warning, a
// reminder, its expiry) and ends the data sharing of a consent that has
// expired or been revoked, once: its connections are deleted, and
// connection.deleted tells each. s.mu is held.
func (s *Server) settleConsents(u *user, now time.Time) {
	for _, c := range u.consents {
		if c.purged {
			continue
		}
		s.consentReminders(u, c, now)
		if c.status(now) == "active" {
			continue
		}
		if c.revoked.IsZero() {
			s.raiseConsent(u, c, "expired", c.expiry)
		}
		c.purged = true
		ended := now
		if c.revoked.IsZero() {
			ended = c.expiry
		}
		for _, cid := range u.conns {
			if conn := s.conns[cid]; !conn.deleted {
				s.raiseConnection(u, conn, "deleted", ended)
			}
			delete(s.conns, cid)
		}
		u.conns = nil
	}
}

// consentReminders raises consent.warning and consent.reminder when their
// time has come for a consent in force, each once for the expiry or the
// update it is about, in the order they fell due.
func (s *Server) consentReminders(u *user, c *consent, now time.Time) {
	if !c.revoked.IsZero() {
		return
	}
	warnAt, remindAt := c.expiry.Add(-warnBefore), c.updated.Add(remindAfter)
	type due struct {
		at        time.Time
		eventType string
	}
	var dues []due
	if !now.Before(warnAt) && now.Before(c.expiry) && !c.warnedFor.Equal(c.expiry) {
		c.warnedFor = c.expiry
		dues = append(dues, due{warnAt, "warning"})
	}
	if !now.Before(remindAt) && remindAt.Before(c.expiry) && !c.remindedFor.Equal(c.updated) {
		c.remindedFor = c.updated
		dues = append(dues, due{remindAt, "reminder"})
	}
	slices.SortFunc(dues, func(a, b due) int { return a.at.Compare(b.at) })
	for _, d := range dues {
		s.raiseConsent(u, c, d.eventType, d.at)
	}
}

// activeConsent is u's consent in force, or nil; s.mu is held.
func (s *Server) activeConsent(u *user, now time.Time) *consent {
	s.settleConsents(u, now)
	for _, c := range u.consents {
		if c.status(now) == "active" {
			return c
		}
	}
	return nil
}

// giveConsent is the create-consent flow: u's consent in force, or a new one.
func (s *Server) giveConsent(u *user, now time.Time) *consent {
	if c := s.activeConsent(u, now); c != nil {
		return c
	}
	c := &consent{id: s.ids.uuid(), created: now, updated: now, expiry: consentExpiry(now)}
	u.consents = append(u.consents, c)
	s.raiseConsent(u, c, "created", now)
	return c
}

// revokeConsent revokes c (when in force) and ends its data sharing.
func (s *Server) revokeConsent(u *user, c *consent, now time.Time) {
	if c.status(now) == "active" {
		c.revoked, c.updated = now, now
		s.raiseConsent(u, c, "revoked", now)
	}
	s.settleConsents(u, now)
}

// extendConsent is the consent page's extend (and, the policy being
// unchanged, update): the consent in force lasts a year from now.
func (s *Server) extendConsent(u *user, now time.Time) (*consent, bool) {
	c := s.activeConsent(u, now)
	if c == nil {
		return nil, false
	}
	c.expiry, c.updated = consentExpiry(now), now
	s.raiseConsent(u, c, "updated", now)
	return c, true
}

func (s *Server) consentBody(r *http.Request, u *user, c *consent, now time.Time) map[string]any {
	return consentBodyOf(s.baseURL(r), u.id, c, now)
}

// consentBodyOf is consentBody from what it shows, for an event's snapshot
// too.
func consentBodyOf(base, userID string, c *consent, now time.Time) map[string]any {
	var permissions []map[string]any
	for _, p := range consentPolicy.Permissions {
		permissions = append(permissions, map[string]any{
			"scope": p.Scope, "required": true, "consented": true, "entity": p.Entity,
			"information": map[string]any{"name": p.Name, "description": p.Description, "attributeList": p.Attributes},
			"purpose":     map[string]any{"title": p.Name, "description": p.Why},
		})
	}
	body := map[string]any{
		"type": "consent", "id": c.id, "created": stamp(c.created), "updated": stamp(c.updated),
		"expiryDate": stamp(c.expiry), "origin": "user", "status": c.status(now),
		"purpose": map[string]any{"primary": map[string]any{"title": consentPolicy.Title, "description": consentPolicy.Purpose}, "other": nil},
		"data":    map[string]any{"retainData": false, "initialRetrievalDays": historyDays, "organisation": nil, "permissions": permissions},
		// The policy consented to and the application's latest: the same, as
		// the simulated policy never changes (core.json's example links both).
		"links": links{"self": base + "/users/" + userID + "/consents/" + c.id,
			"consentPolicy": base + "/policies/" + consentPolicyID, "latestConsentPolicy": base + "/policies/" + consentPolicyID},
	}
	if !c.revoked.IsZero() {
		body["revoked"] = stamp(c.revoked)
	}
	return body
}

// handleConsents is GET /users/{id}/consents, newest first. Basiq's own
// starter kit calls it from the browser, with a client token.
func (s *Server) handleConsents(w http.ResponseWriter, r *http.Request, u *user) {
	now := s.clock.Now()
	data := []map[string]any{}
	for i := len(u.consents) - 1; i >= 0; i-- {
		data = append(data, s.consentBody(r, u, u.consents[i], now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "size": len(data), "data": data, "links": links{"self": s.baseURL(r) + r.URL.Path}})
}

// handleDeleteConsent is DELETE /users/{id}/consents/{cid}: the consent is
// revoked (it stays in the list as revoked, as in core.json's example); 204
// again for one no longer in force.
func (s *Server) handleDeleteConsent(w http.ResponseWriter, r *http.Request, u *user) {
	id := r.PathValue("cid")
	if !validUUID(id) {
		s.fail(w, badParameter("Consent ID value is not valid", "consentId"))
		return
	}
	for _, c := range u.consents {
		if c.id == id {
			s.revokeConsent(u, c, s.clock.Now())
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.fail(w, resourceNotFound("Requested resource is not found"))
}
