package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The delivery these tests capture: Basiq's body for user.created, signed
// a minute before the check.
var (
	sentAt   = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	checkAt  = sentAt.Add(time.Minute)
	sentID   = "msg_2x7Lr9"
	sentBody = []byte(`{"eventTypeId":"user.created","eventId":"61723","links":{"event":"https://au-api.basiq.io/events/61723","eventEntity":"https://au-api.basiq.io/users/ea3a81"}}`)
)

func sent(t *testing.T, s Secret) Capture {
	t.Helper()
	sig, err := s.Sign(sentID, sentAt, sentBody)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, sentID)
	h.Set(HeaderTimestamp, fmt.Sprint(sentAt.Unix()))
	h.Set(HeaderSignature, sig)
	h.Set("Content-Type", "application/json")
	return Capture{Header: h, Body: append([]byte(nil), sentBody...)}
}

func vector(t *testing.T) Secret {
	t.Helper()
	s, err := ParseSecret(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func explained(d Diagnosis) string { return strings.Join(d.Explain(), "\n") }

func TestDiagnoseVerifiesAGoodDelivery(t *testing.T) {
	s := vector(t)
	d := Diagnose(sent(t, s), s, "", checkAt)
	if !d.Verified || d.Problem != "" || !d.SignatureOK || d.Age != time.Minute || d.Entries != 1 {
		t.Fatalf("%+v, want verified", d)
	}
	if got := explained(d); !strings.HasPrefix(got, "verified") {
		t.Errorf("Explain: %q", got)
	}
	// The scheme's own vector, in both capture forms.
	raw := "POST /webhooks HTTP/1.1\r\nHost: localhost:3000\r\nwebhook-id: " + vectorID + "\r\nwebhook-timestamp: 1614265330\r\nwebhook-signature: " + vectorSignature + "\r\nContent-Length: 20\r\n\r\n" + vectorBody
	logged := fmt.Sprintf(`{"headers": {"Webhook-Id": %q, "webhook-timestamp": ["1614265330"], "WEBHOOK-SIGNATURE": %q}, "body": %q}`, vectorID, vectorSignature, vectorBody)
	for name, text := range map[string]string{"raw HTTP": raw, "raw HTTP with LF line ends": strings.ReplaceAll(raw, "\r\n", "\n"), "JSON": logged} {
		c, err := ParseCapture([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := Diagnose(c, s, "", time.Unix(vectorTimestamp, 0)); !d.Verified {
			t.Errorf("%s: %v", name, d.Explain())
		}
	}
}

func TestDiagnoseNamesMissingHeaders(t *testing.T) {
	s := vector(t)
	c := sent(t, s)
	c.Header.Del(HeaderSignature)
	c.Header.Del(HeaderID)
	d := Diagnose(c, s, "", checkAt)
	if d.Verified || d.Problem != MissingHeaders || !reflect.DeepEqual(d.Missing, []string{HeaderID, HeaderSignature}) {
		t.Fatalf("%+v, want webhook-id and webhook-signature missing", d)
	}
	if got := explained(d); !strings.Contains(got, "no webhook-id, webhook-signature") {
		t.Errorf("Explain: %q", got)
	}
}

func TestDiagnoseNamesAStaleOrFutureTimestamp(t *testing.T) {
	s := vector(t)
	for now, want := range map[time.Time]string{
		sentAt.Add(2 * time.Hour):     "the timestamp is 2h0m0s old",
		sentAt.Add(-10 * time.Minute): "the timestamp is 10m0s in the future",
	} {
		d := Diagnose(sent(t, s), s, "", now)
		if d.Verified || d.Problem != TimestampOutside || !d.SignatureOK {
			t.Fatalf("%+v, want the signature right and the time outside", d)
		}
		if got := explained(d); !strings.Contains(got, want) || !strings.Contains(got, "signature is right") {
			t.Errorf("Explain: %q, want %q", got, want)
		}
	}
	c := sent(t, s)
	c.Header.Set(HeaderTimestamp, "2026-11-24T14:05:00Z")
	if d := Diagnose(c, s, "", checkAt); d.Problem != BadTimestamp || !strings.Contains(explained(d), `"2026-11-24T14:05:00Z", not a time in Unix seconds`) {
		t.Errorf("a date for a timestamp: %s %q", d.Problem, explained(d))
	}
}

func TestDiagnoseNamesAnotherSecret(t *testing.T) {
	signer := vector(t)
	other := mustSecret(t)
	d := Diagnose(sent(t, signer), other, "", checkAt)
	if d.Verified || d.Problem != OtherSecret || d.SignatureOK {
		t.Fatalf("%+v, want another secret", d)
	}
	if got := explained(d); !strings.Contains(got, "not made with this secret") {
		t.Errorf("Explain: %q", got)
	}
}

// A tampered body (another value, not another layout) fails, and no
// re-serialisation explains it away.
func TestDiagnoseFailsATamperedBody(t *testing.T) {
	s := vector(t)
	c := sent(t, s)
	c.Body = []byte(strings.Replace(string(c.Body), "61723", "61724", 1))
	if d := Diagnose(c, s, "", checkAt); d.Verified || d.Problem != OtherSecret || d.Signed != nil {
		t.Errorf("%+v, want it refused", d)
	}
}

// The body a framework parsed and wrote again: the signature matches the
// bytes that were sent, and the diagnosis says which layout they had.
func TestDiagnoseNamesAReserialisedBody(t *testing.T) {
	s := vector(t)
	var parsed any
	_ = json.Unmarshal(sentBody, &parsed)
	goMap, _ := json.Marshal(parsed) // a map: keys sorted
	var pretty bytes.Buffer          // the keys in their order, as JSON.stringify(v, null, 2)
	_ = json.Indent(&pretty, sentBody, "", "  ")
	for name, c := range map[string]struct {
		body     []byte
		form     string
		sameJSON bool
	}{
		"Go's map, keys sorted": {goMap, "compact, keys in the order eventTypeId, eventId, links", true},
		"JSON.stringify(v,0,2)": {pretty.Bytes(), "compact", true},
		"a newline added":       {append(append([]byte(nil), sentBody...), '\n'), "as captured, without the newline at the end", true},
		"CRLF from a copy":      {[]byte(strings.ReplaceAll(pretty.String()+"\n", "\n", "\r\n")), "compact", true},
		"padded by an editor":   {[]byte("  " + string(sentBody) + "  \n"), "without the spaces around it", true},
		"Python's json.dumps":   {[]byte(strings.NewReplacer(`":`, `": `, `",`, `", `).Replace(string(sentBody))), "compact", true},
	} {
		capture := sent(t, s)
		capture.Body = c.body
		d := Diagnose(capture, s, "", checkAt)
		if d.Problem != BodyChanged || d.Signed == nil || d.Signed.Form != c.form || d.Signed.SameJSON != c.sameJSON || string(d.Signed.Body) != string(sentBody) {
			t.Errorf("%s: %s %+v, want the body changed, signed %q", name, d.Problem, d.Signed, c.form)
			continue
		}
		if got := explained(d); !strings.Contains(got, "written "+c.form) || !strings.Contains(got, "re-serialised") {
			t.Errorf("%s: Explain: %q", name, got)
		}
	}
}

// The largest capture is checked without trying hundreds of
// re-serialisations of it.
func TestDiagnoseOfTheLargestCaptureIsBounded(t *testing.T) {
	s := vector(t)
	c := sent(t, s)
	c.Body = []byte(`{"k":"` + strings.Repeat("x", MaxCapture-16) + `"}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d := Diagnose(c, s, "v1,abc", checkAt)
	runtime.ReadMemStats(&after)
	if d.Problem != OtherSecret || d.Computed == nil {
		t.Errorf("%s %+v", d.Problem, d.Computed)
	}
	if used := after.TotalAlloc - before.TotalAlloc; used > 150<<20 {
		t.Errorf("one diagnosis of a 1 MiB body allocated %d MiB", used>>20)
	}
}

// A map's re-marshal of a two-key body, sorted and indented, is traced back
// to the order it was sent in.
func TestDiagnoseTracesATwoKeyBodyBackToItsOrder(t *testing.T) {
	s := vector(t)
	body := []byte(`{"eventTypeId":"user.created","eventId":"e1"}`)
	sig, _ := s.Sign(sentID, sentAt, body)
	c := Capture{Header: http.Header{}, Body: []byte("{\n  \"eventId\": \"e1\",\n  \"eventTypeId\": \"user.created\"\n}")}
	c.Header.Set(HeaderID, sentID)
	c.Header.Set(HeaderTimestamp, fmt.Sprint(sentAt.Unix()))
	c.Header.Set(HeaderSignature, sig)
	d := Diagnose(c, s, "", checkAt)
	if d.Problem != BodyChanged || d.Signed == nil || d.Signed.Form != "compact, keys in the order eventTypeId, eventId" {
		t.Errorf("%s %+v", d.Problem, d.Signed)
	}
}

func TestDiagnoseNamesAMalformedSignatureHeader(t *testing.T) {
	s := vector(t)
	c := sent(t, s)
	c.Header.Set(HeaderSignature, strings.TrimPrefix(c.Header.Get(HeaderSignature), "v1,"))
	if d := Diagnose(c, s, "", checkAt); d.Problem != BadSignatureHeader || !strings.Contains(explained(d), `no "v1,<base64>" entry`) {
		t.Errorf("%s: %q", d.Problem, explained(d))
	}
}

// What a handler's wrong code computes, each of the usual ways: the test
// writes the handler's HMAC itself, as the handler would.
func handlerHMAC(key []byte, content string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(content))
	return m.Sum(nil)
}

func TestDiagnoseNamesTheHandlersMistake(t *testing.T) {
	s := vector(t)
	keyText := strings.TrimPrefix(vectorSecret, SecretPrefix)
	key, _ := base64.StdEncoding.DecodeString(keyText)
	right := fmt.Sprintf("%s.%d.%s", sentID, sentAt.Unix(), sentBody)
	b64 := base64.StdEncoding.EncodeToString
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, sentBody, "", "  ")
	nodeKey, _ := base64.RawStdEncoding.DecodeString(strings.ReplaceAll(vectorSecret, "_", "/"))

	for name, c := range map[string]struct {
		computed string
		right    bool
		mistakes []Mistake
		says     string
	}{
		"right":                        {"v1," + b64(handlerHMAC(key, right)), true, nil, "computes the right signature"},
		"v1, not stripped":             {b64(handlerHMAC(key, right)), true, []Mistake{VersionPrefixKept}, `strip "v1," from each`},
		"whsec_ kept, as a string key": {b64(handlerHMAC([]byte(vectorSecret), right)), false, []Mistake{WhsecPrefixKept, SecretNotDecoded}, `"whsec_" not removed`},
		"whsec_ kept, Node's base64":   {b64(handlerHMAC(nodeKey, right)), false, []Mistake{WhsecPrefixKept}, `"whsec_" not removed`},
		"the secret not decoded":       {b64(handlerHMAC([]byte(keyText), right)), false, []Mistake{SecretNotDecoded}, "not base64-decoded"},
		"the body alone signed":        {b64(handlerHMAC(key, string(sentBody))), false, []Mistake{WrongSignedContent}, "your code signed the body alone"},
		"no id in the content":         {b64(handlerHMAC(key, fmt.Sprintf("%d.%s", sentAt.Unix(), sentBody))), false, []Mistake{WrongSignedContent}, "timestamp.body, without the id"},
		"milliseconds":                 {b64(handlerHMAC(key, fmt.Sprintf("%s.%d.%s", sentID, sentAt.UnixMilli(), sentBody))), false, []Mistake{WrongSignedContent}, "in milliseconds"},
		"a re-serialised body signed":  {b64(handlerHMAC(key, fmt.Sprintf("%s.%d.%s", sentID, sentAt.Unix(), pretty.Bytes()))), false, []Mistake{BodyReserialised}, "re-serialised (indented by 2)"},
		"hex":                          {hex.EncodeToString(handlerHMAC(key, right)), false, []Mistake{HexDigest}, "hex digest"},
		"hex of the body, raw key":     {hex.EncodeToString(handlerHMAC([]byte(keyText), string(sentBody))), false, []Mistake{SecretNotDecoded, WrongSignedContent, HexDigest}, "the body alone"},
		"nothing known":                {"v1,bm90IGEgc2lnbmF0dXJl", false, []Mistake{UnknownMistake}, "none of the usual mistakes"},
	} {
		d := Diagnose(sent(t, s), s, c.computed, checkAt)
		if !d.Verified {
			t.Fatalf("%s: the capture itself should verify: %v", name, d.Explain())
		}
		got := d.Computed
		if got == nil || got.Right != c.right || !reflect.DeepEqual(got.Mistakes, c.mistakes) {
			t.Errorf("%s: %+v, want right %v, mistakes %v", name, got, c.right, c.mistakes)
			continue
		}
		if text := explained(d); !strings.Contains(text, c.says) {
			t.Errorf("%s: Explain: %q, want %q", name, text, c.says)
		}
	}
}

func TestParseCaptureReadsBothForms(t *testing.T) {
	body := `{"a": 1}` + "\n"
	for name, c := range map[string]struct {
		text string
		body string
		json bool
	}{
		"no Content-Length: the rest": {"POST /h HTTP/1.1\nwebhook-id: m\n\n" + body, body, false},
		"Content-Length counts":       {"POST /h HTTP/1.1\r\nContent-Length: 8\r\n\r\n" + body, `{"a": 1}`, false},
		"chunked":                     {"POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n" + body + "\r\n0\r\n\r\n", body, false},
		"a JSON string body":          {`  {"headers": {}, "body": "{\"a\": 1}\n"}`, body, false},
		"a JSON object body":          {`{"headers": {"x": ["1", "2"]}, "body": {"a":   1}}`, `{"a":   1}`, true},
	} {
		got, err := ParseCapture([]byte(c.text))
		if err != nil || string(got.Body) != c.body || got.BodyAsJSON != c.json {
			t.Errorf("%s: %q (as JSON %v) %v, want %q", name, got.Body, got.BodyAsJSON, err, c.body)
		}
	}
	if c, _ := ParseCapture([]byte(`{"headers": {"x": ["1", "2"]}, "body": ""}`)); !reflect.DeepEqual(c.Header.Values("X"), []string{"1", "2"}) {
		t.Errorf("a header's list: %v", c.Header)
	}
	for text, want := range map[string]string{
		"":                                  "the capture is empty",
		"hello there":                       `neither JSON nor an HTTP/1.x request: its first line is "hello there"`,
		"{nope":                             "not JSON of the form",
		`{"body": "x"}`:                     `no "headers" object`,
		`{"headers": {}}`:                   `no "body"`,
		`{"headers": {"a": 1}, "body": ""}`: `the header "a" is neither a string nor a list`,
		"POST /h HTTP/1.1\r\nContent-Length: 50\r\n\r\n{}": "shorter than its Content-Length (50 bytes)",
		"POST /h HTTP/1.1\r\nbad header\r\n\r\n":           "not an HTTP request",
	} {
		if _, err := ParseCapture([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCapture(%q) = %v, want %q", text, err, want)
		}
	}
	if _, err := ParseCapture(make([]byte, MaxCapture+1)); err == nil {
		t.Error("a capture past the bound was read")
	}
}

func FuzzParseCapture(f *testing.F) {
	s, _ := ParseSecret(vectorSecret)
	f.Add([]byte("POST /webhooks HTTP/1.1\r\nwebhook-id: " + vectorID + "\r\nwebhook-timestamp: 1614265330\r\nwebhook-signature: " + vectorSignature + "\r\nContent-Length: 20\r\n\r\n" + vectorBody))
	f.Add([]byte(`{"headers": {"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,x"}, "body": "{\"k\": [1, 2.50, \"\u00e9<\"]}"}`))
	f.Add([]byte(`{"headers": {}, "body": {"a": {"b": [true, null]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCapture(data)
		if err != nil {
			return
		}
		d := Diagnose(c, s, "v1,abc", time.Unix(vectorTimestamp, 0))
		if len(d.Explain()) == 0 {
			t.Errorf("no explanation for %+v", d)
		}
		if d.Verified != (d.Problem == "") {
			t.Errorf("verified %v with the problem %q", d.Verified, d.Problem)
		}
	})
}
