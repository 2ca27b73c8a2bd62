package flow

import (
	"io"
	"strings"
	"testing"
)

func TestReadLineTakesOneLineAndNoMore(t *testing.T) {
	r := strings.NewReader("first\nsecond\n")
	if got, err := readLine(r); got != "first" || err != nil {
		t.Fatalf("first line %q, %v", got, err)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "second\n" {
		t.Errorf("the next line was read ahead: left %q", rest)
	}
}
