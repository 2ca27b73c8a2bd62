package simulator

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A user's connections (basiq-api.md §7, data.json): listed, fetched one by
// one with its accounts and the profile the bank gave, deleted (the data
// stays on the user), refreshed one at a time or all at once.

// lookupConnection finds the path's connection of u; s.mu is held.
func (s *Server) lookupConnection(w http.ResponseWriter, r *http.Request, u *user) (*connection, bool) {
	id := r.PathValue("cid")
	if !validUUID(id) {
		s.fail(w, badParameter("Connection ID value is not valid", "connectionId"))
		return nil, false
	}
	c := s.userConnection(u, id)
	if c == nil {
		s.fail(w, resourceNotFound("Requested resource is not found"))
		return nil, false
	}
	return c, true
}

// liveConnections are u's connections that have not been deleted.
func (s *Server) liveConnections(u *user) []*connection {
	var out []*connection
	for _, cid := range u.conns {
		if c := s.conns[cid]; !c.deleted {
			out = append(out, c)
		}
	}
	return out
}

// connectionStatus is pending until a job has logged in (active) or failed
// (invalid); the latest job to find out decides.
func (s *Server) connectionStatus(u *user, c *connection, now time.Time) string {
	status := "pending"
	for _, jid := range u.jobs {
		j := s.jobs[jid]
		if j.connID != c.id {
			continue
		}
		switch s.loginOutcome(j, now) {
		case "done":
			status = "active"
		case "failed":
			status = "invalid"
		}
	}
	return status
}

// lastUsed is the last time a job logged in to the bank, or the creation.
func (s *Server) lastUsed(u *user, c *connection, now time.Time) time.Time {
	last := c.created
	for _, jid := range u.jobs {
		if j := s.jobs[jid]; j.connID == c.id {
			if st, _ := s.stateOf(j, stepVerify, now); st.status == "success" && st.end.After(last) {
				last = st.end
			}
		}
	}
	return last
}

// connectionBody is a connection as the list shows it.
func (s *Server) connectionBody(r *http.Request, u *user, c *connection, now time.Time) map[string]any {
	return connectionBodyOf(s.baseURL(r), u.id, c, s.connectionStatus(u, c, now), s.lastUsed(u, c, now))
}

// connectionBodyOf is connectionBody from what it shows, for an event's
// snapshot too.
func connectionBodyOf(base, userID string, c *connection, status string, lastUsed time.Time) map[string]any {
	userURL := base + "/users/" + userID
	filter := "?filter=" + url.QueryEscape("institution.id.eq('"+c.institution+"')")
	return map[string]any{
		"type": "connection", "id": c.id, "method": webMethod, "status": status,
		"createdDate": stamp(c.created), "lastUsed": stamp(lastUsed), "expiryDate": "", // set for open banking only
		"institution": ref{Type: "institution", ID: c.institution, Links: links{"self": base + "/institutions/" + c.institution}},
		"links": links{"self": userURL + "/connections/" + c.id, "accounts": userURL + "/accounts" + filter,
			"transactions": userURL + "/transactions" + filter, "institution": base + "/institutions/" + c.institution},
	}
}

func (s *Server) handleConnections(w http.ResponseWriter, r *http.Request, u *user) {
	filters, ok := connectionFilters.fromRequest(s, w, r)
	if !ok {
		return
	}
	now := s.clock.Now()
	data := []map[string]any{}
	for _, c := range s.liveConnections(u) {
		if body := s.connectionBody(r, u, c, now); connectionFilters.match(body, filters) {
			data = append(data, body)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "data": data, "links": links{"self": s.baseURL(r) + r.URL.Path}})
}

// handleConnection is GET /users/{id}/connections/{cid}: the list's fields,
// the accounts retrieved so far, the profile of the persona logged in (the
// sandbox's names, nothing more) and a link to the user.
func (s *Server) handleConnection(w http.ResponseWriter, r *http.Request, u *user, c *connection) {
	now := s.clock.Now()
	body := s.connectionBody(r, u, c, now)
	body["links"].(links)["user"] = s.baseURL(r) + "/users/" + u.id
	accounts := []map[string]any{}
	for _, a := range s.accountBodies(r, u, now) {
		if a.Connection == c.id {
			accounts = append(accounts, map[string]any{
				"type": a.Type, "id": a.ID, "name": a.Name, "currency": a.Currency, "class": a.Class, "accountNo": a.AccountNo,
				"availableFunds": a.AvailableFunds, "balance": a.Balance, "lastUpdated": a.LastUpdated, "status": a.Status,
				"links": links{"self": a.Links["self"], "transactions": a.Links["transactions"]},
			})
		}
	}
	body["accounts"] = map[string]any{"type": "list", "data": accounts}
	if name := c.persona.Name; name != "" {
		first, last, _ := strings.Cut(name, " ")
		body["profile"] = map[string]any{"fullName": name, "firstName": first, "middleName": "", "lastName": last,
			"emailAddresses": []string{}, "phoneNumbers": []string{}, "physicalAddresses": []any{}}
	}
	writeJSON(w, http.StatusOK, body)
}

// handleDeleteConnection is DELETE /users/{id}/connections/{cid}: 204, and
// the connection is gone from the lists while its accounts and transactions
// stay on the user (Basiq's connection reference). Basiq's own starter kit
// deletes connections from the browser, with a client token.
func (s *Server) handleDeleteConnection(w http.ResponseWriter, r *http.Request, u *user, c *connection) {
	s.deleteConnection(u, c, s.clock.Now())
	w.WriteHeader(http.StatusNoContent)
}

// deleteConnection takes c off the lists (its data stays), and
// connection.deleted tells it; s.mu is held.
func (s *Server) deleteConnection(u *user, c *connection, now time.Time) {
	c.deleted = true
	s.raiseConnection(u, c, "deleted", now)
}

// refresh starts a job that logs in to c's bank again; s.mu is held. A
// refresh while a job of this connection is still running returns that job
// (basiq-api.md §2). The sandbox's failing logins fail the same way every
// time, and a bank that asks a challenge asks it again: Basiq does not
// refresh such connections by itself, "because the user needs to be
// present" (its v2.1 upgrade notes).
func (s *Server) refresh(r *http.Request, u *user, c *connection, now time.Time) ref {
	var running *job
	for i := len(u.jobs) - 1; i >= c.dataFrom && running == nil; i-- { // one from before a purge would bring nothing back
		if j := s.jobs[u.jobs[i]]; j.connID == c.id && !s.finished(j, now) {
			running = j
		}
	}
	if running == nil {
		running = s.newJob(u, c, now)
	}
	return ref{Type: "job", ID: running.id, Links: links{"self": s.baseURL(r) + "/jobs/" + running.id}}
}

// handlePurge is POST …/connections/{cid}/purge (data.json): the
// connection's accounts and transactions go and the connection stays, to be
// refreshed ("first purge and then refresh connections"). Only an active
// connection can be purged.
func (s *Server) handlePurge(w http.ResponseWriter, r *http.Request, u *user, c *connection) {
	if s.connectionStatus(u, c, s.clock.Now()) != "active" {
		s.fail(w, badParameter("Purging is only applicable for active connections.", "connectionId"))
		return
	}
	c.dataFrom = len(u.jobs)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request, u *user, c *connection) {
	writeJSON(w, http.StatusAccepted, s.refresh(r, u, c, s.clock.Now()))
}

// handleRefreshAll is POST /users/{id}/connections/refresh: 202 and a list
// of the jobs, one a connection (none for a user with no connections).
func (s *Server) handleRefreshAll(w http.ResponseWriter, r *http.Request, u *user) {
	now := s.clock.Now()
	data := []ref{}
	for _, c := range s.liveConnections(u) {
		data = append(data, s.refresh(r, u, c, now))
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"type": "list", "data": data})
}
