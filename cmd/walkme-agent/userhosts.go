package main

import (
	"log/slog"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/platform/browserhost"
)

// syncUserHosts makes this user's browser host registrations follow
// BrowserExtensions (ids; docs/deploy/browser-extension.md). Set, the
// browsers, which read a user's registration before the machine's, start
// the host the machine's manifests name for exactly those extensions: IT
// admits its own extension by policy, without rebuilding the packages.
// Unset, the agent removes the registrations it wrote and the machine's
// apply. A failure is logged: the machine's registrations still work.
func syncUserHosts(log *slog.Logger, ids []string) {
	if len(ids) == 0 {
		if err := browserhost.RemoveUser(); err != nil {
			log.Warn("browser host: removing this user's registrations", "err", err)
		}
		return
	}
	var chrome, firefox []string
	for _, id := range ids {
		if extension.IsChromeID(id) {
			chrome = append(chrome, id)
		} else {
			firefox = append(firefox, id)
		}
	}
	host := ""
	for _, r := range browserhost.Installed() {
		if r.Err == nil && !r.User {
			host = r.Host
			break
		}
	}
	if host == "" {
		log.Warn("browser host: BrowserExtensions is set, but no machine-wide host is installed to register for this user (install the agent package)")
		return
	}
	if err := browserhost.SetUser(host, chrome, firefox); err != nil {
		log.Warn("browser host: registering for this user", "err", err)
		return
	}
	log.Info("browser host: registered for this user", "extensions", ids, "host", host)
}
