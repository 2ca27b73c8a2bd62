package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// demoStepDelayEnv slows or speeds the demo's job steps (tests set 0).
const demoStepDelayEnv = "BASIQ_DEMO_STEP_DELAY"

// startDemo runs the simulator in this process on a free loopback port and
// a client for it with the simulator's demo key.
func startDemo(getenv func(string) string, traces *flow.TraceLog, redact *basiq.Redactor) (flow.Demo, error) {
	delay := 1500 * time.Millisecond
	if v := getenv(demoStepDelayEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return flow.Demo{}, fmt.Errorf("%s=%q: %w", demoStepDelayEnv, v, err)
		}
		delay = d
	}
	srv := simulator.New(simulator.Options{StepDelay: delay})
	baseURL, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return flow.Demo{}, err
	}
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, UserAgent: userAgent(), Trace: traces.Add, Redactor: redact})
	if err != nil {
		srv.Close()
		return flow.Demo{}, err
	}
	return flow.Demo{
		API:         client,
		APIURL:      baseURL,
		ConsentBase: srv.ConsentBase(),
		AutoConsent: func(ctx context.Context, clientToken, institutionID, login, connectionID string) ([]string, error) {
			password, ok := simulator.Persona(login)
			if !ok {
				return nil, fmt.Errorf("%q is not a sandbox login; try %s", login, qs.SandboxPersona)
			}
			// A bank that asks a security question gets the login's sandbox answers.
			answers, _ := simulator.PersonaMFA(login)
			opts := []simulator.ConsentOption{simulator.MFAResponse(answers...)}
			if connectionID != "" {
				opts = append(opts, simulator.UpdateConnection(connectionID)) // consent again on that connection
			}
			return srv.CompleteConsent(ctx, clientToken, institutionID, login, password, opts...)
		},
		Close: func() { srv.Close() },
	}, nil
}
