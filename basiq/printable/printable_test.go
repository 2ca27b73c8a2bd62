package printable

import "testing"

func TestTextKeepsLinesAndLineFlattensThem(t *testing.T) {
	for _, c := range []struct{ in, text, line string }{
		{"plain", "plain", "plain"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab", "two lines and a tab"},
		{"crlf\r\nend", "crlf\nend", "crlf  end"},
		// An escape that would set the clipboard, a zero-width space and a
		// bidi override are gone; invalid UTF-8 shows as U+FFFD.
		{"Hooli\x1b]52;c;aGk=\a Bank", "Hooli Bank", "Hooli Bank"},
		{"a\u200bb\u202ec", "abc", "abc"},
		{"bad \xff\xfe byte", "bad \uFFFD byte", "bad \uFFFD byte"},
		{"储蓄账户", "储蓄账户", "储蓄账户"},
	} {
		if got := Text(c.in); got != c.text {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.text)
		}
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
	}
}

func BenchmarkLinePlain(b *testing.B) {
	for b.Loop() {
		Line("Transaction 14000 · Hooli Bank")
	}
}
