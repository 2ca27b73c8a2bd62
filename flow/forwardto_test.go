package flow

import "testing"

func TestForwardToTakesStripesForms(t *testing.T) {
	for in, want := range map[string]string{
		"3000":                            "http://localhost:3000",
		":3000":                           "http://localhost:3000",
		"localhost:3000":                  "http://localhost:3000",
		"127.0.0.1:8000/webhooks/basiq":   "http://127.0.0.1:8000/webhooks/basiq",
		"[::1]:3000/hook":                 "http://[::1]:3000/hook",
		"http://localhost:3000/hook":      "http://localhost:3000/hook",
		"https://dev.example.com/webhook": "https://dev.example.com/webhook",
		" 4242 ":                          "http://localhost:4242",
		"3000/webhooks":                   "http://localhost:3000/webhooks",
	} {
		got, err := ParseForwardTo(in)
		if err != nil || got != want {
			t.Errorf("ParseForwardTo(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "localhost", "70000", ":0", "ftp://x/y", "http://", "host:port", "http://u:p@localhost:3000/"} {
		if got, err := ParseForwardTo(bad); err == nil {
			t.Errorf("ParseForwardTo(%q) = %q, want an error", bad, got)
		}
	}
}
