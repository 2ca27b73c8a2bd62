package webhook

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCheckTimeScale(t *testing.T) {
	for _, ok := range []float64{1, 0.001, 2, 1e-9} {
		if err := CheckTimeScale(ok); err != nil {
			t.Errorf("%g: %v", ok, err)
		}
	}
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if err := CheckTimeScale(bad); err == nil || !strings.Contains(err.Error(), "above 0") {
			t.Errorf("%g: %v", bad, err)
		}
	}
}

// Completion walks a spec through its parts: a type, a count, a kind, and
// every value it offers parses once finished.
func TestCompleteFaults(t *testing.T) {
	values := func(cs []Completion) []string {
		var out []string
		for _, c := range cs {
			if c.Description == "" {
				t.Errorf("%s has no description", c.Value)
			}
			out = append(out, c.Value)
		}
		return out
	}
	if got := values(CompleteFaults("")); len(got) != 16 || got[0] != "*#" || !slices.Contains(got, "user.created#") {
		t.Errorf("nothing typed: %v", got)
	}
	if got := values(CompleteFaults("consent.r")); !slices.Equal(got, []string{"consent.reminder#", "consent.revoked#"}) {
		t.Errorf("consent.r: %v", got)
	}
	if got := values(CompleteFaults("user.created#")); !slices.Contains(got, "user.created#2=") || !slices.Contains(got, "user.created#1+=") {
		t.Errorf("after the #: %v", got)
	}
	got := values(CompleteFaults("*#1=,user.created#2="))
	if len(got) != 4 {
		t.Fatalf("after the =: %v", got)
	}
	for _, spec := range got {
		if _, err := ParseFaults(strings.TrimPrefix(spec, "*#1=,")); err != nil {
			t.Errorf("%s does not parse: %v", spec, err)
		}
		if !strings.HasPrefix(spec, "*#1=,user.created#2=") {
			t.Errorf("%s lost what was typed before", spec)
		}
	}
	if got := values(CompleteFaults("*#3+=d")); !slices.Equal(got, []string{"*#3+=duplicate"}) {
		t.Errorf("a kind begun: %v", got)
	}
}
