package server

import (
	"context"
	"net/http"
	"strings"
)

// The Sessions page shows where each session was signed in: the client
// software (its User-Agent, shortened) and the address of the request
// that started it. Both come from the request and are for people only:
// nothing decides on them.

type deviceKey struct{}

// withDevice carries r's device description to startSession.
func withDevice(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, deviceKey{}, describeDevice(r.UserAgent(), sourceAddress(r)))
}

func deviceFrom(ctx context.Context) string {
	d, _ := ctx.Value(deviceKey{}).(string)
	return d
}

// describeDevice is "software · address", e.g. "Chrome on Linux ·
// 10.0.0.7" or "walkme-agent/1.4.0 · 10.0.0.9".
func describeDevice(ua, address string) string {
	soft := shortAgent(ua)
	if soft == "" {
		return address
	}
	return soft + " · " + address
}

// shortAgent names a browser and its OS from a User-Agent, or keeps the
// first product token of anything else (an agent's "walkme-agent/1.4.0").
func shortAgent(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return ""
	}
	if strings.HasPrefix(ua, "Mozilla/") {
		browser := "Browser"
		for _, b := range []struct{ token, name string }{
			{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		} {
			if strings.Contains(ua, b.token) {
				browser = b.name
				break
			}
		}
		for _, o := range []struct{ token, name string }{
			{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Android", "Android"}, {"iPhone", "iOS"}, {"Linux", "Linux"},
		} {
			if strings.Contains(ua, o.token) {
				return browser + " on " + o.name
			}
		}
		return browser
	}
	first, _, _ := strings.Cut(ua, " ")
	if len(first) > 64 {
		first = first[:64]
	}
	return first
}
