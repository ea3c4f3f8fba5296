package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/walkme/session-agent/browser/nativemsg"
)

// cmdNativeHost is the browser extension's native-messaging host; the
// browser starts it when the extension connects (docs/products.md).
func cmdNativeHost(ctx context.Context, g *globals, args []string) int {
	// Browsers pass the caller's origin (and on Windows a window handle) as
	// arguments: accept and ignore them.
	if err := nativemsg.Serve(ctx, g.client(), bufio.NewReader(os.Stdin), g.stdout); err != nil {
		return g.fail(fmt.Errorf("native-host: %w", err))
	}
	return exitOK
}
