package theme

import (
	"image/color"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

func TestWrapKeepsASentenceOfSeveralStylesWithinTheWidth(t *testing.T) {
	st := New(true)
	out := Wrap(30, st.Muted.Render("No key yet? Press "), st.Key.Render("d"), st.Muted.Render(" for the demo: the whole flow against a simulator."))
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		t.Fatalf("a 70-column sentence in 30 columns did not wrap:\n%s", out)
	}
	for _, l := range lines {
		if w := lipgloss.Width(l); w > 30 {
			t.Errorf("line %q is %d wide", l, w)
		}
	}
	if !strings.Contains(out, "simulator.") {
		t.Errorf("the end of the sentence is lost:\n%s", out)
	}
}

// contrast is the WCAG contrast ratio of two colours (1 to 21).
func contrast(a, b color.Color) float64 {
	luminance := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		linear := func(v uint32) float64 {
			x := float64(v) / 0xffff
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*linear(r) + 0.7152*linear(g) + 0.0722*linear(b)
	}
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestEveryColourIsReadableOnLightAndDarkBackgrounds(t *testing.T) {
	backgrounds := map[bool][]color.Color{
		true:  {color.Black, color.RGBA{0x17, 0x17, 0x17, 0xff}, color.RGBA{0x1e, 0x1e, 0x2e, 0xff}},
		false: {color.White, color.RGBA{0xfa, 0xfa, 0xfa, 0xff}, color.RGBA{0xf5, 0xf5, 0xf0, 0xff}},
	}
	for _, dark := range []bool{true, false} {
		s := New(dark)
		text := map[string]color.Color{"text": s.Text.GetForeground(), "muted (hints, dim text)": s.MutedColor, "accent": s.AccentColor,
			"success": s.SuccessColor, "error": s.ErrorColor, "warning": s.WarningColor}
		faint := map[string]color.Color{"dimmed": s.DimmedColor, "subtle (rules, progress track)": s.SubtleColor}
		for _, bg := range backgrounds[dark] {
			for name, c := range text {
				if r := contrast(c, bg); r < 4.5 {
					t.Errorf("dark=%v: %s is %.2f:1 on %v, under 4.5:1", dark, name, r, bg)
				}
			}
			for name, c := range faint {
				if r := contrast(c, bg); r < 3 {
					t.Errorf("dark=%v: %s is %.2f:1 on %v, under 3:1", dark, name, r, bg)
				}
			}
		}
		sel := s.SelectedRow.GetBackground()
		for name, c := range map[string]color.Color{"text": s.SelectedRow.GetForeground(), "negative money": s.ErrorColor, "the › mark": s.AccentColor} {
			if r := contrast(c, sel); r < 4.5 {
				t.Errorf("dark=%v: %s on the selected row is %.2f:1, under 4.5:1", dark, name, r)
			}
		}
	}
}

// sgrParams are the SGR parameters of every escape sequence in s.
func sgrParams(s string) [][]string {
	var out [][]string
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return out
		}
		s = s[i+2:]
		j := strings.IndexFunc(s, func(r rune) bool { return r >= 0x40 && r <= 0x7e })
		if j < 0 {
			return out
		}
		if s[j] == 'm' {
			out = append(out, strings.Split(s[:j], ";"))
		}
		s = s[j+1:]
	}
}

// Issue 19 item 8: with 8 or 16 colours (TERM=xterm) every text is readable
// on dark and light backgrounds: nothing is blue (dark blue on black), bright
// black (gone on black) or white and black text (gone on one or the other);
// muted text is faint in the default colour.
func TestItem8AtSixteenColoursEveryTextIsReadableOnDarkAndLight(t *testing.T) {
	unreadable := map[string]string{"30": "black", "34": "blue", "37": "white", "90": "bright black", "94": "bright blue", "97": "bright white",
		"40": "a black background", "44": "a blue background", "100": "a bright black background", "104": "a bright blue background", "33": "yellow (on white)"}
	for _, dark := range []bool{true, false} {
		st := NewFor(dark, colorprofile.ANSI)
		v := reflect.ValueOf(*st)
		for i := range v.NumField() {
			style, ok := v.Field(i).Interface().(lipgloss.Style)
			name := v.Type().Field(i).Name
			if !ok || name == "QR" { // the QR code sets both its colours, so a phone reads it anywhere
				continue
			}
			var buf strings.Builder
			w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI}
			_, _ = w.WriteString(style.Render("text"))
			for _, params := range sgrParams(buf.String()) {
				for _, p := range params {
					if what, bad := unreadable[p]; bad && !(p == "33" && dark) {
						t.Errorf("dark %v: %s is %s (SGR %s): %q", dark, name, what, p, buf.String())
					}
				}
			}
		}
		var buf strings.Builder
		w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI}
		_, _ = w.WriteString(st.Muted.Render("hint"))
		if got := sgrParams(buf.String()); len(got) == 0 || !slices.Contains(got[0], "2") || len(got[0]) != 1 {
			t.Errorf("dark %v: muted text is %q, want faint in the default colour", dark, buf.String())
		}
	}
	// 256 colours and more keep the palette the contrast test checks.
	if NewFor(true, colorprofile.ANSI256).Muted.GetForeground() == (lipgloss.NoColor{}) {
		t.Error("at 256 colours muted text lost its colour")
	}
}
