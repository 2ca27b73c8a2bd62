package cli

import (
	"fmt"
	"io"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
)

// checkForwardTo reads the wizard's --forward-to as listen reads its own.
func checkForwardTo(o *options) error {
	if o.forwardTo == "" && !o.forwardToGiven {
		return nil
	}
	to, err := flow.ParseForwardTo(o.forwardTo)
	if err != nil {
		return fmt.Errorf("--forward-to %s", err)
	}
	o.forwardTo = to
	return nil
}

// forwardEvents sets the wizard up to forward its user's events to the
// handler at --forward-to, signed with listen's secret for the API (the
// demo's own slot for --demo: the same secret every demo run), and prints
// where they go and the secret, once, at the start.
func forwardEvents(cfg *flow.Config, o options, stderr io.Writer) error {
	if o.forwardTo == "" {
		return nil
	}
	origin := flow.Origin(cfg.APIURL)
	if o.demo {
		origin = flow.DemoOrigin
	}
	var secret webhook.Secret
	var err error
	kept := "the same every run against this API"
	if o.demo {
		kept = "the same every demo run"
	}
	// ctrl+d can turn a run begun without --demo into the demo: its events
	// are then signed with the demo's secret, never with the API's.
	var demoSecret webhook.Secret
	if store, storeErr := openStore(); storeErr == nil {
		secret, err = flow.ListenStore{Store: store, Origin: origin}.Secret()
		if err == nil && !o.demo {
			demoSecret, err = flow.ListenStore{Store: store, Origin: flow.DemoOrigin}.Secret()
		}
	} else {
		kept = "a new one this run: there is no place to keep it (" + storeErr.Error() + ")"
		if secret, err = webhook.NewSecret(); err == nil && !o.demo {
			demoSecret, err = webhook.NewSecret()
		}
	}
	if err != nil {
		return err
	}
	for _, s := range []webhook.Secret{secret, demoSecret} {
		if !s.IsZero() {
			cfg.Redactor.Remember(s.Reveal()) // hidden in --debug, the inspector and --events, as the key is
		}
	}
	cfg.ForwardTo, cfg.ForwardSecret, cfg.DemoForwardSecret, cfg.Events = o.forwardTo, secret, demoSecret, true
	fmt.Fprintf(stderr, "Forwarding the user's Basiq events to %s, signed with %s (%s).\n", o.forwardTo, secret.Reveal(), kept)
	return nil
}
