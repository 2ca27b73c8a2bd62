package basiq

import (
	"encoding/json"
	"net/http"
	"testing"
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
