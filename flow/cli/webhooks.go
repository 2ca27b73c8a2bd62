package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

func init() { addCommand(webhooksCommand) }

const webhooksLong = `The application's webhook subscriptions (Basiq's /notifications routes), on Basiq or the simulator: list them, create one (its signing secret is shown then, and never again), delete one, see the messages sent to one and each attempt to deliver them; and verify a delivery a handler captured, to find out why its signature check fails.

Basiq lets one webhook of an application hold each event type, delivers only to public URLs, and may take up to 15 minutes to start sending to a new webhook; the simulator delivers only to this machine, at once. Output is a table to read; --json prints Basiq's answers for a script. The key comes as for every command: BASIQ_API_KEY, the key saved for that API, or a prompt.`

const webhooksExamples = `# A webhook of the simulator's for a handler on port 3000, two event types
basiq-onboard webhooks create --url http://127.0.0.1:3000/webhooks --events user.created,consent.revoked
# The application's webhooks, and what one was sent
basiq-onboard webhooks list
basiq-onboard webhooks messages "$WEBHOOK_ID"
# Why does my handler refuse this delivery?
BASIQ_WEBHOOK_SECRET=whsec_... basiq-onboard webhooks verify < captured-request.txt`

func webhooksCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "webhooks",
		Short:   "List, create and delete webhooks; verify a delivery",
		Long:    webhooksLong,
		Example: webhooksExamples,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := "no command " + quote(args[0]) + " of webhooks; the commands are " + commandNames(cmd)
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg = "no command " + quote(args[0]) + " of webhooks; did you mean " + s[0] + "?"
			}
			return usageError{cmd.CommandPath(), msg}
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.SuggestionsMinimumDistance = 2
	for _, sub := range []*cobra.Command{a.webhooksListCommand(), a.webhooksCreateCommand(), a.webhooksDeleteCommand(), a.webhooksMessagesCommand(), a.webhooksVerifyCommand()} {
		sub.Flags().BoolP("help", "h", false, "show this help")
		cmd.AddCommand(sub)
	}
	return cmd
}

func (a *app) webhooksListCommand() *cobra.Command {
	return a.apiSubcommand(&cobra.Command{
		Use:   "list",
		Short: "The application's webhooks",
		Long:  "The application's webhooks (GET /notifications/webhooks): each one's id, status, URL, event types and name, as a table; --json prints Basiq's answer. No secret is shown: Basiq gives a webhook's only in the answer that creates it.",
		Args:  noArgs,
	}, func(cmd *cobra.Command, _ []string, conn *apiConn, asJSON bool) error {
		hooks, err := conn.client.ListWebhooks(cmd.Context())
		if err != nil {
			a.failCall(cmd, conn, "listing the webhooks of "+conn.where(), err, "")
			return nil
		}
		if asJSON {
			return a.printJSON(conn, nonNil(hooks))
		}
		if len(hooks) == 0 {
			printLines(a.stdout, conn.redact, "No webhooks at "+conn.where()+": webhooks create --url URL makes one.")
			return nil
		}
		rows := make([][]string, len(hooks))
		for i, h := range hooks {
			rows[i] = []string{safe(h.ID), safe(h.Status), cut(h.URL, 60), eventList(h.SubscribedEvents), cut(h.Name, 30)}
		}
		a.printTable(conn, []string{"ID", "STATUS", "URL", "EVENTS", "NAME"}, rows)
		return nil
	})
}

// apiSubcommand gives cmd --json and the API's flags, and runs run with a
// connection to the API the command line points at.
func (a *app) apiSubcommand(cmd *cobra.Command, run func(cmd *cobra.Command, args []string, conn *apiConn, asJSON bool) error) *cobra.Command {
	var o struct {
		api  apiOptions
		json bool
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withAPI(cmd, o.api, func(conn *apiConn) error { return run(cmd, args, conn, o.json) })
	}
	cmd.Flags().SortFlags = false
	cmd.Flags().BoolVar(&o.json, "json", false, "print Basiq's answer as JSON on stdout, for a script")
	addAPIFlags(cmd, &o.api)
	return cmd
}

func (a *app) webhooksCreateCommand() *cobra.Command {
	var o struct {
		api                            apiOptions
		url, events, name, description string
		json                           bool
	}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a webhook; its secret is shown once",
		Long: `Subscribe a URL to event types (POST /notifications/webhooks; --events, all 15 without it). The answer shows the webhook's signing secret, this once: keep it for your handler, and for webhooks verify.

Basiq's refusals, in words, exit 1: a URL registered already (409: which webhook has it), a type another webhook holds (400 event-already-subscribed: which, and by whom; Basiq lets one webhook of an application hold each type), a type Basiq does not have; the simulator refuses a URL that is not on this machine.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name := cmd.CommandPath()
			if strings.TrimSpace(o.url) == "" {
				return usageError{name, "--url is needed: where the events go, e.g. --url https://example.com/webhooks (the simulator's: http://127.0.0.1:3000/webhooks)"}
			}
			if _, err := webhook.ParseURL(o.url); err != nil {
				return usageError{name, "--url " + err.Error()}
			}
			types := webhook.EventTypeIDs()
			if cmd.Flags().Changed("events") {
				var err error
				if types, err = parseEventTypes(name, "--events", o.events); err != nil {
					return err
				}
				if len(types) == 0 {
					return usageError{name, "--events names no event type: give one or more, e.g. --events user.created,consent.revoked (or leave it out for all 15)"}
				}
			}
			return a.withAPI(cmd, o.api, func(conn *apiConn) error {
				req := basiq.WebhookRequest{URL: strings.TrimSpace(o.url), Name: o.name, Description: o.description, SubscribedEvents: types}
				hook, err := conn.client.CreateWebhook(cmd.Context(), req)
				if err != nil {
					a.failCall(cmd, conn, "creating a webhook for "+safe(req.URL)+" at "+conn.where(), err, a.whyRefused(cmd, conn, req, err, !cmd.Flags().Changed("events")))
					return nil
				}
				if o.json {
					return a.printCreatedJSON(conn, hook)
				}
				a.printCreated(conn, hook)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.url, "url", "", "where Basiq sends the events (the simulator's:\nthis machine only, e.g. http://127.0.0.1:3000/webhooks)")
	fs.StringVar(&o.events, "events", "", "the event types it receives (TYPE,TYPE,…;\ndefault all 15)")
	fs.StringVar(&o.name, "name", "", "a name for it")
	fs.StringVar(&o.description, "description", "", "what it is for")
	fs.BoolVar(&o.json, "json", false, "print the webhook and its secret as JSON on stdout")
	addAPIFlags(cmd, &o.api)
	describeValues(cmd, map[string]value{
		"url":         {"URL", "a URL, e.g. --url http://127.0.0.1:3000/webhooks"},
		"events":      {"TYPE[,TYPE...]", "event types, e.g. --events user.created,consent.revoked"},
		"name":        {"NAME", "a name, e.g. --name 'my handler'"},
		"description": {"TEXT", "a few words, e.g. --description 'consent events'"},
	})
	register(cmd, "events", completeEventTypeList)
	for _, f := range []string{"url", "name", "description"} {
		register(cmd, f, cobra.NoFileCompletions)
	}
	return cmd
}

// whyRefused says what to do about Basiq refusing a webhook: the webhook
// that has the URL, the one that holds a type, the simulator's loopback
// rule. "" leaves it to the advice table.
func (a *app) whyRefused(cmd *cobra.Command, conn *apiConn, req basiq.WebhookRequest, err error, allTypes bool) string {
	var e *basiq.Error
	errors.As(err, &e)
	switch {
	case basiq.IsWebhookURLTaken(err):
		for _, h := range a.otherWebhooks(cmd, conn) {
			if h.URL == req.URL {
				return "Webhook " + safe(h.ID) + " has this URL: use it, or delete it first (basiq-onboard webhooks delete " + safe(h.ID) + ")."
			}
		}
		return "Another webhook has this URL: basiq-onboard webhooks list shows it; use it, or delete it first."
	case basiq.IsEventAlreadySubscribed(err):
		var held []string
		for _, h := range a.otherWebhooks(cmd, conn) {
			var types []string
			for _, t := range h.SubscribedEvents {
				if slices.Contains(req.SubscribedEvents, t) {
					types = append(types, safe(t))
				}
			}
			if len(types) > 0 {
				held = append(held, strings.Join(types, ", ")+" by "+safe(h.ID)+" ("+cut(h.URL, 60)+")")
			}
		}
		next := "Give --events without the types another webhook holds, or delete that webhook first."
		if len(held) > 0 {
			next = "Held already: " + strings.Join(held, "; ") + ". Give --events without those, or delete that webhook first."
		}
		if allTypes {
			next += " (Without --events a webhook asks for all 15.)"
		}
		return next
	case e != nil && e.Field() == "url" && strings.Contains(e.Detail(), "this machine"):
		return "The simulator delivers only to this machine: give --url http://127.0.0.1:PORT/… (or [::1], localhost)."
	}
	return ""
}

// otherWebhooks are the application's webhooks, for a refusal's words;
// none when they cannot be listed.
func (a *app) otherWebhooks(cmd *cobra.Command, conn *apiConn) []basiq.Webhook {
	hooks, _ := conn.client.ListWebhooks(cmd.Context())
	return hooks
}

// printCreated says what was made and shows its secret, this once: the
// secret's lines are the one output that skips the redactor.
func (a *app) printCreated(conn *apiConn, h basiq.Webhook) {
	printLines(a.stdout, conn.redact,
		"Created webhook "+safe(h.ID)+" at "+conn.where()+":",
		"  url     "+cut(h.URL, 120),
		"  status  "+safe(h.Status),
		"  events  "+eventList(h.SubscribedEvents))
	if h.Status == basiq.WebhookPendingApproval {
		printLines(a.stdout, conn.redact, "Basiq has it pending approval: deliveries start once it is approved.")
	}
	secret := h.Secret.Reveal()
	if secret == "" {
		printLines(a.stdout, conn.redact, "The answer held no signing secret: without it no delivery can be verified;", "ask Basiq support for it.")
		return
	}
	fmt.Fprintln(a.stdout, "Its signing secret, shown this once (it is never shown again: keep it now):")
	fmt.Fprintln(a.stdout, "  "+sanitized(secret))
	fmt.Fprintln(a.stdout, "For your handler (this webhook's deliveries; listen signs with its own):")
	fmt.Fprintln(a.stdout, "export BASIQ_WEBHOOK_SECRET="+basiq.ShellWord(sanitized(secret)))
	printLines(a.stdout, conn.redact,
		"Basiq may take up to 15 minutes to start sending to a new webhook; the",
		"simulator sends at once. A delivery your handler refuses, and why:",
		"  basiq-onboard webhooks verify < the-captured-request")
}

// printCreatedJSON is create's --json: {"webhook": {…}, "secret": "…"},
// the webhook through the redactor, the secret whole.
func (a *app) printCreatedJSON(conn *apiConn, h basiq.Webhook) error {
	secret := h.Secret.Reveal()
	h.Secret = ""
	hook, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(struct {
		Webhook json.RawMessage `json:"webhook"`
		Secret  string          `json:"secret"`
	}{json.RawMessage(conn.redact.String(string(hook))), secret}, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, string(b))
	return nil
}

func (a *app) webhooksDeleteCommand() *cobra.Command {
	return a.apiSubcommand(&cobra.Command{
		Use:   "delete ID",
		Short: "Delete a webhook: it is sent nothing more",
		Long:  "Delete a webhook (DELETE /notifications/webhooks/{id}): it is sent nothing more, retries included. webhooks list shows the ids.",
		Args:  webhookIDArgs(1, 1),
	}, func(cmd *cobra.Command, args []string, conn *apiConn, asJSON bool) error {
		id := args[0]
		if err := conn.client.DeleteWebhook(cmd.Context(), id); err != nil {
			a.failCall(cmd, conn, "deleting webhook "+id, err, ifNotFound(err, "No webhook "+id+" at "+conn.where()+": basiq-onboard webhooks list shows the application's."))
			return nil
		}
		return a.printAnswer(conn, asJSON, map[string]string{"deleted": id}, "Deleted webhook "+id+" at "+conn.where()+".")
	})
}

// webhookIDArgs wants between least and most ids (a webhook's, then a
// message's), each a UUID as Basiq's are.
func webhookIDArgs(least, most int) cobra.PositionalArgs {
	names := []string{"WEBHOOK_ID", "MESSAGE_ID"}
	return func(cmd *cobra.Command, args []string) error {
		name := cmd.CommandPath()
		switch {
		case len(args) < least:
			return usageError{name, "which webhook? give its id (basiq-onboard webhooks list shows them), e.g. " + cmd.Name() + " 3fa85f64-5717-4562-b3fc-2c963f66afa6"}
		case len(args) > most:
			return usageError{name, "unexpected argument " + quote(args[most]) + ": " + cmd.Use}
		}
		for i, id := range args {
			if err := basiq.ValidateID(id); err != nil {
				return usageError{name, names[i] + " " + quote(id) + ": " + strings.TrimPrefix(err.Error(), "basiq: ")}
			}
		}
		return nil
	}
}

func (a *app) webhooksMessagesCommand() *cobra.Command {
	return a.apiSubcommand(&cobra.Command{
		Use:   "messages ID [MESSAGE]",
		Short: "What a webhook was sent, and each attempt",
		Long:  "The messages sent to a webhook (GET /notifications/webhooks/{id}/messages): each one's type, where it stands, how many attempts and the handler's last answer. With a MESSAGE id, that message (GET …/messages/{messageId}): its payload and every attempt, with the time, the handler's status and its answer.",
		Args:  webhookIDArgs(1, 2),
	}, func(cmd *cobra.Command, args []string, conn *apiConn, asJSON bool) error {
		id := args[0]
		notFound := func(err error, what string) string {
			return ifNotFound(err, "No "+what+" at "+conn.where()+": basiq-onboard webhooks list shows the webhooks, and webhooks messages WEBHOOK_ID the messages of one.")
		}
		if len(args) == 2 {
			m, err := conn.client.GetWebhookMessage(cmd.Context(), id, args[1])
			if err != nil {
				a.failCall(cmd, conn, "reading message "+args[1]+" of webhook "+id, err, notFound(err, "such message of webhook "+id))
				return nil
			}
			return a.printAnswer(conn, asJSON, m, messageText(m)...)
		}
		messages, err := conn.client.ListWebhookMessages(cmd.Context(), id)
		if err != nil {
			a.failCall(cmd, conn, "listing the messages of webhook "+id, err, notFound(err, "webhook "+id))
			return nil
		}
		if asJSON {
			return a.printJSON(conn, nonNil(messages))
		}
		if len(messages) == 0 {
			printLines(a.stdout, conn.redact, "No messages sent to webhook "+id+" yet: basiq-onboard trigger raises an event.")
			return nil
		}
		rows := make([][]string, len(messages))
		for i, m := range messages {
			rows[i] = []string{safe(m.ID), safe(m.TypeID()), messageStatus(m), fmt.Sprint(len(m.Attempts)), lastAnswer(m.Attempts), stampText(m.Created)}
		}
		a.printTable(conn, []string{"MESSAGE", "TYPE", "STATUS", "ATTEMPTS", "LAST ANSWER", "CREATED"}, rows)
		printLines(a.stdout, conn.redact, "One message with its attempts: webhooks messages ID MESSAGE.")
		return nil
	})
}

// messageStatus is where a message stands: the simulator says; else it
// is the last attempt's outcome.
func messageStatus(m basiq.WebhookMessage) string {
	switch {
	case m.Status != "":
		return safe(m.Status)
	case len(m.Attempts) == 0:
		return "not sent"
	case slices.ContainsFunc(m.Attempts, basiq.MessageAttempt.Succeeded):
		return "delivered"
	}
	return "failing"
}

// lastAnswer is what the handler answered last ("✓ 200 in 3ms", "✗ no
// answer"): the latest attempt, whichever order Basiq lists them in (its
// example: newest first; the simulator: oldest first).
func lastAnswer(attempts []basiq.MessageAttempt) string {
	if len(attempts) == 0 {
		return "–"
	}
	latest := attempts[len(attempts)-1]
	for _, at := range attempts {
		if at.Time().After(latest.Time()) {
			latest = at
		}
	}
	return attemptAnswer(latest)
}

func attemptAnswer(at basiq.MessageAttempt) string {
	mark := "✗"
	if at.Succeeded() {
		mark = "✓"
	}
	s := mark + " "
	if at.ResponseStatusCode == 0 {
		s += "no answer"
	} else {
		s += fmt.Sprint(int(at.ResponseStatusCode))
	}
	if at.DurationMs > 0 {
		s += fmt.Sprintf(" in %dms", at.DurationMs)
	}
	return s
}

// messageText is one message with its payload and every attempt.
func messageText(m basiq.WebhookMessage) []string {
	lines := []string{
		"Message " + safe(m.ID),
		"  webhook  " + safe(m.WebhookID),
		"  type     " + safe(m.TypeID()),
		"  event    " + safe(m.Payload.EventID),
		"  status   " + messageStatus(m),
	}
	if m.Created != "" {
		lines = append(lines, "  created  "+stampText(m.Created))
	}
	if m.NextAttempt != "" {
		lines = append(lines, "  next     "+stampText(m.NextAttempt))
	}
	if payload, err := json.Marshal(m.Payload); err == nil {
		lines = append(lines, "  payload  "+cut(string(payload), 400))
	}
	if len(m.Attempts) == 0 {
		return append(lines, "No attempts yet.")
	}
	lines = append(lines, "Attempts, as Basiq lists them:")
	for _, at := range m.Attempts {
		line := "  " + stampText(at.Timestamp) + "  " + attemptAnswer(at)
		if at.Fault != "" {
			line += "  fault " + safe(at.Fault)
		}
		if at.Error != "" {
			line += "  " + safe(at.Error)
		} else if at.Response != "" {
			line += "  " + cut(at.Response, 120)
		}
		if at.URL != "" {
			line += "  → " + cut(at.URL, 80)
		}
		lines = append(lines, line)
	}
	return lines
}

// stampText is an RFC 3339 time as this machine's date and time.
func stampText(s string) string {
	if s == "" {
		return "–"
	}
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return at.Local().Format("2006-01-02 15:04:05")
	}
	return safe(s)
}

// eventList names a webhook's event types: all 15, or each.
func eventList(types []string) string {
	all := webhook.EventTypeIDs()
	if len(types) == len(all) && !slices.ContainsFunc(all, func(t string) bool { return !slices.Contains(types, t) }) {
		return "all 15"
	}
	if len(types) == 0 {
		return "none"
	}
	return cut(strings.Join(types, ", "), 120)
}

// cut is a server's words made safe and cut to a column's cells.
func cut(s string, cells int) string { return text.Cut(sanitized(s), cells) }

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
