// Package countspec reads the "which ones" of a fault spec, the grammar the
// simulator's --faults and the webhook faults share: N (the Nth), N-M (the
// Nth to the Mth) or N+ (the Nth and every one after it), counted from 1.
package countspec

import (
	"fmt"
	"regexp"
	"strconv"
)

// At most nine digits: a count past that is a typo, and it fits an int anywhere.
var count = regexp.MustCompile(`^([1-9][0-9]{0,8})(?:(\+)|-([1-9][0-9]{0,8}))?$`)

// Parse reads a count; to is 0 for N+ ("from on"). noun names what is
// counted in the error ("request": "the request number "x" is not …").
func Parse(s, noun string) (from, to int, err error) {
	m := count.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("the %s number %q is not N, N-M or N+ (counted from 1)", noun, s)
	}
	from, _ = strconv.Atoi(m[1])
	switch {
	case m[2] == "+":
	case m[3] != "":
		to, _ = strconv.Atoi(m[3])
	default:
		to = from
	}
	if to != 0 && to < from {
		return 0, 0, fmt.Errorf("the %ss %q run backwards", noun, s)
	}
	return from, to, nil
}

// Format writes a count back as Parse reads it.
func Format(from, to int) string {
	n := strconv.Itoa(from)
	switch {
	case to == 0:
		n += "+"
	case to != from:
		n += "-" + strconv.Itoa(to)
	}
	return n
}

// Must is what a fault spec's parser gave, for a spec written into a test
// or a program: it panics where the spec has an error.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Matches reports whether the nth is among the ones counted.
func Matches(n, from, to int) bool {
	return n >= from && (to == 0 || n <= to)
}
