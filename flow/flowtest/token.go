package flowtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// AccessToken is the access_token in a /token answer ("" in any other), for
// a test that looks for the tokens where they must not be. The body is left
// for whoever reads the answer next.
func AccessToken(resp *http.Response) (string, error) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	var answer struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &answer) // not JSON: no token
	return answer.AccessToken, nil
}
