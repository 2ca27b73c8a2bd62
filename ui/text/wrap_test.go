package text

import "testing"

func TestWrapValueBreaksAtSpacesAndCutsOnlyWhatCannotFit(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"Max Wentworth-Smith & Paul Wentworth-Smith", 20, "Max Wentworth-Smith\n& Paul\nWentworth-Smith"},
		{"acc-0123456789abcdef", 8, "acc-0123\n456789ab\ncdef"},
		{"short", 20, "short"},
		{"a verylongwordindeed b", 6, "a\nverylo\nngword\nindeed\nb"},
	}
	for _, c := range cases {
		if got := WrapValue(c.in, c.w); got != c.want {
			t.Errorf("WrapValue(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}
