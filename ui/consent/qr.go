package consent

import (
	"strings"

	"rsc.io/qr"
)

// qrRows renders text as a QR code in half-block characters: each row of
// characters holds two rows of modules, with the quiet zone QR readers need.
// Dark modules are drawn as spaces on a light field, so it scans in dark and
// light terminals alike.
func qrRows(text string) ([]string, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return nil, err
	}
	const quiet = 2
	size := code.Size + 2*quiet
	dark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
	}
	var rows []string
	for y := 0; y < size; y += 2 {
		var b strings.Builder
		for x := 0; x < size; x++ {
			top, bottom := !dark(x, y), y+1 >= size || !dark(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteRune(' ')
			}
		}
		rows = append(rows, b.String())
	}
	return rows, nil
}
