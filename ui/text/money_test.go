package text

import "testing"

func TestMoney(t *testing.T) {
	cases := []struct{ in, currency, want string }{
		{"34076.00", "AUD", "$34,076.00"},
		{"-6081.50", "AUD", "-$6,081.50"},
		{"0", "AUD", "$0.00"},
		{"1234567.891", "AUD", "$1,234,567.89"},
		{"12", "NZD", "NZD 12.00"},
		{"-0.5", "USD", "-USD 0.50"},
		{"1e5", "AUD", ""},
		{"12,00", "AUD", ""},
		{"", "AUD", ""},
		{"--1", "AUD", ""},
	}
	for _, c := range cases {
		if got := ParseMoney(c.in).Format(c.currency); got != c.want {
			t.Errorf("%q %s: %q, want %q", c.in, c.currency, got, c.want)
		}
	}
	sum := Money{}
	for _, balance := range []string{"34076.00", "38383.73", "-6081.50", "-299292.25"} { // Wentworth-Smith's
		sum = sum.Add(ParseMoney(balance))
	}
	if got := sum.Format("AUD"); got != "-$232,914.02" {
		t.Errorf("total %s, want -$232,914.02", got)
	}
	if FormatAmount("1e5", "AUD") != "1e5" {
		t.Error("an amount that does not parse must show as it came")
	}
}
