package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// Basiq's 15 event types on the command line: an argument or a list of
// them, checked against basiq/webhook's list, with a "did you mean" for a
// near miss, and offered by completion.

// checkEventType is a usage error for a name that is not one of Basiq's
// types (nil for one that is): the type meant for a near miss, and the 15
// on a line of their own. what is where the name was given ("", or
// "--events").
func checkEventType(command, what, name string) error {
	if _, ok := webhook.LookupEventType(name); ok {
		return nil
	}
	msg := "no event type " + quote(name)
	if what != "" {
		msg = what + ": " + msg
	}
	if near, ok := webhook.SuggestEventType(name); ok {
		msg += "; did you mean " + near + "?"
	}
	return usageWithList{usageError{command, msg}, "Basiq's 15: " + strings.Join(webhook.EventTypeIDs(), ", ")}
}

// parseEventTypes reads a comma-separated list of event types (blanks and
// repeats dropped); the first that is not one is the usage error.
func parseEventTypes(command, flag, list string) ([]string, error) {
	var types []string
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t == "" || slices.Contains(types, t) {
			continue
		}
		if err := checkEventType(command, flag, t); err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	return types, nil
}

// completeEventType offers the 15 types, each with Basiq's description.
func completeEventType(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var offers []cobra.Completion
	for _, t := range webhook.EventTypes {
		offers = append(offers, cobra.CompletionWithDesc(t.ID, t.Description))
	}
	return matching(offers, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeEventTypeList offers, after the types already given and a comma,
// the others.
func completeEventTypeList(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cut := strings.LastIndexByte(toComplete, ',') + 1
	done := toComplete[:cut]
	given := strings.Split(done, ",")
	var offers []cobra.Completion
	for _, t := range webhook.EventTypes {
		if !slices.Contains(given, t.ID) {
			offers = append(offers, cobra.CompletionWithDesc(done+t.ID, t.Description))
		}
	}
	return matching(offers, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
