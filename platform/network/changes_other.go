//go:build !linux && !darwin && !windows

package network

import "context"

// osChanges: no change feed on this OS; Watch polls.
func osChanges(ctx context.Context) <-chan struct{} { return nil }
