package text

import "strings"

// ShortID shortens a Basiq id (a UUID) for a heading: its first 8 characters.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// MaskNumber keeps the last four characters of an account number: "••0002".
func MaskNumber(n string) string {
	digits := []rune(strings.TrimSpace(Safe(n)))
	if len(digits) <= 4 {
		return string(digits)
	}
	return "••" + string(digits[len(digits)-4:])
}
