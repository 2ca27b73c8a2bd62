package flow

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// ParseForwardTo reads where listen (and the wizard's --forward-to) sends
// events, in the forms stripe's listen takes: a URL, host:port (with a path
// or not), :port, or a bare port (with a path or not); 3000 means
// http://localhost:3000. The
// error says what would do, in words fit for a usage error.
func ParseForwardTo(s string) (string, error) {
	s = strings.TrimSpace(s)
	want := "want a URL, host:port, :port or a port, e.g. 3000 (http://localhost:3000) or localhost:3000/webhooks"
	switch {
	case s == "":
		return "", fmt.Errorf("is empty: %s", want)
	case strings.Contains(s, "://"):
		u, err := webhook.ParseURL(s)
		if err != nil {
			return "", fmt.Errorf("%v: %s", err, want)
		}
		if err := checkPort(u.Port()); err != nil {
			return "", err
		}
		return u.String(), nil
	}
	if port, _, _ := strings.Cut(s, "/"); isPort(port) {
		s = ":" + s // 3000 and 3000/webhooks: a port of this machine
	}
	hostPort, path, _ := strings.Cut(s, "/")
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || port == "" {
		return "", fmt.Errorf("%q: %s", s, want)
	}
	if err := checkPort(port); err != nil {
		return "", err
	}
	if host == "" {
		host = "localhost"
	}
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/" + path}
	if path == "" {
		u.Path = ""
	}
	if _, err := webhook.ParseURL(u.String()); err != nil {
		return "", fmt.Errorf("%v: %s", err, want)
	}
	return u.String(), nil
}

func isPort(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}

func checkPort(port string) error {
	if port == "" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a port (1-65535)", port)
	}
	return nil
}
