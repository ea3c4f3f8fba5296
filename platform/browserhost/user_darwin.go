package browserhost

import (
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/packaging/nativehost"
)

// userLocations are where the browsers look for this user's host
// manifests on macOS, under ~/Library/Application Support.
func userLocations() ([]Location, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	support := filepath.Join(home, "Library", "Application Support")
	file := nativehost.Name + ".json"
	return []Location{
		{"chrome", filepath.Join(support, "Google", "Chrome", "NativeMessagingHosts", file)},
		{"chromium", filepath.Join(support, "Chromium", "NativeMessagingHosts", file)},
		{"edge", filepath.Join(support, "Microsoft Edge", "NativeMessagingHosts", file)},
		{"firefox", filepath.Join(support, "Mozilla", "NativeMessagingHosts", file)},
	}, nil
}
