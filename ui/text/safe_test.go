package text

import (
	"testing"
	"unicode"
)

func TestSafeDefusesWhatAServerCouldSendToTheTerminal(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain":            {"Hooli Bank", "Hooli Bank"},
		"clipboard (OSC)":  {"Hooli\x1b]52;c;ZXZpbA==\aBank", "HooliBank"},
		"redraw (CSI)":     {"Hooli\x1b[2J\x1b[HBank", "HooliBank"},
		"C1 CSI":           {"Hooli\u009b2JBank", "Hooli2JBank"},
		"newlines, tabs":   {"Hooli\r\nBank\tAU", "Hooli  Bank AU"},
		"bidi override":    {"Hooli \u202eknaB", "Hooli knaB"},
		"zero-width space": {"Hoo\u200bli", "Hooli"},
		"accents kept":     {"Crédit Agricole", "Crédit Agricole"},
	}
	for name, c := range cases {
		if got := Safe(c.in); got != c.want {
			t.Errorf("%s: Safe(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
}

func FuzzSafe(f *testing.F) {
	for _, s := range []string{"Hooli", "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", "\u009b31m", "a\u2066b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Safe(s) {
			if r != unicode.ReplacementChar && (unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)) {
				t.Fatalf("Safe(%q) kept %U", s, r)
			}
		}
	})
}

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
