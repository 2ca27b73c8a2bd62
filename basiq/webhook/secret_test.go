package webhook

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The Standard Webhooks scheme's own test vector (local-webhooks.md).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vectorHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, vectorID)
	h.Set(HeaderTimestamp, fmt.Sprint(vectorTimestamp))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignGivesTheSchemesVector(t *testing.T) {
	for _, text := range []string{vectorSecret, strings.TrimPrefix(vectorSecret, SecretPrefix), "  " + vectorSecret + "\n"} {
		s, err := ParseSecret(text)
		if err != nil {
			t.Fatalf("ParseSecret(%q): %v", text, err)
		}
		sig, err := s.Sign(vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
		if err != nil || sig != vectorSignature {
			t.Errorf("with %q: Sign = %q %v, want %q", text, sig, err, vectorSignature)
		}
		if s.Reveal() != vectorSecret {
			t.Errorf("Reveal() = %q, want the whsec_ form", s.Reveal())
		}
	}
}

func TestVerifyChecksTheSignatureAndTheTimestamp(t *testing.T) {
	s, _ := ParseSecret(vectorSecret)
	at := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorBody)
	if err := s.Verify(body, vectorHeader(vectorSignature), at.Add(4*time.Minute)); err != nil {
		t.Errorf("the vector within 5 minutes: %v", err)
	}
	if err := s.Verify(body, vectorHeader("v1,bm9wZQ== "+vectorSignature), at); err != nil {
		t.Errorf("the vector among several signatures: %v", err)
	}
	for name, c := range map[string]struct {
		body   string
		header http.Header
		now    time.Time
		want   error
	}{
		"a tampered body":     {`{"test": 2432232315}`, vectorHeader(vectorSignature), at, ErrNoMatch},
		"a re-spaced body":    {`{"test":2432232314}`, vectorHeader(vectorSignature), at, ErrNoMatch},
		"too old":             {vectorBody, vectorHeader(vectorSignature), at.Add(6 * time.Minute), ErrTooOld},
		"from the future":     {vectorBody, vectorHeader(vectorSignature), at.Add(-6 * time.Minute), ErrTooNew},
		"no signature header": {vectorBody, func() http.Header { h := vectorHeader(""); h.Del(HeaderSignature); return h }(), at, ErrMissingHeaders},
		"a bad timestamp":     {vectorBody, func() http.Header { h := vectorHeader(vectorSignature); h.Set(HeaderTimestamp, "soon"); return h }(), at, ErrInvalidHeaders},
	} {
		if err := s.Verify([]byte(c.body), c.header, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", name, err, c.want)
		}
	}
	other, _ := NewSecret()
	if err := other.Verify(body, vectorHeader(vectorSignature), at); !errors.Is(err, ErrNoMatch) {
		t.Errorf("another secret: %v", err)
	}
}

func TestNewSecretIsWhsecAndBase64OfRandomBytes(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	text := a.Reveal()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(text, SecretPrefix))
	if !strings.HasPrefix(text, SecretPrefix) || err != nil || len(key) != 32 {
		t.Errorf("NewSecret() = %q, want whsec_ and the base64 of 32 bytes", text)
	}
	if text == b.Reveal() {
		t.Error("two new secrets are the same")
	}
	if _, err := standardwebhooks.NewWebhook(text); err != nil {
		t.Errorf("the library refuses a new secret: %v", err)
	}
}

// Basiq's example secret in webhooks.json has no whsec_ prefix.
func TestASecretWithoutThePrefixIsAccepted(t *testing.T) {
	s, err := ParseSecret("rfiuheo43934")
	if err != nil {
		t.Fatal(err)
	}
	lib, _ := standardwebhooks.NewWebhook("rfiuheo43934")
	want, _ := lib.Sign("m", time.Unix(1, 0), []byte("{}"))
	if got, _ := s.Sign("m", time.Unix(1, 0), []byte("{}")); got != want {
		t.Errorf("Sign = %q, the library %q", got, want)
	}
	if s.Reveal() != "whsec_rfiuheo43934" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestABadSecretIsRefusedWithoutShowingIt(t *testing.T) {
	for _, text := range []string{"", "whsec_", "whsec_not base64!", "hunter2-is-my-secret"} {
		_, err := ParseSecret(text)
		if !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrBadSecret", text, err)
			continue
		}
		if rest := strings.TrimPrefix(text, SecretPrefix); rest != "" && strings.Contains(err.Error(), rest) {
			t.Errorf("the error %q shows the secret", err)
		}
	}
}

func TestASecretNeverPrintsItself(t *testing.T) {
	s, _ := ParseSecret(vectorSecret)
	key := strings.TrimPrefix(vectorSecret, SecretPrefix)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), fmt.Sprintf("%+v", Endpoint{URL: hookURL, Secret: s}), fmt.Errorf("with %v", s).Error()} {
		if strings.Contains(out, key) {
			t.Errorf("%q shows the secret", out)
		}
	}
	if (Secret{}).String() != "(no secret)" || !(Secret{}).IsZero() {
		t.Error("the zero secret")
	}
	if _, err := (Secret{}).Sign("m", time.Now(), nil); err == nil {
		t.Error("the zero secret signed")
	}
}
