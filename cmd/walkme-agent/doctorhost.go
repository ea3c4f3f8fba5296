package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/walkme/session-agent/platform/browserhost"
)

// checkBrowserHost is doctor's line on the browser extension's way to the
// agent: the native-messaging host manifests the browsers read (regs,
// browserhost.Installed), and whether they admit every extension that
// BrowserExtensions (admitted) lists: the browser starts the host only for
// an extension its manifest admits, so a listed one missing there cannot
// connect.
func checkBrowserHost(regs []browserhost.Registration, admitted []string) check {
	const name = "browser host"
	if len(regs) == 0 {
		return check{name, false, "no native-messaging host manifest is installed: the WalkMe browser extension cannot reach the agent (install the agent package)"}
	}
	var problems []string
	reach := map[string]bool{}
	var groups []string // "chrome, chromium, edge admit ID"
	byIDs := map[string][]string{}
	for _, r := range regs {
		if r.Err != nil {
			problems = append(problems, r.Browser+": "+r.Err.Error())
			continue
		}
		ids := strings.Join(r.Allowed, ", ")
		if ids == "" {
			ids = "no extension"
		}
		if _, ok := byIDs[ids]; !ok {
			groups = append(groups, ids)
		}
		browser := r.Browser
		if r.User {
			browser += " (this user)"
		}
		if !slices.Contains(byIDs[ids], browser) {
			byIDs[ids] = append(byIDs[ids], browser)
		}
		for _, id := range r.Allowed {
			reach[id] = true
		}
	}
	for _, id := range admitted {
		if !reach[id] {
			problems = append(problems, fmt.Sprintf("BrowserExtensions lists %s, but no host manifest admits it, so no browser starts the host for it", id))
		}
	}
	if len(problems) > 0 {
		return check{name, false, strings.Join(problems, "; ")}
	}
	var parts []string
	for _, ids := range groups {
		verb := " admit "
		if len(byIDs[ids]) == 1 {
			verb = " admits "
		}
		parts = append(parts, strings.Join(byIDs[ids], ", ")+verb+ids)
	}
	info := strings.Join(parts, "; ")
	if len(admitted) > 0 {
		info += "; the host serves only BrowserExtensions: " + strings.Join(admitted, ", ")
	}
	return check{name, true, info}
}
