package basiqtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/charmbracelet/x/ansi"
)

// PieceLen is the shortest piece of a secret that counts as a leak (basiq.PieceLen).
const PieceLen = 16

// Leaks returns the secrets a piece of which (PieceLen characters) is in
// out, as a terminal shows it (escape sequences left out) or once its JSON
// escapes are undone: what a person could read or a script could decode.
func Leaks(out string, secrets ...string) []string {
	shown := ansi.Strip(out)
	views := []string{shown, JSONUnescape(shown)}
	var leaked []string
	for _, s := range secrets {
	pieces:
		for i := 0; i+PieceLen <= len(s); i++ {
			for _, v := range views {
				if strings.Contains(v, s[i:i+PieceLen]) {
					leaked = append(leaked, s[i:i+PieceLen])
					break pieces
				}
			}
		}
	}
	return leaked
}

// JSONUnescape undoes every JSON escape in s, wherever it stands (in a
// string or not, valid JSON or not); what is not an escape stays.
func JSONUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, err := strconv.ParseUint(s[i+2:min(i+6, len(s))], 16, 16)
			if err != nil || i+6 > len(s) {
				b.WriteByte('\\')
				continue
			}
			i += 4
			if utf16.IsSurrogate(rune(r)) && i+8 <= len(s) && s[i+2:i+4] == `\u` {
				if lo, err := strconv.ParseUint(s[i+4:i+8], 16, 16); err == nil {
					if pair := utf16.DecodeRune(rune(r), rune(lo)); pair != '\uFFFD' {
						b.WriteRune(pair)
						i += 7
						continue
					}
				}
			}
			b.WriteRune(rune(r))
		default:
			b.WriteByte('\\')
			continue
		}
		i++
	}
	return b.String()
}

// TokenAnswers are a server's answers to POST /token as they came on the
// wire (a server token's, then a client token's for userID) and the
// tokens in them: what a test of the redactor feeds it, from the simulator.
func TokenAnswers(baseURL, key, userID string) (answers, tokens []string, err error) {
	for _, form := range []url.Values{{"scope": {"SERVER_ACCESS"}}, {"scope": {"CLIENT_ACCESS"}, "userId": {userID}}} {
		req, _ := http.NewRequest(http.MethodPost, baseURL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Authorization", "Basic "+key)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("basiq-version", "3.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.AccessToken == "" {
			return nil, nil, fmt.Errorf("no token in %q: %v", b, err)
		}
		answers, tokens = append(answers, string(b)), append(tokens, tok.AccessToken)
	}
	return answers, tokens, nil
}
