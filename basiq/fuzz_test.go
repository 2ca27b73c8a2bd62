package basiq

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"type":"list","correlationId":"c","data":[{"type":"error","code":"parameter-not-valid","title":"t","detail":"d"}]}`))
	f.Add(400, []byte(`{"type":"list","data":[{"code":"x","source":{"pointer":"users/email"}},{"code":"y","source":null}]}`))
	f.Add(403, []byte(`{"data":[{"source":{}}]}`))
	f.Add(502, []byte(`<!DOCTYPE html><html><body>Bad gateway</body></html>`))
	f.Add(500, []byte(``))
	f.Add(429, []byte(`{"data":"nope"}`))
	f.Add(0, []byte{0xff, '{'})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError(status, http.Header{}, body)
		if e == nil {
			t.Fatal("nil error")
		}
		e.Method, e.Path = "GET", "/x"
		_ = e.Error()
		_ = e.Code() + e.Title() + e.Detail() + e.Field()
		_ = IsBadAPIKey(e) || IsTokenExpired(e) || IsWrongScope(e) || IsNotFound(e) || IsRateLimited(e) || IsUnavailable(e) || IsNetwork(e)
		if e.Body == "" && len(e.Items) == 0 {
			t.Errorf("neither items nor a body description for %q", body)
		}
	})
}

func FuzzDecodeJob(f *testing.F) {
	f.Add([]byte(`{"type":"job","id":"a","created":"2024-09-25T04:14:48Z","steps":[{"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u/accounts?filter=institution.id.eq('AU00000')"}}],"links":{"source":"https://x/users/u/connections/c"}}`))
	f.Add([]byte(`{"steps":[{"status":"failed","result":{"code":"invalid-credentials","details":"d"}},{"status":"pending","result":null}]}`))
	f.Add([]byte(`{"status":"success","steps":[]}`))
	f.Add([]byte(`{"institution":null,"steps":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var j Job
		if json.Unmarshal(body, &j) != nil {
			return
		}
		_ = j.State().String()
		_ = j.InstitutionID() + j.ConnectionID()
		_ = j.StepDone(StepRetrieveAccounts)
		if s := j.FailedStep(); s != nil {
			_ = s.Result.Explanation()
		}
	})
}

// FuzzValidateNewUser holds the form's validator to what it promises: an
// accepted email is within RFC 5321's lengths, has nothing hidden in it and
// parses as one address; an accepted mobile is in international form.
func FuzzValidateNewUser(f *testing.F) {
	f.Add("max@example.com", "+61 410 888 999")
	f.Add("max\u009b@example.com", "")
	f.Add(strings.Repeat("a", 65)+"@example.com", "")
	f.Add(`"a@b"@example.com`, "0412345678")
	f.Add("", "+6141\u202e0888999")
	f.Add("ma\xffx@example.com", "")
	f.Fuzz(func(t *testing.T, email, mobile string) {
		err := NewUser{Email: email, Mobile: mobile}.Validate()
		if err != nil {
			return
		}
		if e := strings.TrimSpace(email); e != "" {
			at := strings.LastIndexByte(e, '@')
			if len(e) > maxEmailOctets || at < 1 || at > maxLocalOctets || strings.IndexFunc(e, printable.Hidden) >= 0 || !utf8.ValidString(e) {
				t.Errorf("accepted email %q", e)
			}
			if _, err := mail.ParseAddress(e); err != nil {
				t.Errorf("accepted email %q that does not parse: %v", e, err)
			}
		}
		if m := NormalizeMobile(mobile); m != "" && !mobilePattern.MatchString(m) {
			t.Errorf("accepted mobile %q", mobile)
		}
	})
}

// FuzzParseJobRefs: whatever is pasted, the ids found are Basiq ids, each once.
func FuzzParseJobRefs(f *testing.F) {
	f.Add("https://example.com/done?jobIds=" + testJobID + "," + testJobID + "&state=x")
	f.Add(testJobID + " " + strings.ToUpper(testJobID))
	f.Add("jobId=%zz")
	f.Add("?#")
	f.Fuzz(func(t *testing.T, pasted string) {
		ids, err := ParseJobRefs(pasted)
		if err != nil {
			if !errors.Is(err, ErrNoJobID) || len(ids) != 0 {
				t.Errorf("ids %q with %v", ids, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if ValidateID(id) != nil || seen[id] {
				t.Errorf("id %q in %q", id, ids)
			}
			seen[id] = true
		}
	})
}
