package widget

import (
	"strings"
	"testing"
)

func TestPasteWholeReplacesTheFieldTrimmedOrRefusesWhatWouldNotFit(t *testing.T) {
	in := TextInput("paste", 8)
	in.SetValue("old")
	if why := PasteWhole(&in, " abc123\n"); why != "" || in.Value() != "abc123" || in.Position() != 6 {
		t.Errorf("a paste that fits: %q, field %q, cursor at %d; want the field to hold it, trimmed, the cursor after it", why, in.Value(), in.Position())
	}
	if why := PasteWhole(&in, "123456789"); !strings.Contains(why, "9 characters") || in.Value() != "abc123" {
		t.Errorf("a paste too long: %q, field %q; want it refused whole, the field as it was", why, in.Value())
	}
}
