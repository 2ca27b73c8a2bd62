package flow

import (
	"context"
	"errors"
	"strings"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// ErrNoAPIKey is why KeyFor found no key: none in the environment, none
// saved for the API, and no terminal to ask at.
var ErrNoAPIKey = errors.New("no API key: set BASIQ_API_KEY (a key is never a flag), or save one for this API by running the wizard in a terminal")

// KeyFor is the API key a command other than the wizard (listen) uses for
// an API, found where the wizard looks: BASIQ_API_KEY (envKey), then the
// key saved for the API's origin, then, where prompt is not nil (a
// terminal on stdin), asked without echo. The key is never a flag.
func KeyFor(ctx context.Context, apiURL, envKey string, keys KeyStore, prompt Prompter) (string, error) {
	if k := strings.TrimSpace(envKey); k != "" {
		return k, nil
	}
	if keys != nil {
		k, err := keys.Load(Origin(apiURL))
		if err != nil {
			return "", err
		}
		if k != "" {
			return k, nil
		}
	}
	if prompt == nil {
		return "", ErrNoAPIKey
	}
	answered := ask(ctx, prompt, qs.Ask{Kind: qs.AskKey}) // the question the wizard asks in line mode
	if answered.Err != nil {
		return "", answered.Err
	}
	if k := strings.TrimSpace(strings.Join(answered.Answers, "")); k != "" {
		return k, nil
	}
	return "", ErrNoAPIKey
}
