package webhook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/countspec"
)

// FaultKind is a way a delivery misbehaves on purpose.
type FaultKind string

// The kinds of fault. Each changes the first attempt of the message it is
// aimed at; the retries (and a Resend) are sent as usual, so a handler that
// rejects the fault sees the good delivery follow on the schedule.
const (
	// BadSignature signs with another secret: the handler must refuse it.
	BadSignature FaultKind = "bad-signature"
	// StaleTimestamp sends a webhook-timestamp 10 minutes old, signed
	// correctly: the handler must refuse it (the 5-minute rule).
	StaleTimestamp FaultKind = "stale-timestamp"
	// Duplicate sends the first attempt twice, back to back, with the same
	// webhook-id: the handler must act on it once.
	Duplicate FaultKind = "duplicate"
	// OutOfOrder holds the message back until the next message to the same
	// URL has been sent (or the schedule's second delay has passed, when no
	// other comes): the handler must not rely on the order of events.
	OutOfOrder FaultKind = "out-of-order"
)

// FaultKinds are the kinds, as a spec names them.
var FaultKinds = []FaultKind{BadSignature, StaleTimestamp, Duplicate, OutOfOrder}

// staleBy is how old a stale-timestamp fault's timestamp is: twice the
// tolerance, so no clock skew makes it pass.
const staleBy = 2 * Tolerance

// Faults choose the messages that misbehave. A spec (ParseFaults; the
// simulator's --webhook-faults, listen's --forward-faults) is
// comma-separated parts, in the style of the simulator's --faults:
//
//	user.created#2=bad-signature   the 2nd user.created message to a URL
//	*#3+=stale-timestamp           the 3rd message of any type and every one after it
//	consent.revoked#1-3=duplicate  the 1st to the 3rd
//
// Messages are counted for each URL and each part's type, from 1. Where
// parts overlap, the first that matches a message wins.
type Faults struct {
	Rules []FaultRule
}

// FaultRule aims one kind of fault at some messages of an event type.
type FaultRule struct {
	EventType string // an id of EventTypes, or "*" for every type
	From, To  int    // the messages it is aimed at, counted from 1; To 0 = every one from From on
	Kind      FaultKind
}

// None reports whether no message misbehaves.
func (f Faults) None() bool { return len(f.Rules) == 0 }

// String writes the faults back as a spec that ParseFaults reads.
func (f Faults) String() string {
	parts := make([]string, len(f.Rules))
	for i, r := range f.Rules {
		parts[i] = r.EventType + "#" + countspec.Format(r.From, r.To) + "=" + string(r.Kind)
	}
	return strings.Join(parts, ",")
}

// matches reports whether the rule is aimed at the nth message of that type
// (n counted for the rule's own type, or all types for "*").
func (r FaultRule) matches(n int) bool { return countspec.Matches(n, r.From, r.To) }

// ParseFaults reads a spec; an error names the part it could not read and
// what would be right, in words fit for a usage error.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	if strings.TrimSpace(spec) == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		r, err := parseFaultRule(part)
		if err != nil {
			return Faults{}, fmt.Errorf("webhook fault %q: %w", part, err)
		}
		f.Rules = append(f.Rules, r)
	}
	return f, nil
}

// MustParseFaults is ParseFaults for a spec written into a test.
func MustParseFaults(spec string) Faults { return countspec.Must(ParseFaults(spec)) }

func parseFaultRule(part string) (FaultRule, error) {
	key, kind, ok := strings.Cut(part, "=")
	eventType, count, aimed := strings.Cut(key, "#")
	if !ok || !aimed {
		return FaultRule{}, fmt.Errorf("want TYPE#N=KIND, e.g. user.created#2=bad-signature or *#3+=stale-timestamp")
	}
	eventType, count, kind = strings.TrimSpace(eventType), strings.TrimSpace(count), strings.TrimSpace(kind)
	r := FaultRule{EventType: eventType, Kind: FaultKind(kind)}
	if eventType != "*" {
		if _, known := LookupEventType(eventType); !known {
			if s, near := SuggestEventType(eventType); near {
				return r, fmt.Errorf("unknown event type %q (did you mean %s?)", eventType, s)
			}
			return r, fmt.Errorf("unknown event type %q (one of %s, or * for all)", eventType, strings.Join(EventTypeIDs(), ", "))
		}
	}
	var err error
	if r.From, r.To, err = countspec.Parse(count, "message"); err != nil {
		return r, err
	}
	if !slices.Contains(FaultKinds, r.Kind) {
		names := make([]string, len(FaultKinds))
		for i, k := range FaultKinds {
			names[i] = string(k)
		}
		return r, fmt.Errorf("unknown kind %q (kinds: %s)", kind, strings.Join(names, ", "))
	}
	return r, nil
}
