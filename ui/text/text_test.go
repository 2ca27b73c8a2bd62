package text

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestFieldCutsTwoMebibytesTo200Cells(t *testing.T) {
	for name, huge := range map[string]string{
		"ascii":      strings.Repeat("A", 2<<20),
		"wide":       strings.Repeat("口", 1<<20),
		"combining":  strings.Repeat("e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301", 1<<17),
		"one escape": "\x1b]0;" + strings.Repeat("x", 2<<20) + "\x07",
	} {
		got := Field(huge)
		if w := ansi.StringWidth(got); w > FieldCells || !strings.HasSuffix(got, Ellipsis) || len(got) > FieldCells*32+len(Ellipsis) /* Cut reads 32 bytes a cell at most */ {
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
