// Package jsonlist reads what Basiq's spec and the people who write
// webhook captures give either as one string or as a list of strings
// (subscribedEvents, a header's values), for the client, the simulator
// and the webhook engine alike.
package jsonlist

import "encoding/json"

// Strings reads one JSON string (a list of it) or a list of strings; ok is
// false for anything else. JSON null reads as one empty string, as it does
// into a Go string.
func Strings(b []byte) (list []string, ok bool) {
	var one string
	if json.Unmarshal(b, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(b, &many) != nil {
		return nil, false
	}
	return many, true
}
