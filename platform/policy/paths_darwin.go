package policy

import (
	"os"
	"os/user"
	"path/filepath"
)

// paths are the policy files of this OS, most authoritative first: the
// device-wide managed preferences, then the current user's.
func paths() []string {
	out := []string{filepath.Join(MacManagedPreferences, MacDomain+".plist")}
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name != "" {
		out = append(out, filepath.Join(MacManagedPreferences, name, MacDomain+".plist"))
	}
	return out
}
