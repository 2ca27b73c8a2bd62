package text

import (
	"math/big"
	"strings"
)

// Money is an exact amount parsed from Basiq's decimal strings ("-6081.50"):
// never a float, so totals come out to the cent.
type Money struct {
	r  *big.Rat
	ok bool
}

// ParseMoney reads a plain decimal ("1234", "-6081.50", "+0.5"); anything
// else (exponents, commas, "") is not ok and stays out of totals.
func ParseMoney(s string) Money {
	s = strings.TrimSpace(s)
	body := strings.TrimLeft(s, "+-")
	if body == "" || len(s)-len(body) > 1 || strings.Count(body, ".") > 1 || strings.HasPrefix(body, ".") || strings.HasSuffix(body, ".") {
		return Money{}
	}
	for _, c := range body {
		if (c < '0' || c > '9') && c != '.' {
			return Money{}
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return Money{r: r, ok: ok}
}

// OK reports whether the amount parsed.
func (m Money) OK() bool { return m.ok }

// Negative reports whether the amount is below zero.
func (m Money) Negative() bool { return m.ok && m.r.Sign() < 0 }

// Add returns m + o.
func (m Money) Add(o Money) Money {
	if !m.ok {
		return o
	}
	if !o.ok {
		return m
	}
	return Money{r: new(big.Rat).Add(m.r, o.r), ok: true}
}

// Format writes the amount with its currency: "$34,076.00", "-$6,081.50",
// "NZD 12.00"; two decimals, thousands separated.
func (m Money) Format(currency string) string {
	if !m.ok {
		return ""
	}
	neg := m.r.Sign() < 0
	digits := new(big.Rat).Abs(m.r).FloatString(2) // exact rounding of a Rat
	whole, frac, _ := strings.Cut(digits, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	number := b.String() + "." + frac
	symbol := currencySymbol(currency)
	sign := ""
	if neg {
		sign = "-"
	}
	if symbol != "" {
		return sign + symbol + number
	}
	if currency == "" {
		return sign + number
	}
	return sign + currency + " " + number
}

func currencySymbol(currency string) string {
	switch strings.ToUpper(currency) {
	case "AUD":
		return "$"
	}
	return ""
}

// FormatAmount formats a Basiq decimal string; one that does not parse is
// shown as it came.
func FormatAmount(amount, currency string) string {
	m := ParseMoney(amount)
	if !m.ok {
		return amount
	}
	return m.Format(currency)
}
