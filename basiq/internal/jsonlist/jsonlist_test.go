package jsonlist

import (
	"fmt"
	"testing"
)

func TestStringsReadsOneOrAList(t *testing.T) {
	for in, want := range map[string]string{
		`"user.created"`:                     `[user.created] true`,
		`["user.created","consent.revoked"]`: `[user.created consent.revoked] true`,
		`[]`:                                 `[] true`,
		`null`:                               `[] true`,
		`42`:                                 `[] false`,
		`{"type":"user.created"}`:            `[] false`,
		`["user.created",7]`:                 `[] false`,
	} {
		list, ok := Strings([]byte(in))
		if got := fmt.Sprint(list, " ", ok); got != want {
			t.Errorf("Strings(%s) = %s, want %s", in, got, want)
		}
	}
	if list, _ := Strings([]byte(`null`)); len(list) != 1 || list[0] != "" {
		t.Errorf("null read as %q, want one empty string", list)
	}
}
