// Package version holds the build's version, set at link time with
// -ldflags "-X github.com/walkme/session-agent/internal/version.Version=...".
package version

import "runtime/debug"

// Version is the release version, or "dev".
var Version = "dev"

// String returns the version, falling back to the module's VCS revision.
func String() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev+" + s.Value[:12]
			}
		}
	}
	return Version
}
