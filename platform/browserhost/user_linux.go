package browserhost

import (
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/packaging/nativehost"
)

// userLocations are where the browsers look for this user's host
// manifests on Linux: their folders under ~/.config for the Chromium
// family, ~/.mozilla for Firefox.
func userLocations() ([]Location, error) {
	config, err := os.UserConfigDir()
	if err != nil {
		return nil, err
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	file := nativehost.Name + ".json"
	return []Location{
		{"chrome", filepath.Join(config, "google-chrome", "NativeMessagingHosts", file)},
		{"chromium", filepath.Join(config, "chromium", "NativeMessagingHosts", file)},
		{"edge", filepath.Join(config, "microsoft-edge", "NativeMessagingHosts", file)},
		{"firefox", filepath.Join(home, ".mozilla", "native-messaging-hosts", file)},
	}, nil
}
