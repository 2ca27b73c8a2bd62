package simulator

import "net/http"

// apiError is one Basiq error; fail writes it in Basiq's list body.
type apiError struct {
	status              int
	code, title, detail string
	source              *source
}

type source struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

type errorItem struct {
	Type   string  `json:"type"`
	Code   string  `json:"code"`
	Title  string  `json:"title,omitempty"`
	Detail string  `json:"detail,omitempty"`
	Source *source `json:"source"` // always an object: the spec requires it on some statuses
}

// fail writes {"type":"list","correlationId":…,"data":[{"type":"error",…}]}.
func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	if e.source == nil {
		e.source = &source{} // real answers show {} (or null, or nothing); {} is what the spec accepts
	}
	writeJSON(w, e.status, map[string]any{
		"type":          "list",
		"correlationId": s.ids.uuid(),
		"data":          []errorItem{{Type: "error", Code: e.code, Title: e.title, Detail: e.detail, Source: e.source}},
	})
}

// resourceNotFound is Basiq's 404 for an id it does not know.
func resourceNotFound(detail string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "resource-not-found", title: "Requested resource is not found", detail: detail}
}

// badParameter is Basiq's 400 for a parameter it cannot take.
func badParameter(detail, parameter string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "parameter-not-valid", title: "Parameter not valid.", detail: detail, source: &source{Parameter: parameter}}
}

// internalError is a 500 for what went wrong inside the simulator itself.
func internalError(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "internal-server-error", title: "Internal Server error.", detail: err.Error()}
}
