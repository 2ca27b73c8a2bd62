package webhook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/jsonlist"
	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

// MaxCapture bounds a captured delivery: a webhook's body is a few hundred
// bytes, and the diagnosis signs a body some 70 times over (the usual
// mistakes), so this keeps one check within about 100 MiB.
const MaxCapture = 1 << 20

// Capture is a delivery as a handler received it: its headers and the
// exact bytes of its body.
type Capture struct {
	Header http.Header
	Body   []byte
	// BodyAsJSON: the JSON form gave "body" as a JSON value, not as a string
	// of the exact bytes, so Body is that value as the capture wrote it,
	// which may not be what was sent.
	BodyAsJSON bool
}

// ParseCapture reads a captured delivery, in either form:
//
//   - the raw HTTP request ("POST /hook HTTP/1.1", the headers, a blank line,
//     the body), as nc -l or a proxy shows it;
//   - {"headers": {"name": "value", ...}, "body": "<the exact body as a string>"},
//     as a handler can log it (a header's value may be a list).
func ParseCapture(data []byte) (Capture, error) {
	if len(data) > MaxCapture {
		return Capture{}, fmt.Errorf("the capture is %d bytes, more than a delivery (at most %d)", len(data), MaxCapture)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return Capture{}, errors.New("the capture is empty: give the raw HTTP request, or {\"headers\": {...}, \"body\": \"...\"}")
	}
	if trimmed[0] == '{' {
		return parseJSONCapture(trimmed)
	}
	return parseHTTPCapture(trimmed)
}

func parseJSONCapture(data []byte) (Capture, error) {
	var raw struct {
		Headers map[string]json.RawMessage `json:"headers"`
		Body    json.RawMessage            `json:"body"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Capture{}, fmt.Errorf("the capture is not JSON of the form {\"headers\": {...}, \"body\": \"...\"}: %v", err)
	}
	if raw.Headers == nil {
		return Capture{}, errors.New(`the capture has no "headers" object`)
	}
	if raw.Body == nil {
		return Capture{}, errors.New(`the capture has no "body"`)
	}
	c := Capture{Header: http.Header{}}
	for name, v := range raw.Headers {
		values, ok := jsonlist.Strings(v)
		if !ok {
			return Capture{}, fmt.Errorf("the header %q is neither a string nor a list of strings", printable.Text(name))
		}
		for _, s := range values {
			c.Header.Add(name, s)
		}
	}
	var body string
	if err := json.Unmarshal(raw.Body, &body); err == nil {
		c.Body = []byte(body)
	} else {
		c.Body, c.BodyAsJSON = []byte(raw.Body), true
	}
	return c, nil
}

func parseHTTPCapture(data []byte) (Capture, error) {
	line, _, _ := strings.Cut(string(data), "\n")
	if !strings.Contains(line, " HTTP/1.") {
		return Capture{}, fmt.Errorf("the capture is neither JSON nor an HTTP/1.x request: its first line is %q", printable.Cut(printable.Text(strings.TrimSpace(line)), 80))
	}
	br := bufio.NewReader(bytes.NewReader(data))
	req, err := http.ReadRequest(br)
	if err != nil {
		return Capture{}, fmt.Errorf("the capture is not an HTTP request: %v", err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Capture{}, fmt.Errorf("the body is shorter than its Content-Length (%d bytes): the capture was cut or edited", req.ContentLength)
		}
		return Capture{}, fmt.Errorf("the capture's body cannot be read: %v", err)
	}
	if req.Header.Get("Content-Length") == "" && len(req.TransferEncoding) == 0 {
		body, _ = io.ReadAll(br) // no length given: the rest is the body
	}
	return Capture{Header: req.Header, Body: body}, nil
}
