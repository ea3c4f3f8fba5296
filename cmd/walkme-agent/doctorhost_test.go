package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/platform/browserhost"
)

// doctor's browser-host line, from the registrations browserhost finds
// (read from real files in platform/browserhost's tests and in e2e's .deb
// test): what an admin sees for a good install, a missing one, a broken
// manifest, and a BrowserExtensions that no manifest admits.
func TestCheckBrowserHost(t *testing.T) {
	reg := func(browser string, ids ...string) browserhost.Registration {
		return browserhost.Registration{Location: browserhost.Location{Browser: browser}, Allowed: ids}
	}
	installed := []browserhost.Registration{
		reg("chrome", extension.ID), reg("chromium", extension.ID), reg("edge", extension.ID),
		reg("firefox", extension.FirefoxID), reg("firefox", extension.FirefoxID),
	}
	broken := append([]browserhost.Registration{}, installed...)
	broken[1].Err = errors.New("/etc/chromium/native-messaging-hosts/com.walkme.agent.json: the host program: no such file or directory")
	tests := []struct {
		name     string
		regs     []browserhost.Registration
		admitted []string
		ok       bool
		info     string
	}{
		{"installed", installed, nil, true,
			"chrome, chromium, edge admit " + extension.ID + "; firefox admits " + extension.FirefoxID},
		{"narrowed", installed, []string{extension.ID}, true, "; the host serves only BrowserExtensions: " + extension.ID},
		{"this user's", append(installed, browserhost.Registration{Location: browserhost.Location{Browser: "chromium"}, User: true,
			Allowed: []string{"abcdefghijklmnopabcdefghijklmnop"}}), []string{"abcdefghijklmnopabcdefghijklmnop"}, true,
			"; chromium (this user) admits abcdefghijklmnopabcdefghijklmnop; the host serves only BrowserExtensions: abcdefghijklmnopabcdefghijklmnop"},
		{"none", nil, nil, false, "no native-messaging host manifest is installed"},
		{"broken", broken, nil, false, "chromium: /etc/chromium/native-messaging-hosts/com.walkme.agent.json: the host program: no such file"},
		{"not admitted", installed, []string{extension.ID, "abcdefghijklmnopabcdefghijklmnop"}, false,
			"BrowserExtensions lists abcdefghijklmnopabcdefghijklmnop, but no host manifest admits it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := checkBrowserHost(tt.regs, tt.admitted)
			if c.ok != tt.ok || !strings.Contains(c.info, tt.info) {
				t.Fatalf("checkBrowserHost = %v %q; want %v and %q", c.ok, c.info, tt.ok, tt.info)
			}
		})
	}
}
