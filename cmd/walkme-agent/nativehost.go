package main

import (
	"bufio"
	"context"
	"fmt"
	"slices"

	"github.com/walkme/session-agent/browser/nativemsg"
)

// cmdNativeHost is the browser extension's native-messaging host; the
// browser starts it when the extension connects (docs/products.md). The
// browser passes the calling extension in the arguments; with
// BrowserExtensions set (by policy, usually), the host serves only the
// extensions it names.
func cmdNativeHost(ctx context.Context, g *globals, args []string) int {
	loaded, err := g.loadConfig()
	if err != nil {
		return g.fail(fmt.Errorf("native-host: %w", err))
	}
	if allowed := loaded.Config.BrowserExtensions; len(allowed) > 0 {
		caller, err := nativemsg.Caller(args)
		if err != nil {
			return g.fail(fmt.Errorf("native-host: BrowserExtensions (%s) admits only %q: %w",
				loaded.Source("BrowserExtensions"), allowed, err))
		}
		if !slices.Contains(allowed, caller) {
			return g.fail(fmt.Errorf("native-host: extension %q is not in BrowserExtensions (%s), which admits %q",
				caller, loaded.Source("BrowserExtensions"), allowed))
		}
	}
	if err := nativemsg.Serve(ctx, g.client(), bufio.NewReader(g.stdin), g.stdout); err != nil {
		return g.fail(fmt.Errorf("native-host: %w", err))
	}
	return exitOK
}
