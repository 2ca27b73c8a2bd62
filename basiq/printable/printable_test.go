package printable

import (
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

func TestLineDefusesWhatAServerCouldSendToTheTerminal(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"plain":            {"Hooli Bank", "Hooli Bank"},
		"clipboard (OSC)":  {"Hooli\x1b]52;c;ZXZpbA==\aBank", "HooliBank"},
		"redraw (CSI)":     {"Hooli\x1b[2J\x1b[HBank", "HooliBank"},
		"C1 CSI":           {"Hooli\u009b2JBank", "Hooli2JBank"},
		"newlines, tabs":   {"Hooli\r\nBank\tAU", "Hooli  Bank AU"},
		"bidi override":    {"Hooli \u202eknaB", "Hooli knaB"},
		"zero-width space": {"Hoo\u200bli", "Hooli"},
		"accents kept":     {"Crédit Agricole", "Crédit Agricole"},
		"wide kept":        {"储蓄账户", "储蓄账户"},
		"invalid UTF-8":    {"bad \xff\xfe byte", "bad \uFFFD byte"},
	}
	for name, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("%s: Line(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
}

// Text is Line but for the lines: a handler's body keeps its shape.
func TestTextKeepsNewlinesAndTabsAndDropsCarriageReturns(t *testing.T) {
	in := "{\r\n\t\"ok\": true\x1b[2J\u200b\r\n}"
	if got, want := Text(in), "{\n\t\"ok\": true\n}"; got != want {
		t.Errorf("Text(%q) = %q, want %q", in, got, want)
	}
	if got, want := Text("two\nlines\tand a tab"), "two\nlines\tand a tab"; got != want {
		t.Errorf("plain text with lines changed: %q", got)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"Hooli", "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", "\u009b31m", "a\u2066b", "a\nb\tc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Line(s) {
			if r != unicode.ReplacementChar && (unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)) {
				t.Fatalf("Line(%q) kept %U", s, r)
			}
		}
		for _, r := range Text(s) {
			if r != '\n' && r != '\t' && Hidden(r) {
				t.Fatalf("Text(%q) kept %U", s, r)
			}
		}
	})
}

func TestCutMeasuresCellsAndEndsWithAnEllipsis(t *testing.T) {
	for _, c := range []struct {
		in    string
		cells int
		want  string
	}{
		{"Savings", 10, "Savings"},
		{"Savings", 7, "Savings"},
		{"Savings", 6, "Savin…"},
		{"日本語の口座", 12, "日本語の口座"},
		{"日本語の口座", 11, "日本語の口…"},
		{"日本語の口座", 6, "日本…"}, // a wide character does not fit in the one cell left
		{"\x1b[1mBold\x1b[0m name", 9, "\x1b[1mBold\x1b[0m name"},
		{"anything", 0, ""},
		{"é", 1, "é"},
	} {
		if got := Cut(c.in, c.cells); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.cells, got, c.want)
		}
		if w := ansi.StringWidth(Cut(c.in, c.cells)); w > c.cells {
			t.Errorf("Cut(%q, %d) is %d cells", c.in, c.cells, w)
		}
	}
}

func BenchmarkLinePlain(b *testing.B) {
	for b.Loop() {
		Line("Transaction 14000 · Hooli Bank")
	}
}

// Width is the width a terminal draws, whatever the text: its ASCII shortcut
// must agree with the grapheme walk, or a column would end out of line.
func FuzzWidthIsTheTerminalsWidth(f *testing.F) {
	for _, s := range []string{"", "Savings 123890", "$34,076.00", "••8901", "储蓄账户", "e\u0301", "a\tb", "\x1b[31mred\x1b[0m", "\x7f", "👍🏽"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, the terminal draws %d cells", s, got, want)
		}
	})
}
