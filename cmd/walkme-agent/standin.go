package main

import (
	"context"
)

// cmdStandin is a stand-in WalkMe window for the demo and tests: it does
// nothing until it is stopped. The demo starts it under a WalkMe process name
// (through a link named like the product), so presence sees it like the real
// thing.
func cmdStandin(ctx context.Context, g *globals, args []string) int {
	<-ctx.Done()
	return exitOK
}
