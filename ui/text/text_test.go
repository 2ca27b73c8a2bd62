package text

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

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

func TestFieldCutsTwoMebibytesTo200Cells(t *testing.T) {
	for name, huge := range map[string]string{
		"ascii":      strings.Repeat("A", 2<<20),
		"wide":       strings.Repeat("口", 1<<20),
		"combining":  strings.Repeat("e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301", 1<<17),
		"one escape": "\x1b]0;" + strings.Repeat("x", 2<<20) + "\x07",
	} {
		got := Field(huge)
		if w := ansi.StringWidth(got); w > FieldCells || !strings.HasSuffix(got, Ellipsis) || len(got) > FieldCells*bytesPerCell+len(Ellipsis) {
			t.Errorf("%s: %d cells, %d bytes, ends %q", name, w, len(got), got[max(len(got)-8, 0):])
		}
	}
	if got := Field(strings.Repeat("b", FieldCells)); got != strings.Repeat("b", FieldCells) {
		t.Error("a field of exactly 200 cells was cut")
	}
	if got := Field(strings.Repeat("b", FieldCells+1)); ansi.StringWidth(got) != FieldCells || !strings.HasSuffix(got, "b"+Ellipsis) {
		t.Errorf("201 cells became %q", got)
	}
}

func BenchmarkFieldOfTwoMebibytes(b *testing.B) {
	huge := strings.Repeat("Savings ", 1<<18)
	for b.Loop() {
		_ = Field(huge)
	}
}
