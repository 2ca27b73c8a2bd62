package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ParseURL reads where deliveries go: an absolute http or https URL with a
// host. The error says what is wrong in words fit for a 400 or a usage error.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an http or https URL", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("%q has a user and password in it; webhooks are signed instead", raw)
	}
	return u, nil
}

// ErrNotLoopback is why CheckLoopback refused a URL.
var ErrNotLoopback = errors.New("webhooks are delivered only to this machine: 127.0.0.1 (or another 127.x address), [::1] or localhost")

// CheckLoopback accepts an http or https URL whose host is a loopback
// address (127.0.0.0/8, ::1) or the name localhost, and refuses any other
// with an error naming the host (errors.Is ErrNotLoopback). Names other
// than localhost are refused without a lookup: what a name resolves to can
// change after the check.
func CheckLoopback(raw string) error {
	u, err := ParseURL(raw)
	if err != nil {
		return err
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%s is not this machine: %w", u.Hostname(), ErrNotLoopback)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// loopbackOnly is a net.Dialer's Control that refuses to connect anywhere
// but loopback: the check again at the moment of connecting, where
// "localhost" has been resolved.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("%s is not this machine: %w", host, ErrNotLoopback)
	}
	return nil
}
