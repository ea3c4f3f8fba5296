package nativemsg

import (
	"strings"
	"testing"

	"github.com/walkme/session-agent/browser/extension"
)

// Caller reads the calling extension from the arguments each browser
// passes (https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging,
// and MDN's "Native manifests" for Firefox), and refuses anything else.
func TestCaller(t *testing.T) {
	const id = extension.ID
	tests := []struct {
		name string
		args []string
		want string // "" when refused
		err  string
	}{
		{"chrome on linux and macos", []string{"chrome-extension://" + id + "/"}, id, ""},
		{"chrome on windows", []string{"chrome-extension://" + id + "/", "--parent-window=6620"}, id, ""},
		{"firefox on linux", []string{"/usr/lib/mozilla/native-messaging-hosts/com.walkme.agent.json", extension.FirefoxID}, extension.FirefoxID, ""},
		{"firefox on windows", []string{`C:\Program Files\WalkMe\Agent\com.walkme.agent.firefox.json`, "{8a3b2f0e-1c4d-4e5f-9a6b-7c8d9e0f1a2b}"},
			"{8a3b2f0e-1c4d-4e5f-9a6b-7c8d9e0f1a2b}", ""},
		{"no arguments", nil, "", "named no calling extension"},
		{"short id", []string{"chrome-extension://abc/"}, "", "is not a chrome-extension://ID/ origin"},
		{"letters past p", []string{"chrome-extension://" + strings.Repeat("z", 32) + "/"}, "", "is not a chrome-extension://ID/ origin"},
		{"a path in the id", []string{"chrome-extension://" + id + "/../x/"}, "", "is not a chrome-extension://ID/ origin"},
		{"another scheme", []string{"moz-extension://" + id + "/"}, "", "no calling extension in the arguments"},
		{"firefox id without manifest", []string{extension.FirefoxID}, "", "no calling extension"},
		{"firefox bad id", []string{"/x/com.walkme.agent.json", "not an id"}, "", "no calling extension"},
		{"firefox bad guid", []string{"/x/com.walkme.agent.json", "{8a3b2f0e-1c4d-4e5f-9a6b-7c8d9e0f1a2g}"}, "", "no calling extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Caller(tt.args)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("Caller(%q) = %q, %v; want %q", tt.args, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Caller(%q) = %q, %v; want an error saying %q", tt.args, got, err, tt.err)
			}
		})
	}
}
