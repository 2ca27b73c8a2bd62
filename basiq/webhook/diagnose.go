package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Problem is the first thing wrong with a captured delivery.
type Problem string

// The problems Diagnose names. "" is none: the delivery verifies.
const (
	// MissingHeaders: webhook-id, webhook-timestamp or webhook-signature is
	// absent (Diagnosis.Missing says which).
	MissingHeaders Problem = "missing-headers"
	// BadTimestamp: webhook-timestamp is not Unix seconds.
	BadTimestamp Problem = "bad-timestamp"
	// BadSignatureHeader: webhook-signature holds no "v1,<base64>" entry.
	BadSignatureHeader Problem = "bad-signature-header"
	// BodyChanged: the signature is this secret's over another form of the
	// body (Diagnosis.Signed): the body changed after it was signed, most
	// often parsed and written again.
	BodyChanged Problem = "body-changed"
	// OtherSecret: the signature matches nothing this secret makes of this
	// delivery: another secret made it (or the body or headers changed in
	// a way no re-serialisation explains).
	OtherSecret Problem = "other-secret"
	// TimestampOutside: the signature is right, but the timestamp is more
	// than 5 minutes from now: a receiver refuses it.
	TimestampOutside Problem = "timestamp-outside"
)

// Mistake is a handler's mistake in computing a signature.
type Mistake string

// The usual mistakes (Basiq's own Node sample makes the first; stripe's
// most read issue is the re-serialised body).
const (
	// VersionPrefixKept: the signature is right, but compared with a header
	// entry still starting "v1,".
	VersionPrefixKept Mistake = "v1-prefix-kept"
	// WhsecPrefixKept: "whsec_" left on the secret.
	WhsecPrefixKept Mistake = "whsec-prefix-kept"
	// SecretNotDecoded: the secret's base64 text used as the key, not the
	// bytes it decodes to.
	SecretNotDecoded Mistake = "secret-not-decoded"
	// WrongSignedContent: something other than id.timestamp.body signed
	// (ComputedCheck.SignedContent says what).
	WrongSignedContent Mistake = "wrong-signed-content"
	// BodyReserialised: the body signed after it was parsed and written
	// again (ComputedCheck.Form says how).
	BodyReserialised Mistake = "body-reserialised"
	// HexDigest: the HMAC written in hex, not base64.
	HexDigest Mistake = "hex-digest"
	// UnknownMistake: none of the above explains the computed signature.
	UnknownMistake Mistake = "unknown"
)

// Diagnosis is what Diagnose found.
type Diagnosis struct {
	Verified bool
	Problem  Problem  // "" when Verified
	Missing  []string // under MissingHeaders: the headers absent, as the scheme names them
	// SignatureOK: the signature is this secret's over these exact bytes,
	// whatever the timestamp.
	SignatureOK bool
	Timestamp   time.Time     // the webhook-timestamp, where it is one
	Age         time.Duration // now less the timestamp: negative for one in the future
	Expected    string        // the signature this secret gives this delivery ("v1,…")
	Entries     int           // the v1 entries in webhook-signature
	Signed      *SignedForm   // under BodyChanged: the body that was signed
	Computed    *ComputedCheck
	BodyAsJSON  bool // the capture gave the body as JSON, not as its exact bytes
	rawTS       string
	rawSig      string
}

// SignedForm is the form of the body that the signature was made over.
type SignedForm struct {
	Form     string // for a person: "compact, keys sorted"
	Body     []byte
	SameJSON bool // it parses to the same JSON as the captured body: a re-serialised body
}

// ComputedCheck is what a handler's own computed signature shows.
type ComputedCheck struct {
	Computed      string
	Right         bool      // the computation is right (perhaps without its "v1,")
	Mistakes      []Mistake // none when Right and compared with its "v1,"
	SignedContent string    // under WrongSignedContent: what was signed
	Form          string    // under BodyReserialised: the body's form
}

// Diagnose checks a captured delivery with a secret, at the time now, and
// says whether it verifies or the first reason it does not. computed is
// optional: the signature the handler's own code computed, whose mistake
// it names by recomputing the usual wrong ways.
func Diagnose(c Capture, secret Secret, computed string, now time.Time) Diagnosis {
	d := Diagnosis{BodyAsJSON: c.BodyAsJSON}
	h := c.Header
	if h == nil {
		h = http.Header{}
	}
	for _, name := range []string{HeaderID, HeaderTimestamp, HeaderSignature} {
		if strings.TrimSpace(h.Get(name)) == "" {
			d.Missing = append(d.Missing, name)
		}
	}
	if len(d.Missing) > 0 {
		d.Problem = MissingHeaders
		return d
	}
	id, sigHeader := h.Get(HeaderID), h.Get(HeaderSignature)
	d.rawTS, d.rawSig = h.Get(HeaderTimestamp), sigHeader
	ts, err := strconv.ParseInt(strings.TrimSpace(d.rawTS), 10, 64)
	if err != nil {
		d.Problem = BadTimestamp
		return d
	}
	d.Timestamp, d.Age = time.Unix(ts, 0), now.Sub(time.Unix(ts, 0))
	d.Expected, _ = secret.Sign(id, d.Timestamp, c.Body)
	for _, e := range strings.Split(sigHeader, " ") {
		if strings.HasPrefix(e, "v1,") {
			d.Entries++
		}
	}
	if computed = strings.TrimSpace(computed); computed != "" {
		check := checkComputed(computed, secret, id, ts, c.Body)
		d.Computed = &check
	}

	d.SignatureOK = secret.wh.VerifyIgnoringTimestamp(c.Body, h) == nil
	switch {
	case d.SignatureOK && (d.Age > Tolerance || -d.Age > Tolerance):
		d.Problem = TimestampOutside
	case d.SignatureOK:
		d.Verified = true
	case d.Entries == 0:
		d.Problem = BadSignatureHeader
	default:
		d.Problem = OtherSecret
		for _, f := range bodyForms(c.Body) {
			if secret.wh.VerifyIgnoringTimestamp(f.body, h) == nil {
				d.Problem = BodyChanged
				d.Signed = &SignedForm{Form: f.desc, Body: f.body, SameJSON: sameJSON(f.body, c.Body)}
				break
			}
		}
	}
	return d
}

// candidateKey is a key a handler may have made of the secret.
type candidateKey struct {
	key      []byte
	mistakes []Mistake
}

func candidateKeys(s Secret) []candidateKey {
	text := s.text
	keys := []candidateKey{
		{s.key(), nil},
		{[]byte(text), []Mistake{SecretNotDecoded}},
		{[]byte(SecretPrefix + text), []Mistake{WhsecPrefixKept, SecretNotDecoded}},
	}
	// Decoders that skip or map what is not base64 (Node's Buffer.from(s,
	// "base64") reads "_" as "/") turn "whsec_…" into some other key.
	if k, ok := lenientBase64(SecretPrefix + text); ok {
		keys = append(keys, candidateKey{k, []Mistake{WhsecPrefixKept}})
	}
	return keys
}

// lenientBase64 decodes as Node does: "-" and "_" as "+" and "/", padding
// optional, leftover bits dropped.
func lenientBase64(s string) ([]byte, bool) {
	s = strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(s, "="))
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	k, err := base64.RawStdEncoding.DecodeString(s)
	return k, err == nil && len(k) > 0
}

// signedContent is something a handler may have signed instead.
type signedContent struct {
	desc    string // "" for the right content, id.timestamp.body
	content func(id string, ts int64, body []byte) []byte
}

var wrongContents = []signedContent{
	{"the body alone", func(_ string, _ int64, body []byte) []byte { return body }},
	{"timestamp.body, without the id", func(_ string, ts int64, body []byte) []byte { return fmt.Appendf(nil, "%d.%s", ts, body) }},
	{"id.body, without the timestamp", func(id string, _ int64, body []byte) []byte { return fmt.Appendf(nil, "%s.%s", id, body) }},
	{"id.timestamp.body with the timestamp in milliseconds", func(id string, ts int64, body []byte) []byte {
		return fmt.Appendf(nil, "%s.%d.%s", id, ts*1000, body)
	}},
	{"id, timestamp and body without the dots between them", func(id string, ts int64, body []byte) []byte {
		return fmt.Appendf(nil, "%s%d%s", id, ts, body)
	}},
}

// mistakenHMAC is what a handler's wrong code computes over the wrong
// content: the one HMAC here outside the library, because the library only
// ever signs the right content. It never signs or verifies a delivery.
func mistakenHMAC(key, content []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(content)
	return m.Sum(nil)
}

// checkComputed names the handler's mistake: it recomputes the signature
// every usual wrong way (the key, the content, the encoding) and finds
// the way, with the fewest mistakes, that gives what the handler computed.
func checkComputed(computed string, secret Secret, id string, ts int64, body []byte) ComputedCheck {
	check := ComputedCheck{Computed: computed}
	bare := strings.Trim(computed, `"'`)
	withV1 := strings.HasPrefix(bare, "v1,")
	bare = strings.TrimPrefix(bare, "v1,")
	at := time.Unix(ts, 0)

	type way struct {
		mistakes      []Mistake
		mac           []byte
		signedContent string
		form          string
	}
	var ways []way
	forms := bodyForms(body)
	for _, k := range candidateKeys(secret) {
		wh, err := standardwebhooks.NewWebhookRaw(k.key)
		if err != nil {
			continue
		}
		sign := func(b []byte) []byte {
			sig, _ := wh.Sign(id, at, b)
			mac, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sig, "v1,"))
			return mac
		}
		ways = append(ways, way{mistakes: k.mistakes, mac: sign(body)})
		for _, f := range forms {
			ways = append(ways, way{mistakes: append(slices.Clone(k.mistakes), BodyReserialised), mac: sign(f.body), form: f.desc})
		}
		for _, c := range wrongContents {
			ways = append(ways, way{mistakes: append(slices.Clone(k.mistakes), WrongSignedContent), mac: mistakenHMAC(k.key, c.content(id, ts, body)), signedContent: c.desc})
		}
	}
	var best *way
	for _, w := range ways {
		switch {
		case base64.StdEncoding.EncodeToString(w.mac) == bare: // base64 is case-sensitive
		case strings.EqualFold(hex.EncodeToString(w.mac), bare):
			w.mistakes = append(slices.Clone(w.mistakes), HexDigest)
		default:
			continue
		}
		if best == nil || len(w.mistakes) < len(best.mistakes) {
			best = &w
		}
	}
	switch {
	case best == nil:
		check.Mistakes = []Mistake{UnknownMistake}
	case len(best.mistakes) == 0:
		check.Right = true
		if !withV1 {
			check.Mistakes = []Mistake{VersionPrefixKept}
		}
	default:
		check.Mistakes, check.SignedContent, check.Form = best.mistakes, best.signedContent, best.form
	}
	return check
}

// Explain says what the diagnosis found, a sentence a line, in words for
// the person who captured the delivery (webhooks verify prints them).
func (d Diagnosis) Explain() []string {
	var out []string
	switch d.Problem {
	case "":
		out = append(out, "verified: the signature is this secret's over these exact bytes, and the timestamp is within 5 minutes")
	case MissingHeaders:
		out = append(out, fmt.Sprintf("the delivery has no %s: a Standard Webhooks delivery carries webhook-id, webhook-timestamp and webhook-signature (a proxy or the framework may have dropped them, or the capture left them out)", strings.Join(d.Missing, ", ")))
	case BadTimestamp:
		line := fmt.Sprintf("webhook-timestamp is %q, not a time in Unix seconds", printable.Cut(printable.Text(d.rawTS), 40))
		out = append(out, line)
	case BadSignatureHeader:
		out = append(out, fmt.Sprintf(`webhook-signature holds no "v1,<base64>" entry: it is %q`, printable.Cut(printable.Text(d.rawSig), 80)))
	case BodyChanged:
		line := fmt.Sprintf("the body is not the bytes that were signed: the signature matches this body written %s", d.Signed.Form)
		if d.Signed.SameJSON {
			line += ". Both parse to the same JSON: the body was re-serialised (parsed and written again) before it was checked; verify the raw bytes as received, before any JSON parsing"
		}
		out = append(out, line)
	case OtherSecret:
		out = append(out, "the signature was not made with this secret over this body: most likely another secret made it (each webhook has its own, and listen's local secret is neither the simulator's nor Basiq's), or the body changed in a way re-serialising does not explain")
	case TimestampOutside:
		when := fmt.Sprintf("%s old", d.Age.Round(time.Second))
		if d.Age < 0 {
			when = fmt.Sprintf("%s in the future", (-d.Age).Round(time.Second))
		}
		out = append(out, fmt.Sprintf("the signature is right, but the timestamp is %s, more than 5 minutes from now: a handler refuses it as a replay (captured just now? then this machine's clock and the sender's disagree)", when))
	}
	if d.BodyAsJSON {
		out = append(out, `the capture gave "body" as JSON, not as a string of the exact bytes: give the body as the string the handler received`)
	}
	if d.Computed != nil {
		out = append(out, d.Computed.explain(d.Entries)...)
	}
	return out
}

func (c ComputedCheck) explain(entries int) []string {
	if c.Right && len(c.Mistakes) == 0 {
		if entries > 1 {
			return []string{"your code computes the right signature; compare it with each space-separated entry of webhook-signature, not with the whole header"}
		}
		return []string{"your code computes the right signature: the mistake is in how it compares (compare with each space-separated entry, in constant time)"}
	}
	var out []string
	for _, m := range c.Mistakes {
		switch m {
		case VersionPrefixKept:
			out = append(out, `your code computes the right signature, but the header's entries start with "v1,": strip "v1," from each space-separated entry before comparing (or compare with "v1," added)`)
		case WhsecPrefixKept:
			out = append(out, `"whsec_" not removed: strip it from the secret, then base64-decode the rest to get the key`)
		case SecretNotDecoded:
			out = append(out, `the secret not base64-decoded: the key is the bytes the part after "whsec_" decodes to, not its text`)
		case WrongSignedContent:
			out = append(out, fmt.Sprintf("the wrong signed content: your code signed %s; the signed content is webhook-id, \".\", webhook-timestamp, \".\" and the raw body", c.SignedContent))
		case BodyReserialised:
			out = append(out, fmt.Sprintf("your code signed the body re-serialised (%s), not the raw bytes received", c.Form))
		case HexDigest:
			out = append(out, "a hex digest: the signature is the base64 of the HMAC-SHA256, not its hex")
		case UnknownMistake:
			out = append(out, `your computed signature matches none of the usual mistakes ("v1," kept, "whsec_" kept, the secret not decoded, other signed content, a re-serialised body, hex): check that your code uses this secret`)
		}
	}
	return out
}
