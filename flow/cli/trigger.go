package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

func init() { addCommand(triggerCommand) }

const triggerLong = `Raise one of Basiq's 15 event types, to see a webhook handler receive it.

Against the simulator (the API answers GET /_simulator), the event is raised for real, by doing what makes Basiq raise it: a user made, a consent given or moved in time, a sandbox login, a connection refreshed or deleted, on a new sandbox user or the one --user-id names. listen and the application's webhooks both see it, and GET /events lists it. An event that a job brings (connection.activated, account.updated, …) comes when the job's step ends: trigger waits for it.

Against Basiq, it sends Basiq's test message (POST /notifications/messages/test), which goes to the application's registered webhooks only, at their public URLs; it is not known to appear in GET /events, so listen does not see it.`

const triggerExamples = `# In the simulator: a new sandbox user, and its user.created
basiq-onboard trigger user.created --api-url http://127.0.0.1:8080
# A consent warning for a user of yours (the simulator moves the consent in time)
basiq-onboard trigger consent.warning --user-id "$USER_ID"
# Against Basiq: a test message to your application's webhooks
BASIQ_API_KEY=... basiq-onboard trigger transactions.updated`

type triggerOptions struct {
	api     apiOptions
	userID  string
	json    bool
	timeout time.Duration
}

func triggerCommand(a *app) *cobra.Command {
	var o triggerOptions
	cmd := &cobra.Command{
		Use:               "trigger TYPE",
		Short:             "Raise one of Basiq's events, for a webhook handler",
		Long:              triggerLong,
		Example:           triggerExamples,
		Args:              triggerArgs,
		ValidArgsFunction: completeEventType,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runTrigger(cmd, args[0], o)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.userID, "user-id", "", "the simulator's user to raise it on (else a new one)")
	fs.BoolVar(&o.json, "json", false, "print what was done as JSON on stdout")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "how long to wait, for the event a job brings too")
	addAPIFlags(cmd, &o.api)
	describeValues(cmd, map[string]value{
		"user-id": {"ID", "a user's id, e.g. --user-id 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"},
		"timeout": {"DURATION", "a duration, e.g. --timeout 1m"},
	})
	register(cmd, "user-id", a.completeSavedUser(func() options { return options{apiURL: o.api.apiURL} }))
	register(cmd, "timeout", fixed("30s", "1m", "5m"))
	return cmd
}

// triggerArgs wants one event type, one of Basiq's.
func triggerArgs(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return usageWithList{usageError{cmd.CommandPath(), "which event type? e.g. basiq-onboard trigger user.created"}, "Basiq's 15: " + strings.Join(webhook.EventTypeIDs(), ", ")}
	case len(args) > 1:
		return usageError{cmd.CommandPath(), "one event type at a time, not " + quote(strings.Join(args, " "))}
	}
	return checkEventType(cmd.CommandPath(), "", args[0])
}

// triggerResult is what trigger did, for --json.
type triggerResult struct {
	API         string `json:"api"`
	Simulator   bool   `json:"simulator"`
	EventTypeID string `json:"eventTypeId"`
	// The simulator's: the user, whether trigger made it, the events of the
	// type raised, everything raised on the way, the job that brought them.
	UserID      string        `json:"userId,omitempty"`
	UserCreated bool          `json:"userCreated,omitempty"`
	Events      []basiq.Event `json:"events,omitempty"`
	Raised      []basiq.Event `json:"raised,omitempty"`
	JobID       string        `json:"jobId,omitempty"`
	// Basiq's: the request sent, and that GET /events is not known to list it.
	Sent     string `json:"sent,omitempty"`
	InEvents *bool  `json:"inEvents,omitempty"`
}

func (a *app) runTrigger(cmd *cobra.Command, eventType string, o triggerOptions) error {
	name := cmd.CommandPath()
	if o.userID != "" {
		if err := basiq.ValidateID(o.userID); err != nil {
			return usageError{name, fmt.Sprintf("--user-id %q: %v", o.userID, err)}
		}
		if eventType == "user.created" {
			return usageError{name, "user.created makes a new user: leave out --user-id"}
		}
	}
	if o.timeout <= 0 {
		return usageError{name, "--timeout must be positive, e.g. 1m"}
	}
	return a.withAPI(cmd, o.api, func(conn *apiConn) error {
		ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
		defer cancel()
		sim, err := conn.client.IsSimulator(ctx)
		if err != nil {
			a.failCall(cmd, conn, "asking "+conn.where()+" whether it is the simulator (GET /_simulator)", err, "")
			return nil
		}
		if !sim {
			return a.testMessage(cmd, ctx, conn, eventType, o)
		}
		return a.raiseInSimulator(cmd, ctx, conn, eventType, o)
	})
}

// failCall says a failed call in words, and sets exit 1; a signal's exit
// code wins over it.
func (a *app) failCall(cmd *cobra.Command, conn *apiConn, doing string, err error, next string) {
	if c := signalled(cmd.Context()); c != 0 {
		a.code = c
		return
	}
	a.fail(cmd, conn.redact, apiFailure(doing, err, next)...)
}

// raiseInSimulator raises the event for real, waits for one a job brings,
// and says what it did and where to see it.
func (a *app) raiseInSimulator(cmd *cobra.Command, ctx context.Context, conn *apiConn, eventType string, o triggerOptions) error {
	start := commandClock().Now().Truncate(time.Second)
	t, err := conn.client.TriggerEvent(ctx, eventType, o.userID)
	if err != nil {
		a.failCall(cmd, conn, "raising "+eventType+" in the simulator", err,
			ifNotFound(err, "The simulator has no such user (it keeps its users in memory, until it stops): leave out --user-id for a new one."))
		return nil
	}
	res := triggerResult{API: conn.url, Simulator: true, EventTypeID: eventType, UserID: t.UserID, UserCreated: o.userID == "", Raised: t.Events, JobID: t.JobID}
	res.Events = ofType(t.Events, eventType)
	if len(res.Events) == 0 && t.JobID != "" {
		if wait := t.DueAt().Sub(commandClock().Now()); wait >= time.Second && !o.json {
			// Said on stderr while it waits: made so far, and how long it may take.
			who := "On user " + t.UserID
			if res.UserCreated {
				who = "Made user " + t.UserID
			}
			printLines(a.stderr, conn.redact, fmt.Sprintf("%s, started job %s: %s comes with its step, in about %s…", who, t.JobID, eventType, wait.Round(time.Second)))
		}
		events, later, err := waitForJobEvent(ctx, conn.client, t, eventType, start)
		if err != nil {
			a.failCall(cmd, conn, "waiting for "+eventType+" from job "+t.JobID, err,
				"The job's step ended without raising it: GET /jobs/"+t.JobID+" says how the job went.")
			return nil
		}
		res.Events = events
		for _, e := range later {
			if !slices.ContainsFunc(res.Raised, func(x basiq.Event) bool { return x.ID == e.ID }) {
				res.Raised = append(res.Raised, e)
			}
		}
	}
	return a.printAnswer(conn, o.json, res, simulatorTriggerText(res, conn)...)
}

// waitForJobEvent waits until the job's step is due, then finds the events
// of the type it raised among the user's (those since the step's second),
// looking again a few times, a moment apart, for a step that ends late.
// later is every event of the user's since start, oldest first: what the
// job raised on the way too.
func waitForJobEvent(ctx context.Context, c *basiq.Client, t basiq.Triggered, eventType string, start time.Time) (events, later []basiq.Event, err error) {
	clock := commandClock()
	due := t.DueAt()
	since := due.Truncate(time.Second)
	for try := 0; ; try++ {
		if wait := due.Sub(clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return nil, nil, context.Cause(ctx)
			case <-clock.After(wait):
			}
		}
		all, err := c.ListEvents(ctx, basiq.EventFilter{UserID: t.UserID})
		if err != nil {
			return nil, nil, err
		}
		events, later = nil, nil
		for _, e := range slices.Backward(all) { // oldest first, as they were raised
			at, err := time.Parse(time.RFC3339, e.CreatedDate)
			switch {
			case err != nil || at.Before(start):
			case e.TypeID() == eventType && !at.Before(since):
				events = append(events, e)
				later = append(later, e)
			default:
				later = append(later, e)
			}
		}
		switch {
		case len(events) > 0:
			return events, later, nil
		case try == 4:
			return nil, nil, errors.New("it is not among the user's events")
		}
		due = clock.Now().Add(200 * time.Millisecond)
	}
}

func ofType(events []basiq.Event, eventType string) []basiq.Event {
	var out []basiq.Event
	for _, e := range events {
		if e.TypeID() == eventType {
			out = append(out, e)
		}
	}
	return out
}

// simulatorTriggerText says what trigger raised, on whom, and where to
// see it, in lines that fit 80 columns.
func simulatorTriggerText(res triggerResult, conn *apiConn) []string {
	lines := []string{"Raised " + res.EventTypeID + " for real in the simulator (" + conn.where() + "):"}
	for i, e := range res.Events {
		label := "  event  "
		if i > 0 {
			label = "         "
		}
		lines = append(lines, label+safe(e.ID))
	}
	if len(res.Events) > 0 {
		lines = append(lines, "  at     "+eventTime(res.Events[0].CreatedDate))
	}
	user := safe(res.UserID)
	if res.UserCreated {
		lines = append(lines, "  user   "+user+", new (trigger@example.com)")
	} else {
		lines = append(lines, "  user   "+user)
	}
	if res.JobID != "" {
		lines = append(lines, "  job    "+safe(res.JobID))
	}
	var others []string
	count := map[string]int{}
	for _, e := range res.Raised {
		if slices.ContainsFunc(res.Events, func(x basiq.Event) bool { return x.ID == e.ID }) {
			continue
		}
		if count[e.TypeID()]++; count[e.TypeID()] == 1 {
			others = append(others, e.TypeID())
		}
	}
	for i, t := range others {
		if count[t] > 1 {
			others[i] = fmt.Sprintf("%s ×%d", t, count[t])
		}
		others[i] = safe(others[i])
	}
	lines = append(lines, wrapList("  also   ", others, 80)...)
	lines = append(lines,
		"See it with listen, or in GET /events:",
		"  basiq-onboard listen --api-url "+conn.url+" \\",
		"    --user-id "+user+" --forward-to 3000",
		"  "+basiq.EventFilter{UserID: res.UserID}.Request(),
		"Webhooks subscribed to "+res.EventTypeID+" are sent it too (webhooks list).")
	if res.UserCreated {
		lines = append(lines, "--user-id "+user+" raises more on this user.")
	}
	return lines
}

// wrapList writes items after label, comma-separated, in lines of at most
// width cells, the later ones indented as far as the label.
func wrapList(label string, items []string, width int) []string {
	if len(items) == 0 {
		return nil
	}
	indent := strings.Repeat(" ", len(label))
	var lines []string
	line := label
	for i, item := range items {
		if i < len(items)-1 {
			item += ","
		}
		switch {
		case line == label:
			line += item
		case len(line)+1+len(item) > width:
			lines = append(lines, line)
			line = indent + item
		default:
			line += " " + item
		}
	}
	return append(lines, line)
}

// eventTime is an event's createdDate in this machine's time, as listen shows it.
func eventTime(created string) string {
	at, err := time.Parse(time.RFC3339, created)
	if err != nil {
		return safe(created)
	}
	return at.Local().Format("15:04:05")
}

// testMessage sends Basiq's test message, and says where it goes and where
// it does not.
func (a *app) testMessage(cmd *cobra.Command, ctx context.Context, conn *apiConn, eventType string, o triggerOptions) error {
	if o.userID != "" {
		printLines(a.stderr, conn.redact, cmd.CommandPath()+": warning: --user-id is not used: Basiq's test message is about no user (only the simulator raises an event on one)")
	}
	if err := conn.client.SendTestMessage(ctx, eventType, "basiq-onboard trigger"); err != nil {
		next := ""
		if basiq.IsNoWebhooks(err) {
			next = "Register one with a public URL first (basiq-onboard webhooks create --url https://…/webhooks --events " + eventType +
				"), or, to see events on this machine without one, run basiq-onboard listen."
		}
		a.failCall(cmd, conn, "sending Basiq's test message for "+eventType+" (POST /notifications/messages/test)", err, next)
		return nil
	}
	no := false
	res := triggerResult{API: conn.url, EventTypeID: eventType, Sent: "POST /notifications/messages/test", InEvents: &no}
	return a.printAnswer(conn, o.json, res,
		"Sent Basiq's test message for "+eventType+" to "+conn.where(),
		"(POST /notifications/messages/test). Basiq sends it to this application's",
		"registered webhooks only, at their public URLs (webhooks list shows them).",
		"It is not known to appear in GET /events, so listen does not show it: the",
		"events listen sees come from what users do (the wizard), or from trigger",
		"against the simulator.")
}

// printAnswer is what a command found: v as JSON with --json, else lines,
// both through the redactor.
func (a *app) printAnswer(conn *apiConn, asJSON bool, v any, lines ...string) error {
	if asJSON {
		return a.printJSON(conn, v)
	}
	printLines(a.stdout, conn.redact, lines...)
	return nil
}

// printJSON writes v as one JSON document on stdout, through the redactor.
func (a *app) printJSON(conn *apiConn, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, conn.redact.String(string(b)))
	return nil
}
