package countspec

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAndFormat(t *testing.T) {
	for s, want := range map[string][2]int{"1": {1, 1}, "3-5": {3, 5}, "2+": {2, 0}, "7-7": {7, 7}} {
		from, to, err := Parse(s, "request")
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("Parse(%q) = %d %d %v, want %v", s, from, to, err, want)
		}
		if !Matches(from, from, to) || Matches(from-1, from, to) || (to != 0 && Matches(to+1, from, to)) || (to == 0 && !Matches(1<<30, from, to)) {
			t.Errorf("Matches is wrong about %q", s)
		}
	}
	if got := Format(3, 3) + " " + Format(3, 5) + " " + Format(2, 0); got != "3 3-5 2+" {
		t.Errorf("Format: %q", got)
	}
	for s, want := range map[string]string{
		"0": `the message number "0" is not N, N-M or N+ (counted from 1)`, "x": `"x" is not`, "1-": `"1-" is not`,
		"-2": `"-2" is not`, "01": `"01" is not`, "5-3": `the messages "5-3" run backwards`, "1234567890": `"1234567890" is not`,
	} {
		if _, _, err := Parse(s, "message"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", s, err, want)
		}
	}
}

func TestMustPanicsOnASpecWithAnError(t *testing.T) {
	if got := Must(7, nil); got != 7 {
		t.Errorf("Must(7, nil) = %d", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "run backwards") {
			t.Errorf("Must of an error: recovered %v, want the error", r)
		}
	}()
	_, to, err := Parse("5-3", "request")
	Must(to, err)
}
