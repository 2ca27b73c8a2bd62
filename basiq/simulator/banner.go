package simulator

import (
	"fmt"
	"io"
	"time"
)

// WriteBanner is what `basiq-onboard simulator` prints once the server has
// started: first the three export lines a shell can paste or eval, then how
// to use it. faultSpec is the --faults spec the server was made with.
func (s *Server) WriteBanner(w io.Writer, faultSpec string) {
	fmt.Fprintf(w, "export BASIQ_API_URL=%s\n", s.base)
	fmt.Fprintf(w, "export BASIQ_API_KEY=%s\n", DemoAPIKey)
	fmt.Fprintf(w, "export BASIQ_CONSENT_URL=%s\n", s.ConsentBase())
	fmt.Fprintf(w, "# A local Basiq on %s (job steps take %s each). Point the wizard at it:\n", s.base, s.opts.StepDelay)
	fmt.Fprintf(w, "#   paste the three export lines above into another shell, then run: basiq-onboard\n")
	fmt.Fprintf(w, "# Or curl it, as the exported script does; a server token first:\n")
	for _, line := range serverTokenCall() {
		fmt.Fprintf(w, "#   %s\n", line)
	}
	fmt.Fprintf(w, "# Sandbox login: Hooli Bank · Wentworth-Smith / whislter. ctrl+c stops it; nothing is written to disk.\n")
	fmt.Fprintf(w, "# Its events to your webhook handler: basiq-onboard listen --forward-to 3000; raise one: basiq-onboard trigger user.created\n")
	if !s.opts.Faults.none() {
		fmt.Fprintf(w, "# Misbehaving on purpose (--faults %s): the API only, not the consent page.\n", faultSpec)
	}
	if scale := s.opts.WebhookTimeScale; scale != 0 && scale != 1 {
		fmt.Fprintf(w, "# Webhook retries come at %g times Basiq's schedule (--webhook-time-scale): 5 s becomes %v.\n", scale, time.Duration(float64(5*time.Second)*scale))
	}
	if !s.opts.WebhookFaults.None() {
		fmt.Fprintf(w, "# Webhook deliveries misbehave on purpose (--webhook-faults %s).\n", s.opts.WebhookFaults)
	}
}
