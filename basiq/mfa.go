package basiq

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// AnswerMFA answers the multi-factor challenge a job of userID waits on
// (POST /jobs/{jobId}/mfa, {"mfa-response": answers}), with a CLIENT_ACCESS
// token bound to that user, as core.json asks: one is minted when the
// client holds none fresh. Basiq answers 202 when the answer is right and an
// error (400 invalid-credentials) when it is not; either way the job's
// mfa-challenge step says what became of it.
//
// The answers are secrets: the trace shows the body's shape with each
// answer as [redacted], and they are cut from the answer and the error as
// well. A second answer to the same challenge is refused by Basiq, so the
// call is repeated only when it cannot have reached the server.
func (c *Client) AnswerMFA(ctx context.Context, userID, jobID string, answers []string) error {
	if err := ValidateID(userID); err != nil {
		return err
	}
	if err := ValidateID(jobID); err != nil {
		return err
	}
	body, err := json.Marshal(map[string][]string{"mfa-response": answers})
	if err != nil {
		return err
	}
	shown := make([]string, len(answers))
	for i := range shown {
		shown[i] = redacted
	}
	traced, _ := json.Marshal(map[string][]string{"mfa-response": shown})
	req := request{method: http.MethodPost, path: "/jobs/" + jobID + "/mfa", body: body, contentType: "application/json",
		auth: authBearer, retry: retryUnsent, tracedBody: string(traced), hide: answers}
	ctx, cancel := c.withBudget(ctx)
	defer cancel()
	tok, err := c.userToken(ctx, userID)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, req, tok, nil)
	if isTokenRejected(err) {
		c.dropUserToken(userID, tok)
		if tok, err = c.userToken(ctx, userID); err != nil {
			return err
		}
		_, err = c.send(ctx, req, tok, nil)
	}
	return err
}

// userToken is a fresh CLIENT_ACCESS token bound to userID: the one kept
// from before while it has life left, else a new one.
func (c *Client) userToken(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	t := c.userTokens[userID]
	c.mu.Unlock()
	if c.tokenFresh(t) {
		return t.value, nil
	}
	value, expires, err := c.ClientToken(ctx, userID)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.userTokens[userID] = serverToken{value: value, issued: c.clock.Now(), expires: expires}
	c.mu.Unlock()
	return value, nil
}

func (c *Client) dropUserToken(userID, tok string) {
	c.mu.Lock()
	if c.userTokens[userID].value == tok {
		delete(c.userTokens, userID)
	}
	c.mu.Unlock()
}

// hideAll replaces each of secrets in s (those of one request: an MFA
// answer) with [redacted].
func hideAll(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// hide cuts the request's own secrets from everything e prints.
func (e *Error) hide(secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for i := range e.Items {
		it := &e.Items[i]
		it.Title, it.Detail = hideAll(it.Title, secrets), hideAll(it.Detail, secrets)
	}
	e.Body = hideAll(e.Body, secrets)
	if e.cause != nil {
		if msg := errorText(e.cause); hideAll(msg, secrets) != msg {
			e.cause = scrubbedError{msg: hideAll(msg, secrets), err: e.cause}
		}
	}
}
