package cli

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/headless"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	"github.com/basiq-onboard/basiq-onboard/flow/listenview"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

func init() { addCommand(listenCommand) }

const listenLong = `Forward Basiq's events to a webhook handler on this machine, with no public URL and no webhook registered: listen polls GET /events (of Basiq or the simulator alike) and POSTs each new event to --forward-to, oldest first and once, as the delivery Basiq would make: Basiq's payload, signed with the Standard Webhooks scheme and a local whsec_ secret that is printed at the start and stays the same for that API. A failed delivery is retried on Basiq's schedule; r in the view sends one again.

On start it backfills the events since the last one it forwarded for that API (the last 10 minutes the first time; --since to choose). The key comes from BASIQ_API_KEY, then the key saved for that API, then a prompt. With a terminal, a full-screen view of the events; otherwise a line per answer of the handler, or JSON objects with --json. ctrl+c stops it (exit 0).`

const listenExamples = `# Your handler on port 3000, the simulator's events
basiq-onboard listen --api-url http://127.0.0.1:8080 --forward-to 3000
# One user's consent events, from Basiq, as JSON lines
basiq-onboard listen --forward-to localhost:3000/webhooks --user-id "$USER_ID" \
  --events consent.revoked,consent.expired --json
# The secret alone, for your handler's environment
export BASIQ_WEBHOOK_SECRET=$(basiq-onboard listen --print-secret)`

// listenOptions is `basiq-onboard listen`'s command line.
type listenOptions struct {
	forwardTo      string
	events         string
	userID         string
	since          time.Duration
	sinceGiven     bool
	jsonOut        bool
	plain          bool
	printSecret    bool
	pollInterval   time.Duration
	forwardTimeout time.Duration
	retryScale     float64
	forwardFaults  string
	api            apiOptions
}

func listenCommand(a *app) *cobra.Command {
	var o listenOptions
	cmd := a.flagsOnly(&cobra.Command{
		Use:     "listen",
		Short:   "Forward Basiq's events to a handler on this machine",
		Long:    listenLong,
		Example: listenExamples,
	}, func(cmd *cobra.Command) (int, error) {
		o.sinceGiven = cmd.Flags().Changed("since")
		return a.runListen(cmd, o)
	})
	fs := cmd.Flags()
	fs.StringVar(&o.forwardTo, "forward-to", "", "where your handler listens: a URL, host:port, :port\nor a port (3000 is http://localhost:3000)")
	fs.StringVar(&o.events, "events", "", "forward these event types only (TYPE,TYPE,…;\ndefault all of Basiq's 15)")
	fs.StringVar(&o.userID, "user-id", "", "this user's events only (else the application's,\nwhere the API allows it)")
	fs.DurationVar(&o.since, "since", 0, "on start, forward the events of this long before\n(at most 7 days; default: since the last one\nforwarded, or the last 10m the first time)")
	fs.BoolVar(&o.jsonOut, "json", false, "print JSON objects on stdout, one a line, nothing else")
	fs.BoolVar(&o.plain, "plain", false, "a line per answer of the handler, no full-screen view")
	fs.BoolVar(&o.printSecret, "print-secret", false, "print the webhook signing secret alone and exit")
	fs.DurationVar(&o.pollInterval, "poll-interval", 0, "how often to ask GET /events (default 1s on this\nmachine, 5s elsewhere; longer after a 429)")
	fs.DurationVar(&o.forwardTimeout, "forward-timeout", flow.DefaultForwardTimeout, "how long the handler may take to answer a delivery")
	fs.Float64Var(&o.retryScale, "retry-time-scale", 1, "multiply Basiq's retry schedule (5s, 5m, 30m, 2h, …);\n0.001 makes 5 min 0.3 s")
	fs.StringVar(&o.forwardFaults, "forward-faults", "", "deliveries misbehave on purpose: TYPE#N=KIND,\ne.g. user.created#2=bad-signature; kinds:\n"+faultKindNames())
	addAPIFlags(cmd, &o.api)   // as every command that calls the API
	o.api.traceFileOnly = true // listen has no inspector: nothing kept in memory for days
	for _, name := range []string{"since", "poll-interval"} {
		fs.Lookup(name).DefValue = "" // their default depends: the help says on what
	}
	describeValues(cmd, map[string]value{
		"forward-to":       {"URL", "a URL, host:port, :port or a port, e.g. --forward-to 3000"},
		"events":           {"TYPE[,TYPE...]", "event types, e.g. --events user.created,consent.revoked"},
		"user-id":          {"ID", "a user's id, e.g. --user-id 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"},
		"since":            {"DURATION", "a duration, e.g. --since 10m, 24h or 168h (7 days, the most)"},
		"poll-interval":    {"DURATION", "a duration, e.g. --poll-interval 5s"},
		"forward-timeout":  {"DURATION", "a duration, e.g. --forward-timeout 10s"},
		"retry-time-scale": {"F", "a number above 0, e.g. --retry-time-scale 0.001"},
		"forward-faults":   {"SPEC", "a fault spec, e.g. --forward-faults 'user.created#2=bad-signature'"},
	})
	a.completeListen(cmd, &o)
	return cmd
}

func faultKindNames() string {
	names := make([]string, len(webhook.FaultKinds))
	for i, k := range webhook.FaultKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// listen's soft limits on the Go runtime's memory: the lines and --json,
// and the full-screen view.
const (
	listenMemoryLimit     = 16 << 20
	listenViewMemoryLimit = 24 << 20
)

// listenPlan is a checked command line.
type listenPlan struct {
	apiURL string
	to     string
	types  []string
	faults webhook.Faults
}

// checkListen refuses what listen cannot run with, before anything is
// sent; the error names the flag.
func checkListen(command string, o listenOptions, getenv func(string) string) (listenPlan, error) {
	var p listenPlan
	raw, from := o.api.apiURLFrom(getenv)
	if err := checkURLFlag(from, raw); err != nil {
		return p, err
	}
	p.apiURL = apiURLOf(options{apiURL: raw})
	if o.printSecret {
		return p, nil // the secret needs nothing else
	}
	if o.forwardTo == "" {
		return p, errors.New("--forward-to is needed: where your handler listens, e.g. --forward-to 3000 (http://localhost:3000)")
	}
	to, err := flow.ParseForwardTo(o.forwardTo)
	if err != nil {
		return p, fmt.Errorf("--forward-to %s", err)
	}
	p.to = to
	if p.types, err = parseEventTypes(command, "--events", o.events); err != nil {
		return p, err
	}
	if o.userID != "" {
		if err := basiq.ValidateID(o.userID); err != nil {
			return p, fmt.Errorf("--user-id %q: %v", o.userID, err)
		}
	}
	loopback := flow.IsLoopbackURL(p.apiURL)
	least := time.Second // gentle on Basiq: a request a second at most
	if loopback {
		least = 100 * time.Millisecond // a simulator on this machine may be asked more often
	}
	switch {
	case o.since < 0:
		return p, errors.New("--since cannot be negative: how long before the start to backfill, e.g. 10m")
	case o.since > listen.MaxSince:
		return p, fmt.Errorf("--since %s: Basiq keeps events for 7 days (168h) at most", listen.Duration(o.since))
	case o.pollInterval != 0 && o.pollInterval < least:
		return p, fmt.Errorf("--poll-interval %s: at least %s for this API", listen.Duration(o.pollInterval), listen.Duration(least))
	case o.forwardTimeout <= 0:
		return p, errors.New("--forward-timeout must be positive, e.g. 10s")
	case o.jsonOut && o.plain:
		return p, errors.New("--json and --plain are two outputs; pick one")
	}
	if err := webhook.CheckTimeScale(o.retryScale); err != nil {
		return p, fmt.Errorf("--retry-time-scale %v", err)
	}
	if p.faults, err = webhook.ParseFaults(o.forwardFaults); err != nil {
		return p, fmt.Errorf("--forward-faults: %v", err)
	}
	return p, nil
}

// runListen runs listen until ctrl+c or SIGTERM (exit 0), or until Basiq's
// answer leaves nothing to try (exit 1).
func (a *app) runListen(cmd *cobra.Command, o listenOptions) (int, error) {
	name := cmd.CommandPath()
	plan, err := checkListen(name, o, a.getenv)
	var usage usageWithList
	switch {
	case errors.As(err, &usage):
		return qs.ExitUsage, err
	case err != nil:
		return qs.ExitUsage, usageError{name, err.Error()}
	}
	store, storeErr := openStore()
	if o.printSecret {
		if storeErr != nil {
			fmt.Fprintln(a.stderr, name+": no place to keep the secret:", storeErr)
			return qs.ExitFailed, nil
		}
		secret, err := flow.ListenStore{Store: store, Origin: flow.Origin(plan.apiURL)}.Secret()
		if err != nil {
			fmt.Fprintln(a.stderr, name+":", err)
			return qs.ExitFailed, nil
		}
		fmt.Fprintln(a.stdout, secret.Reveal())
		return qs.ExitOK, nil
	}

	ctx := cmd.Context()
	interactive := !o.plain && !o.jsonOut && term.IsTerminal(a.stdin.Fd()) && term.IsTerminal(a.stdout.Fd()) && !lineByLine(a.getenv("TERM"))
	if a.getenv("GOMEMLIMIT") == "" {
		// listen runs for days and decodes the whole of GET /events every
		// poll: a soft limit makes the runtime give that garbage back
		// rather than grow to twice the live heap (README: its RSS). The
		// view's own heap is larger; below its limit the GC would run
		// all the time.
		limit := int64(listenMemoryLimit)
		if interactive {
			limit = listenViewMemoryLimit
		}
		debug.SetMemoryLimit(limit)
	}
	conn, ok, err := a.connect(cmd, o.api)
	if !ok {
		if signalled(ctx) != 0 {
			return qs.ExitOK, nil // stopped while asked for the key: listen's way to stop
		}
		return a.code, err
	}
	defer conn.close()
	client, redact := conn.client, conn.redact
	lo := flow.ListenOptions{API: client, APIURL: client.BaseURL(), To: plan.to, UserID: o.userID, Types: plan.types,
		Since: o.since, SinceGiven: o.sinceGiven, PollEvery: o.pollInterval, Timeout: o.forwardTimeout, TimeScale: o.retryScale,
		Faults: plan.faults, Redactor: redact}
	if storeErr == nil {
		lo.Store = store
	} else {
		fmt.Fprintln(a.stderr, name+": warning: nothing is kept between runs (a new secret each time, no backfill from the last run):", storeErr)
	}
	run, err := flow.PrepareListen(lo)
	if err != nil {
		fmt.Fprintln(a.stderr, name+":", err)
		return qs.ExitFailed, nil
	}
	if interactive {
		return listenview.Run(ctx, run, listenview.Options{IsDark: theme.DarkFromEnv(a.getenv)}, a.stdout, a.stderr), nil
	}
	out := headless.ListenLines
	if o.jsonOut {
		out = headless.ListenJSON
	}
	return headless.Listen(ctx, run, out, a.stdout, a.stderr), nil
}

// completeListen registers listen's completions: --events offers Basiq's
// 15 types (after those already given), --user-id the user saved for the
// API the command line points at.
func (a *app) completeListen(cmd *cobra.Command, o *listenOptions) {
	register(cmd, "events", completeEventTypeList)
	register(cmd, "user-id", a.completeSavedUser(func() options { return options{apiURL: o.api.apiURL} }))
	register(cmd, "since", fixed("10m", "1h", "24h", "168h"))
	register(cmd, "poll-interval", fixed("1s", "5s", "30s"))
	register(cmd, "forward-timeout", fixed("5s", "10s", "30s"))
	register(cmd, "retry-time-scale", fixed("1", "0.01", "0.001"))
	register(cmd, "forward-faults", completeWebhookFaults) // the simulator's --webhook-faults' grammar
	register(cmd, "forward-to", cobra.NoFileCompletions)
}
