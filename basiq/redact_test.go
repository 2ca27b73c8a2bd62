package basiq

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
)

// realTokenAnswers are the simulator's answers to POST /token, as they
// came on the wire (a server token, and a client token for a user), and
// the tokens in them.
func realTokenAnswers(t testing.TB) (answers, tokens []string) {
	t.Helper()
	c, userID, _ := againstSimulator(t)
	answers, tokens, err := basiqtest.TokenAnswers(c.BaseURL(), simulator.DemoAPIKey, userID)
	if err != nil {
		t.Fatal(err)
	}
	return answers, tokens
}

func TestRedactorHidesATokenAnswerCutAnywhere(t *testing.T) {
	answers, tokens := realTokenAnswers(t)
	known := NewRedactor()
	for _, tok := range tokens {
		known.Remember(tok)
	}
	for _, answer := range answers {
		for cut := range len(answer) + 1 {
			for _, part := range []string{answer[:cut], answer[cut:]} {
				if leaked := basiqtest.Leaks(known.String(part), tokens...); len(leaked) > 0 {
					t.Fatalf("%q leaks %q as %q", part, leaked, known.String(part))
				}
				// Unknown tokens go by shape: what is left of the header and payload.
				if out := (*Redactor)(nil).String(part); strings.Contains(out, "eyJhbGciOi") || strings.Contains(out, "eyJzY29wZ") {
					t.Fatalf("%q keeps a JWT's start: %q", part, out)
				}
			}
		}
	}
}

func TestRedactorHidesReencodedAndBrokenTokens(t *testing.T) {
	_, tokens := realTokenAnswers(t)
	tok := tokens[0]
	r := NewRedactor()
	r.Remember(tok)
	for name, in := range map[string]string{
		"escaped e":         `{"access_token":"\u0065` + tok[1:] + `"}`,
		"all escaped":       `"` + uEscape(tok) + `"`,
		"escaped slashes":   strings.ReplaceAll(tok, ".", `\/.`),
		"broken over lines": tok[:40] + "\n   " + tok[40:90] + "\r\n" + tok[90:],
		"spaced":            strings.Join(strings.Split(tok, ""), " "),
		"styled":            "\x1b[31m" + tok[:30] + "\x1b[0m\x1b[1m" + tok[30:] + "\x1b[0m",
		"two answers":       `{"access_token":"` + tok[:100] + `{"access_token":"` + tok + `","expires_in":3600}`,
		"in a query":        "https://consent.basiq.io/home?token=" + tok + "&state=x",
		"without dots":      strings.ReplaceAll(tok, ".", ""),
	} {
		out := r.String(in)
		if leaked := basiqtest.Leaks(out, tok); len(leaked) > 0 {
			t.Errorf("%s: %q leaks %q", name, out, leaked)
		}
		if !strings.Contains(out, Redacted) {
			t.Errorf("%s: nothing redacted in %q", name, out)
		}
	}
}

func uEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		b.WriteString(`\u00` + strings.ToLower(strings.TrimPrefix(hexByte(byte(c)), "0x")))
	}
	return b.String()
}

func hexByte(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func TestRedactorHidesSecretsByName(t *testing.T) {
	for in, want := range map[string]string{
		`{"access_token":"abc.def","token_type":"Bearer"}`:      `{"access_token":"[redacted]","token_type":"Bearer"}`,
		`{"access_token": "abc.d`:                               `{"access_token": "[redacted]`,
		`{"refresh_token":abc,"x":1}`:                           `{"refresh_token":[redacted],"x":1}`,
		`{"secret":"s3cr\"et","id":"a"}`:                        `{"secret":"[redacted]","id":"a"}`,
		`{"note":"{\"password\":\"hunter22\"}"}`:                `{"note":"{\"password\":\"[redacted]\"}"}`,
		`Authorization: Bearer abc.def`:                         `Authorization: Bearer [redacted]`,
		`authorization=Basic Zm9vOmJhcg`:                        `authorization=Basic [redacted]`,
		`scope=CLIENT_ACCESS&userId=u1&password=hunter22&x=1`:   `scope=CLIENT_ACCESS&userId=u1&password=[redacted]&x=1`,
		`https://h/home?token=abc&state=7f1c2a4e`:               `https://h/home?token=[redacted]&state=7f1c2a4e`,
		`{"\u0061ccess_token":"abc"}`:                           `{"\u0061ccess_token":"[redacted]"}`,
		`"client_secret" : "xyz"`:                               `"client_secret" : "[redacted]"`,
		`-H "Authorization: Bearer $BASIQ_TOKEN"`:               `-H "Authorization: Bearer $BASIQ_TOKEN"`,
		`$BASIQ_CONSENT_URL?token=$CLIENT_TOKEN&state=$USER_ID`: `$BASIQ_CONSENT_URL?token=$CLIENT_TOKEN&state=$USER_ID`,
		`{"access_token":"[redacted]","expires_in":3600}`:       `{"access_token":"[redacted]","expires_in":3600}`,
		`jq -r .access_token) and "token_type": "Bearer"`:       `jq -r .access_token) and "token_type": "Bearer"`,
		`{"auth_link":null,"token":null}`:                       `{"auth_link":null,"token":null}`,
		`{"email": "{\"access_token\":\"abc.def", "id": "u1"}`:  `{"email": "{\"access_token\":\"[redacted]", "id": "u1"}`,
		"Loading: {\"access_token\":\"abc.def (400 bad)\nnext":  "Loading: {\"access_token\":\"[redacted] (400 bad)\nnext",
		`{"secret":"two words"}`:                                `{"secret":"[redacted]"}`,
		`Minting a client token for the consent link (POST /to`: `Minting a client token for the consent link (POST /to`,
	} {
		if got := (*Redactor)(nil).String(in); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestRedactorHidesSecretsByShape(t *testing.T) {
	key := base64.StdEncoding.EncodeToString([]byte("3f9a2c1e-8d7b-4a6f-9e5d-1c2b3a4d5e6f:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"))
	for in, hidden := range map[string]string{
		"a key " + key + " in a sentence": key,
		"cut: " + key[:40]:                key[:40],
		"cut in front: " + key[37:]:       key[37:],
		"url-safe " + strings.NewReplacer("+", "-", "/", "_").Replace(key): "",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and on":                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"the secret whsec_abc":                              "whsec_abc",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
		"Bearer eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxIn0":        "eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxIn0",
	} {
		out := (*Redactor)(nil).String(in)
		if !strings.Contains(out, Redacted) || hidden != "" && strings.Contains(out, hidden) {
			t.Errorf("%q: got %q", in, out)
		}
	}
}

func TestRedactorKeepsIdsAndOrdinaryText(t *testing.T) {
	r := NewRedactor()
	r.Remember(testKey)
	r.Remember("eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ")
	for _, in := range []string{
		`{"type":"user","id":"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a","email":"max@example.com"}`,
		`GET /users/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a/jobs?filter=connection.id.eq('a03e4df4-dc05-4cd3-9af0-0f28a13ea614')`,
		`{"correlationId":"0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c","data":[{"code":"resource-not-found"}]}`,
		`correlation id 0f9e8d7c6b5a4f3e8d2c1b0a9f8e7d6c`,
		`https://consent.basiq.io/home?state=7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a`,
		`Savings 123890 · Transaction 14000 · AU00000 · ••0002 · $34,076.00`,
		`curl -s "https://au-api.basiq.io/users/$USER_ID/accounts" -H "Authorization: Bearer $BASIQ_TOKEN" -H "basiq-version: 3.0"`,
		`export BASIQ_TOKEN=$(curl -s -X POST https://au-api.basiq.io/token -H "Authorization: Basic $BASIQ_API_KEY" -d scope=SERVER_ACCESS | jq -r .access_token)`,
		`/users/86c79d8c-5033-46b3-b16e-d6cee4200fb3/connections/ConnectionsWithAVeryLongName`,
		"\x1b[1mUser\x1b[0m 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a",
	} {
		if got := r.String(in); got != in {
			t.Errorf("changed:\n %s\n %s", in, got)
		}
	}
}

func TestRedactorHidesTheKeyItWasGivenAndItsPieces(t *testing.T) {
	const key = "plain-key-with-no-colon-in-it-at-all-0123456789"
	r := NewRedactor()
	r.Remember(key)
	r.Remember("short") // too short to hide wherever it stands
	for _, in := range []string{key, "echo " + key[5:30] + " and", `{"x":"` + key[:20] + `\n` + key[20:] + `"}`} {
		if out := r.String(in); len(basiqtest.Leaks(out, key)) > 0 {
			t.Errorf("%q: %q", in, out)
		}
	}
	if out := r.String("a short word"); out != "a short word" {
		t.Errorf("a secret under 8 bytes is hidden everywhere: %q", out)
	}
}

// BenchmarkRedactorOn64KiB: a trace body at its limit, as Basiq writes a
// page of transactions.
func BenchmarkRedactorOn64KiB(b *testing.B) {
	r := NewRedactor()
	r.Remember(testKey)
	r.Remember("eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ")
	var body strings.Builder
	for body.Len() < TraceBodyLimit {
		body.WriteString(`{"type":"transaction","id":"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a","description":"WOOLWORTHS 1234 SYDNEY AU","amount":"-12.50","account":"acc-1","links":{"self":"https://au-api.basiq.io/users/86c79d8c-5033-46b3-b16e-d6cee4200fb3/transactions/7f1c2a4e"}},`)
	}
	text := CutBytes(body.String(), TraceBodyLimit)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = r.String(text)
	}
}

// FuzzRedactor: whatever bytes surround a token answer cut anywhere, no
// piece of the token survives; JSON stays JSON; a second pass changes
// nothing.
func FuzzRedactor(f *testing.F) {
	answers, tokens := realTokenAnswers(f)
	f.Add([]byte(`{"name":`), []byte(`}`), uint8(0), uint16(40), true)
	f.Add([]byte(`{"name":"x","note":`), []byte(`,"id":"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"}`), uint8(1), uint16(300), true)
	f.Add([]byte("Bearer "), []byte("\x1b[0m\n"), uint8(0), uint16(17), false)
	f.Add([]byte{0xff, '"', '\\'}, []byte(`\u00`), uint8(1), uint16(9), false)
	f.Fuzz(func(t *testing.T, before, after []byte, which uint8, cut uint16, quoted bool) {
		r := NewRedactor()
		for _, tok := range tokens {
			r.Remember(tok)
		}
		a := answers[int(which)%len(answers)]
		at := int(cut) % (len(a) + 1)
		for _, piece := range []string{a[:at], a[at:]} {
			if quoted {
				b, _ := json.Marshal(piece)
				piece = string(b)
			}
			in := string(before) + piece + string(after)
			out := r.String(in)
			if leaked := basiqtest.Leaks(out, tokens...); len(leaked) > 0 {
				t.Fatalf("%q leaks %q: %q", in, leaked, out)
			}
			if json.Valid([]byte(in)) && !json.Valid([]byte(out)) {
				t.Fatalf("JSON became something else:\n in %s\nout %s", in, out)
			}
			if again := r.String(out); again != out {
				t.Fatalf("a second pass changed %q to %q", out, again)
			}
		}
	})
}

func TestARememberedTokenThatHoldsAnIdNeverHidesTheId(t *testing.T) {
	r := NewRedactor()
	r.Remember("client-token-for-" + testUserID)
	out := r.String(`{"id":"` + testUserID + `","token":"x"} client-token-for-` + testUserID)
	if !strings.Contains(out, `{"id":"`+testUserID+`"`) || strings.Contains(out, "client-token-for-"+testUserID) {
		t.Errorf("got %s", out)
	}
}
