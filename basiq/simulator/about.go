package simulator

import "net/http"

// handleAbout is GET /_simulator: what this server is, for a client to
// tell the simulator from Basiq (which has no /_simulator/) before it uses a
// route only the simulator has (trigger does). A server token, as every
// route of the application.
func (s *Server) handleAbout(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, serverOnly, ""); err != nil {
		s.fail(w, err)
		return
	}
	base := s.baseURL(r) + "/_simulator"
	writeJSON(w, http.StatusOK, map[string]any{
		"type": "simulator",
		"name": "basiq-onboard simulator",
		"routes": []string{
			"POST " + base + "/trigger",
			"POST " + base + "/users/{userId}/consents/{consentId}/expire",
			"POST " + base + "/users/{userId}/consents/{consentId}/warn",
			"POST " + base + "/users/{userId}/consents/{consentId}/remind",
			"POST " + base + "/users/{userId}/consents/{consentId}/revoke",
		},
		"links": links{"self": base},
	})
}
