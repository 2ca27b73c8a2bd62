package flow

import "runtime"

// NoBrowserReason says why opening a browser here would not help, "" when it
// may: over SSH the browser would open on the remote machine, and on a Unix
// desktop-less machine there is nowhere to show one.
func NoBrowserReason(getenv func(string) string) string {
	return noBrowserReason(getenv, runtime.GOOS)
}

func noBrowserReason(getenv func(string) string, goos string) string {
	if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" || getenv("SSH_CLIENT") != "" {
		return "This is an SSH session, so a browser here would open on the remote machine."
	}
	switch goos {
	case "darwin", "windows", "ios", "android":
		return ""
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return "There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so no browser can open."
	}
	return ""
}
