package cli

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

func init() { addCommand(simulatorCommand) }

const simulatorLong = `The built-in Basiq alone, on this machine: the same paths, status codes, error bodies, job steps and sandbox logins as the real API, and a consent page of its own (Hooli Bank: Wentworth-Smith / whislter). It prints three export lines to paste into another shell, after which basiq-onboard (or curl) talks to it. State lives in memory; ctrl+c stops it (exit 0).`

const simulatorExamples = `# A local Basiq whose jobs finish at once
basiq-onboard simulator --addr 127.0.0.1:8080 --step-delay 0s
# In another shell: paste the three export lines it printed, then
basiq-onboard
# A bad day: the 2nd token request fails, then 10% of answers are 503
basiq-onboard simulator --faults 'POST /token#2=500,503=0.1'
# Webhook retries a thousand times sooner; the 2nd user.created signed wrong
basiq-onboard simulator --webhook-time-scale 0.001 --webhook-faults 'user.created#2=bad-signature'`

// simulatorOptions is `basiq-onboard simulator`'s command line.
type simulatorOptions struct {
	addr      string
	stepDelay time.Duration
	faults    string
	redirect  string
	maxUsers  int
	timeScale float64 // --webhook-time-scale
	webhooks  string  // --webhook-faults
}

func simulatorCommand(a *app) *cobra.Command {
	var o simulatorOptions
	cmd := a.flagsOnly(&cobra.Command{
		Use:     "simulator",
		Short:   "Run the built-in Basiq simulator alone, on loopback",
		Long:    simulatorLong,
		Example: simulatorExamples,
	}, func(cmd *cobra.Command) (int, error) { return a.runSimulator(cmd, o) })
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "where to listen, on this machine only;\nport 0 picks a free one")
	fs.DurationVar(&o.stepDelay, "step-delay", 2*time.Second, "how long each job step takes")
	fs.StringVar(&o.faults, "faults", "", "misbehave on purpose: ROUTE#N=KIND, KIND=SHARE,\nburst429=N, latency=D, seed=N, comma-separated;\nkinds: "+
		strings.Join(simulator.FaultKinds[:6], ", ")+",\n"+strings.Join(simulator.FaultKinds[6:10], ", ")+",\n"+strings.Join(simulator.FaultKinds[10:], ", "))
	fs.StringVar(&o.redirect, "redirect-url", "", "where the consent page sends the browser when done\n(with jobId, jobIds and state)")
	fs.IntVar(&o.maxUsers, "max-users", simulator.DefaultMaxUsers, "users kept at most, the oldest dropped first")
	fs.Float64Var(&o.timeScale, "webhook-time-scale", 1, "multiplies Basiq's webhook retry schedule, not the\n15 s an attempt may take: 0.001 makes 5 min 0.3 s")
	fs.StringVar(&o.webhooks, "webhook-faults", "", "webhook deliveries that misbehave on purpose:\nTYPE#N=KIND, comma-separated; kinds:\n"+strings.Join(webhookFaultKinds()[:2], ", ")+",\n"+strings.Join(webhookFaultKinds()[2:], ", "))
	describeValues(cmd, map[string]value{
		"addr":               {"HOST:PORT", "host:port on loopback, e.g. --addr 127.0.0.1:8080"},
		"step-delay":         {"DURATION", "a duration, e.g. --step-delay 0s or --step-delay 2s"},
		"faults":             {"SPEC", "a fault spec, e.g. --faults 'POST /token#2=500,503=0.1'"},
		"redirect-url":       {"URL", "a URL, e.g. --redirect-url http://127.0.0.1:3000/done"},
		"max-users":          {"N", "a whole number, e.g. --max-users 100"},
		"webhook-time-scale": {"F", "a number above 0, e.g. --webhook-time-scale 0.001"},
		"webhook-faults":     {"SPEC", "a webhook fault spec, e.g. --webhook-faults 'user.created#2=bad-signature'"},
	})
	completeSimulator(cmd)
	return cmd
}

// runSimulator serves until ctrl+c or SIGTERM: its way to stop, so exit 0.
func (a *app) runSimulator(cmd *cobra.Command, o simulatorOptions) (int, error) {
	name := cmd.CommandPath()
	if err := loopback(o.addr); err != nil {
		return qs.ExitUsage, usageError{name, fmt.Sprintf("--addr %s: %v", o.addr, err)}
	}
	if o.maxUsers < 1 {
		return qs.ExitUsage, usageError{name, fmt.Sprintf("--max-users %d: keep at least 1", o.maxUsers)}
	}
	faults, err := simulator.ParseFaults(o.faults)
	if err != nil {
		return qs.ExitUsage, usageError{name, "--faults: " + err.Error()}
	}
	if err := webhook.CheckTimeScale(o.timeScale); err != nil {
		return qs.ExitUsage, usageError{name, "--webhook-time-scale " + err.Error()}
	}
	webhookFaults, err := webhook.ParseFaults(o.webhooks)
	if err != nil {
		return qs.ExitUsage, usageError{name, "--webhook-faults: " + err.Error()}
	}
	srv := simulator.New(simulator.Options{StepDelay: o.stepDelay, Faults: faults, RedirectURL: o.redirect, MaxUsers: o.maxUsers,
		WebhookTimeScale: o.timeScale, WebhookFaults: webhookFaults})
	if _, err := srv.Start(o.addr); err != nil {
		fmt.Fprintln(a.stderr, name+":", err)
		return qs.ExitFailed, nil
	}
	srv.WriteBanner(a.stdout, o.faults)
	<-cmd.Context().Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(a.stderr, name+":", err)
		return qs.ExitFailed, nil
	}
	fmt.Fprintln(a.stderr, name+": stopped")
	return qs.ExitOK, nil
}

func webhookFaultKinds() []string {
	kinds := make([]string, len(webhook.FaultKinds))
	for i, k := range webhook.FaultKinds {
		kinds[i] = string(k)
	}
	return kinds
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
