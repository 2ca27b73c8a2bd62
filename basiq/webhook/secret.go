package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The headers of a delivery, as the Standard Webhooks scheme names them.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
)

// Tolerance is how far a delivery's timestamp may be from the receiver's
// clock: the scheme's (and Basiq's) five minutes.
const Tolerance = 5 * time.Minute

// SecretPrefix starts every secret this package makes.
const SecretPrefix = "whsec_"

// secretBytes is the length of a new secret's key: 256 bits, the HMAC-SHA256
// block's worth of strength (the scheme asks for 24 to 64 bytes).
const secretBytes = 32

// Secret signs and verifies deliveries. Its zero value signs nothing. It
// prints as a placeholder (fmt, %v, errors), never as itself: Reveal gives
// the secret for the one place that shows it.
type Secret struct {
	text string // base64 of the key, without the prefix
	wh   *standardwebhooks.Webhook
}

// NewSecret makes a random secret: "whsec_" and the base64 of 32 bytes.
func NewSecret() (Secret, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return Secret{}, fmt.Errorf("making a webhook secret: %w", err)
	}
	return ParseSecret(SecretPrefix + base64.StdEncoding.EncodeToString(key))
}

// ErrBadSecret is why ParseSecret refused a secret. Its words never include
// the secret.
var ErrBadSecret = errors.New(`a webhook secret is "whsec_" followed by base64 (the prefix may be left out)`)

// ParseSecret reads a secret with or without the "whsec_" prefix (Basiq's
// example secret has none, its security guide's has it), ignoring spaces
// around it, as the Standard Webhooks library does: the rest is the
// base64 of the key.
func ParseSecret(s string) (Secret, error) {
	text := strings.TrimPrefix(strings.TrimSpace(s), SecretPrefix)
	wh, err := standardwebhooks.NewWebhook(text)
	if err != nil {
		if errors.Is(err, standardwebhooks.ErrEmptySecret) || text == "" {
			return Secret{}, fmt.Errorf("%w: this one is empty", ErrBadSecret)
		}
		return Secret{}, ErrBadSecret
	}
	return Secret{text: text, wh: wh}, nil
}

// IsZero reports whether the secret was never set.
func (s Secret) IsZero() bool { return s.wh == nil }

// Reveal is the secret in its "whsec_" form, for the one place that must
// show it (the answer that creates a webhook, listen's start).
func (s Secret) Reveal() string {
	if s.IsZero() {
		return ""
	}
	return SecretPrefix + s.text
}

// String hides the secret, so a secret in a log line or an error stays one.
func (s Secret) String() string {
	if s.IsZero() {
		return "(no secret)"
	}
	return SecretPrefix + "…(hidden)"
}

// GoString hides the secret from %#v too.
func (s Secret) GoString() string { return s.String() }

// Sign gives the webhook-signature of a delivery ("v1,<base64>").
func (s Secret) Sign(id string, at time.Time, body []byte) (string, error) {
	if s.IsZero() {
		return "", errors.New("no webhook secret to sign with")
	}
	return s.wh.Sign(id, at, body)
}

// Verify checks a delivery's signature with the library, and its timestamp
// against now (within Tolerance); now is a parameter so a check of a
// captured delivery, and a test, choose their clock. The errors are the
// library's (errors.Is with ErrMissingHeaders and the others below).
func (s Secret) Verify(body []byte, h http.Header, now time.Time) error {
	if s.IsZero() {
		return errors.New("no webhook secret to verify with")
	}
	if err := s.wh.VerifyIgnoringTimestamp(body, h); err != nil {
		return err
	}
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil { // the library parsed it a moment ago; kept for safety
		return ErrInvalidHeaders
	}
	switch at := time.Unix(ts, 0); {
	case now.Sub(at) > Tolerance:
		return ErrTooOld
	case at.Sub(now) > Tolerance:
		return ErrTooNew
	}
	return nil
}

// The library's verdicts, for errors.Is.
var (
	ErrMissingHeaders = standardwebhooks.ErrRequiredHeaders
	ErrInvalidHeaders = standardwebhooks.ErrInvalidHeaders
	ErrNoMatch        = standardwebhooks.ErrNoMatchingSignature
	ErrTooOld         = standardwebhooks.ErrMessageTooOld
	ErrTooNew         = standardwebhooks.ErrMessageTooNew
)

// key is the HMAC key, for the diagnosis that recomputes a handler's
// mistakes; the text was base64 when ParseSecret accepted it.
func (s Secret) key() []byte {
	k, _ := base64.StdEncoding.DecodeString(s.text)
	return k
}
