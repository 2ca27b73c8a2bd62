package webhook

import (
	"fmt"
	"math"
	"strings"
)

// What the command lines that drive an engine share: the simulator's
// --webhook-time-scale and --webhook-faults, listen's --retry-time-scale
// and --forward-faults.

// CheckTimeScale accepts a time scale for Options.TimeScale as a flag gives
// it: a number above 0 (1 is Basiq's schedule, 0.001 makes 5 min 0.3 s).
// The error is fit for a usage error.
func CheckTimeScale(scale float64) error {
	if math.IsNaN(scale) || math.IsInf(scale, 0) || scale <= 0 {
		return fmt.Errorf("%g: want a number above 0 that multiplies Basiq's retry schedule, e.g. 0.001 (5 min becomes 0.3 s) or 1 (as Basiq)", scale)
	}
	return nil
}

// Completion is one offer of shell completion: the text and what it means.
type Completion struct{ Value, Description string }

// CompleteFaults completes the last part of a fault spec being typed (the
// parts before it, comma-separated, are kept): an event type (or *) first,
// then a count after the #, then a kind after the =.
func CompleteFaults(toComplete string) []Completion {
	cut := strings.LastIndexByte(toComplete, ',') + 1
	done, part := toComplete[:cut], toComplete[cut:]
	var offers []Completion
	switch key, _, hasKind := strings.Cut(part, "="); {
	case hasKind:
		for _, k := range FaultKinds {
			offers = append(offers, Completion{done + key + "=" + string(k), faultMeaning[k]})
		}
	case strings.Contains(part, "#"):
		typ, _, _ := strings.Cut(part, "#")
		for _, n := range []struct{ count, says string }{{"1", "the first message"}, {"2", "the second"}, {"1+", "every message"}, {"2-3", "the second and the third"}} {
			offers = append(offers, Completion{done + typ + "#" + n.count + "=", n.says + " of " + typ + " to each URL"})
		}
	default:
		offers = append(offers, Completion{done + "*#", "messages of every type"})
		for _, t := range EventTypes {
			offers = append(offers, Completion{done + t.ID + "#", t.Description})
		}
	}
	var keep []Completion
	for _, o := range offers {
		if strings.HasPrefix(o.Value, toComplete) {
			keep = append(keep, o)
		}
	}
	return keep
}

// faultMeaning says what each kind does to a handler, for completion.
var faultMeaning = map[FaultKind]string{
	BadSignature:   "signed with another secret: the handler must refuse it",
	StaleTimestamp: "a timestamp 10 minutes old: the handler must refuse it",
	Duplicate:      "sent twice with the same webhook-id: the handler must act once",
	OutOfOrder:     "held back until the next message: the handler must not rely on order",
}
