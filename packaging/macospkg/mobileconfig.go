package macospkg

import (
	"fmt"

	"howett.net/plist"
)

// Example policy values of the .mobileconfig template. Admins replace them;
// keys they do not manage should be deleted, not left empty.
var exampleSettings = map[string]any{
	"ServerURL":     "https://sessions.example.com",
	"ClientID":      "walkme-agent",
	"RenewInterval": "15m",
	// Browsers are not listed: an open browser is not an open WalkMe tab;
	// the browser extension reports those (native messaging).
	"PresenceProcesses": []string{"WalkMe Editor"},
	// The extensions the native-messaging host serves (the shipped one's
	// Chrome/Edge ID and Firefox add-on ID).
	"BrowserExtensions":    []string{"pjphaallaogfddomihpagleebbjnafgi", "walkme-agent@walkme.com"},
	"PresencePollInterval": "5s",
	"InactivityTimeout":    "24h",
	"AdminCenterURL":       "https://sessions.example.com/admin",
	"IdleWarning":          "2m",
	"LogLevel":             "info",
}

// Mobileconfig returns a configuration profile that manages the
// com.walkme.agent preference domain: macOS writes its keys to
// /Library/Managed Preferences/com.walkme.agent.plist, where the agent reads
// them as locked policy. settings nil means the example values.
func Mobileconfig(settings map[string]any) ([]byte, error) {
	if settings == nil {
		settings = exampleSettings
	}
	payload := map[string]any{
		"PayloadType":        BundleID,
		"PayloadIdentifier":  "com.walkme.agent.policy",
		"PayloadUUID":        "8B1F4C57-2D0E-4C5B-9F6A-3E2D7C1A9B40",
		"PayloadVersion":     1,
		"PayloadDisplayName": "WalkMe Agent policy",
	}
	for k, v := range settings {
		payload[k] = v
	}
	profile := map[string]any{
		"PayloadContent":      []any{payload},
		"PayloadType":         "Configuration",
		"PayloadIdentifier":   "com.walkme.agent.profile",
		"PayloadUUID":         "0E6A3B2C-71D4-4F8E-A5B9-C2D1E0F3A4B7",
		"PayloadVersion":      1,
		"PayloadDisplayName":  "WalkMe Agent",
		"PayloadDescription":  "Configures the WalkMe Session Agent. Values set here are locked for users.",
		"PayloadOrganization": "WalkMe",
		"PayloadScope":        "System",
	}
	b, err := plist.MarshalIndent(profile, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	return append(b, '\n'), nil
}
