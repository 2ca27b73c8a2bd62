package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
)

// Shell completion that knows the domain; cobra's hidden __complete command
// answers it (and the tests ask it).

type completer = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// completeRoot registers the wizard's completions; o is the command line
// parsed so far, which is what --user-id's depends on.
func (a *app) completeRoot(cmd *cobra.Command, o *options) {
	register(cmd, "persona", completePersona)
	register(cmd, "user-id", a.completeSavedUser(func() options { return *o }))
	register(cmd, "timeout", fixed("10m", "30m", "1h"))
	for _, name := range []string{"api-url", "consent-url", "email", "mobile", "job-id"} {
		register(cmd, name, cobra.NoFileCompletions)
	}
}

// completeSavedUser offers, for a --user-id, the user the last run against
// the command line's API kept (o is that command line as parsed so far).
func (a *app) completeSavedUser(o func() options) completer {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		id, where := a.savedUser(o())
		if id == "" {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return matching([]cobra.Completion{cobra.CompletionWithDesc(id, "the last user for "+where)}, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// savedUser is the user the last run against the command line's API kept,
// and that API's host; "" when there is none (the demo's simulator is new
// each run, so it never has one).
func (a *app) savedUser(o options) (id, where string) {
	if o.demo {
		return "", ""
	}
	o.apiURL = apiURLFlagOrEnv(o.apiURL, a.getenv)
	apiURL := apiURLOf(o)
	store, err := openStore()
	if err != nil {
		return "", ""
	}
	m, err := store.Recall(flow.Origin(apiURL))
	if err != nil {
		return "", ""
	}
	return m.UserID, whereLabel(apiURL)
}

// completePersona offers the sandbox logins, saying which fail and how.
func completePersona(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var logins []cobra.Completion
	for _, l := range simulator.Logins() {
		desc := l.Person + "'s accounts"
		if l.Fails != "" {
			desc = "fails: " + l.Fails
		}
		logins = append(logins, cobra.CompletionWithDesc(l.Name, desc))
	}
	return matching(logins, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeSimulator registers the simulator's completions.
func completeSimulator(cmd *cobra.Command) {
	register(cmd, "faults", completeFaults)
	register(cmd, "addr", fixed("127.0.0.1:8080", "127.0.0.1:0"))
	register(cmd, "step-delay", fixed("0s", "500ms", "2s"))
	register(cmd, "webhook-time-scale", fixed("1", "0.01", "0.001"))
	register(cmd, "webhook-faults", completeWebhookFaults)
	for _, name := range []string{"redirect-url", "max-users"} {
		register(cmd, name, cobra.NoFileCompletions)
	}
}

// completeFaults completes the last part of a fault spec: a kind as a share
// of all requests (503=), the kind an aimed route answers (…#2=503), or one
// of the other settings.
func completeFaults(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cut := strings.LastIndexByte(toComplete, ',') + 1
	done, part := toComplete[:cut], toComplete[cut:]
	var offers []cobra.Completion
	if key, _, ok := strings.Cut(part, "="); ok {
		if !strings.Contains(key, "#") {
			return nil, cobra.ShellCompDirectiveNoFileComp // a share or a number: the user's to type
		}
		for _, kind := range simulator.FaultKinds {
			offers = append(offers, cobra.CompletionWithDesc(done+key+"="+kind, "these requests to the route answer "+kind))
		}
	} else {
		for _, kind := range simulator.FaultKinds {
			offers = append(offers, cobra.CompletionWithDesc(done+kind+"=", "this share of all requests answer "+kind+", e.g. "+kind+"=0.1"))
		}
		offers = append(offers,
			cobra.CompletionWithDesc(done+"burst429=", "the first N requests answer 429"),
			cobra.CompletionWithDesc(done+"latency=", "this delay before every answer, e.g. latency=200ms"),
			cobra.CompletionWithDesc(done+"seed=", "the random sequence of the shares"))
	}
	return matching(offers, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeWebhookFaults completes a webhook fault spec: a type (or *),
// a count, a kind (basiq/webhook's, shared with listen's --forward-faults).
func completeWebhookFaults(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var offers []cobra.Completion
	for _, c := range webhook.CompleteFaults(toComplete) {
		offers = append(offers, cobra.CompletionWithDesc(c.Value, c.Description))
	}
	return offers, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// fixed offers a few typical values.
func fixed(values ...string) completer {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return matching(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func register(cmd *cobra.Command, flag string, f completer) {
	if err := cmd.RegisterFlagCompletionFunc(flag, f); err != nil {
		panic(err) // a flag renamed without its completion: a bug the tests meet at once
	}
}

// matching keeps the offers that start with what the user typed.
func matching(offers []cobra.Completion, toComplete string) []cobra.Completion {
	var keep []cobra.Completion
	for _, o := range offers {
		if strings.HasPrefix(o, toComplete) {
			keep = append(keep, o)
		}
	}
	return keep
}
