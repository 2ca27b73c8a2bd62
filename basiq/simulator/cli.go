package simulator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// RunCommand is `basiq-onboard simulator`: the simulator alone, until ctx
// ends (ctrl+c). It prints the variables that point a shell at it.
func RunCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("basiq-onboard simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "where to listen (127.0.0.1:0 picks a free port)")
	delay := fs.Duration("step-delay", 2*time.Second, "how long each job step takes")
	faultSpec := fs.String("faults", "", "misbehave on purpose, e.g. 'POST /token#2=500,GET /jobs/{id}#3+=429,503=0.1,latency=200ms'\n(a route#N, #N-M or #N+ aims at those requests to it; kinds: "+strings.Join(FaultKinds, ", ")+";\na kind=share hits that share of all requests; also burst429=N, latency=D, seed=N)")
	redirect := fs.String("redirect-url", "", "where the consent page sends the browser when done (with jobId, jobIds, state)")
	maxUsers := fs.Int("max-users", DefaultMaxUsers, "users kept at most; the oldest are dropped first, with their jobs and connections")
	timeScale := fs.Float64("webhook-time-scale", 1, "multiplies Basiq's webhook retry schedule (not the 15 s an attempt may take): 0.001 makes 5 min 0.3 s")
	webhookFaultSpec := fs.String("webhook-faults", "", "deliveries that misbehave on purpose, e.g. 'user.created#2=bad-signature,*#3+=stale-timestamp'\n(TYPE#N, #N-M or #N+ aims at those messages of a type (* for all) to each URL; kinds: "+webhookFaultKinds()+")")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "basiq-onboard simulator: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := loopback(*addr); err != nil {
		fmt.Fprintf(stderr, "basiq-onboard simulator: --addr %s: %v\n", *addr, err)
		return 2
	}
	if *maxUsers < 1 {
		fmt.Fprintf(stderr, "basiq-onboard simulator: --max-users %d: keep at least 1\n", *maxUsers)
		return 2
	}
	faults, err := ParseFaults(*faultSpec)
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard simulator: --faults:", err)
		return 2
	}
	if err := webhook.CheckTimeScale(*timeScale); err != nil {
		fmt.Fprintln(stderr, "basiq-onboard simulator: --webhook-time-scale", err)
		return 2
	}
	webhookFaults, err := webhook.ParseFaults(*webhookFaultSpec)
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard simulator: --webhook-faults:", err)
		return 2
	}
	srv := New(Options{StepDelay: *delay, Faults: faults, RedirectURL: *redirect, MaxUsers: *maxUsers,
		WebhookTimeScale: *timeScale, WebhookFaults: webhookFaults})
	base, err := srv.Start(*addr)
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard simulator:", err)
		return 1
	}
	fmt.Fprintf(stdout, "export BASIQ_API_URL=%s\n", base)
	fmt.Fprintf(stdout, "export BASIQ_API_KEY=%s\n", DemoAPIKey)
	fmt.Fprintf(stdout, "export BASIQ_CONSENT_URL=%s\n", srv.ConsentBase())
	fmt.Fprintf(stdout, "# A local Basiq on %s (job steps take %s each). Point the wizard at it:\n", base, *delay)
	fmt.Fprintf(stdout, "#   paste the three export lines above into another shell, then run: basiq-onboard\n")
	fmt.Fprintf(stdout, "# Or curl it: curl -s -X POST $BASIQ_API_URL/token -H \"Authorization: Basic $BASIQ_API_KEY\" -H \"basiq-version: 3.0\" -d scope=SERVER_ACCESS\n")
	fmt.Fprintf(stdout, "# Sandbox login: Hooli · Wentworth-Smith / whislter. ctrl+c stops it; nothing is written to disk.\n")
	if !faults.none() {
		fmt.Fprintf(stdout, "# Misbehaving on purpose (--faults %s): the API only, not the consent page.\n", *faultSpec)
	}
	if *timeScale != 1 {
		fmt.Fprintf(stdout, "# Webhook retries come at %g times Basiq's schedule (--webhook-time-scale): 5 s becomes %v.\n", *timeScale, time.Duration(float64(5*time.Second)**timeScale))
	}
	if !webhookFaults.None() {
		fmt.Fprintf(stdout, "# Webhook deliveries misbehave on purpose (--webhook-faults %s).\n", webhookFaults)
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(stderr, "basiq-onboard simulator:", err)
		return 1
	}
	fmt.Fprintln(stderr, "basiq-onboard simulator: stopped")
	return 0
}

func webhookFaultKinds() string {
	kinds := make([]string, len(webhook.FaultKinds))
	for i, k := range webhook.FaultKinds {
		kinds[i] = string(k)
	}
	return strings.Join(kinds, ", ")
}

// loopback refuses an address other machines could reach: the simulator
// hands its demo key to anyone who asks.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port, e.g. 127.0.0.1:8080 (%v)", err)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("not a loopback address; the simulator listens on this machine only: use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT (port 0 picks a free one)")
}
