package theme

import (
	"strings"

	"charm.land/bubbles/v2/spinner"
)

// Spin draws a spinner in the current colours: a spinner built before the
// terminal said whether its background is light keeps the style it was
// built with, so the frame is drawn with today's.
func (s *Styles) Spin(sp spinner.Model) string {
	sp.Style = s.Spinner
	return sp.View()
}

// DarkFromEnv guesses the terminal's background before it answers (or when
// it never does) from COLORFGBG ("15;0": light text on black). Dark when unsure.
func DarkFromEnv(getenv func(string) string) bool {
	v := getenv("COLORFGBG")
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return true
	}
	switch v[i+1:] {
	case "7", "15": // white or light grey background
		return false
	}
	return true
}
