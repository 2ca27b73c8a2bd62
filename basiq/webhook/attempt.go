package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

// UserAgent names the sender on every attempt.
const UserAgent = "basiq-onboard-webhooks/1"

// errNoAnswer is the cause of an attempt's context when its bound passed.
var errNoAnswer = errors.New("no answer in time")

// post makes one attempt: signs the message now, POSTs it and reads the
// answer, all within the per-attempt bound.
func (e *Engine) post(ctx context.Context, m Message, to Endpoint, fault FaultKind) Attempt {
	start := time.Now()
	a := Attempt{ID: newUUID(), MessageID: m.ID, EventType: m.EventType, Tag: m.Tag, Time: start, URL: to.URL, Fault: fault}
	signedAt, secret := start, to.Secret
	switch fault {
	case StaleTimestamp:
		signedAt = start.Add(-staleBy)
	case BadSignature:
		secret = e.badSecret
	}
	a.Timestamp = signedAt.Unix()
	sig, err := secret.Sign(m.ID, signedAt, m.Payload)
	if err != nil {
		return e.failed(a, Unreachable, err, start)
	}
	a.Signature = sig

	ctx, cancel := context.WithTimeoutCause(ctx, e.opts.Timeout, errNoAnswer)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return e.failed(a, Unreachable, err, start)
	}
	// Lower case on the wire, as the scheme writes them (HTTP/1.1 names are
	// case-insensitive; some handlers' lookups are not).
	req.Header["content-type"] = []string{"application/json"}
	req.Header.Set("User-Agent", UserAgent) // canonical: under another spelling Go adds its own as well
	req.Header[HeaderID] = []string{m.ID}
	req.Header[HeaderTimestamp] = []string{strconv.FormatInt(a.Timestamp, 10)}
	req.Header[HeaderSignature] = []string{sig}

	resp, err := e.client.Do(req)
	if err != nil {
		return e.failed(a, e.outcomeOf(ctx), err, start)
	}
	defer resp.Body.Close()
	a.Status = resp.StatusCode
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, int64(e.opts.BodyLimit)+1))
	if len(body) > e.opts.BodyLimit {
		body, a.BodyCut = cutRunes(body, e.opts.BodyLimit), true
	}
	if readErr == nil && !a.BodyCut {
		_, _ = io.CopyN(io.Discard, resp.Body, drainLimit) // so the connection carries the next
	}
	a.Body = printable.Text(string(body))
	a.Duration = time.Since(start)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		a.Outcome = Success
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Outcome = Redirected
		a.Location = printable.Text(resp.Header.Get("Location"))
		a.Err = fmt.Sprintf("answered %d, a redirect (not followed)", resp.StatusCode)
		if a.Location != "" {
			a.Err = fmt.Sprintf("answered %d, a redirect to %s (not followed)", resp.StatusCode, a.Location)
		}
	default:
		a.Outcome = Rejected
		a.Err = fmt.Sprintf("answered %d", resp.StatusCode)
	}
	if readErr != nil && a.Outcome == Success {
		a.Err = "the answer's body was cut short: " + printable.Text(readErr.Error())
	}
	return a
}

// outcomeOf tells a request that never got an answer by why it ended.
func (e *Engine) outcomeOf(ctx context.Context) Outcome {
	switch {
	case context.Cause(ctx) == errNoAnswer:
		return TimedOut
	case ctx.Err() != nil:
		return Aborted
	}
	return Unreachable
}

// cutRunes cuts b to at most n bytes, not inside a character.
func cutRunes(b []byte, n int) []byte {
	b = b[:n]
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size > 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

func (e *Engine) failed(a Attempt, o Outcome, err error, start time.Time) Attempt {
	a.Outcome, a.Duration = o, time.Since(start)
	switch o {
	case TimedOut:
		a.Err = "no answer within " + e.opts.Timeout.String()
	case Aborted:
		a.Err = "stopped before an answer came"
	case Unreachable:
		a.Err = printable.Text(unwrapURLError(err).Error())
		var dns *net.DNSError
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			// Said plainly: the usual cause is a handler not started yet, or on another port.
			a.Err = "nothing listens at " + printable.Text(hostOf(a.URL)) + " (connection refused): is the handler running, on that port?"
		case errors.As(err, &dns) && dns.IsNotFound:
			a.Err = "no host is named " + printable.Text(dns.Name) + ": check the host in the handler's URL (localhost?)"
		}
	default:
		a.Err = printable.Text(unwrapURLError(err).Error())
	}
	return a
}

// unwrapURLError drops the `Post "http://…": ` that every client error
// starts with: the attempt has its URL already.
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Post ") {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// hostOf is a URL's host and port, or the URL where it cannot be read.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}
