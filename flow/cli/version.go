package cli

import (
	"runtime/debug"
	"strings"
)

// version is set at build time with
// -ldflags "-X github.com/basiq-onboard/basiq-onboard/flow/cli.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

// currentVersion is what --version says: the stamped version, the module's
// (go install …@v1.2.3), or the commit a checkout was built from.
func currentVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	// Built from a checkout: the commit says which.
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+changes"
			}
		}
	}
	if rev == "" {
		return "development build (go run and -buildvcs=false record no commit)"
	}
	return "commit " + rev[:min(12, len(rev))] + modified
}

// userAgent is what every request says it is: the version, or "dev" for a
// build that has none stamped.
func userAgent() string { return "basiq-onboard/" + shortVersion() }

// shortVersion is the version in a word: "dev" for a build that has none stamped.
func shortVersion() string {
	v := currentVersion()
	if strings.Contains(v, " ") {
		v = "dev"
	}
	return strings.TrimPrefix(v, "commit ")
}
