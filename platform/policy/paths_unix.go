//go:build !windows

package policy

import (
	"context"
	"time"

	"github.com/walkme/session-agent/agent/config"
)

// Read returns the managed policy layers of this machine, machine before
// user. No policy is no layers and no error.
func Read() ([]config.Layer, error) { return ReadFrom(paths()...) }

// Watch signals when any policy source changed (polled every interval),
// until ctx ends.
func Watch(ctx context.Context, every time.Duration) <-chan struct{} {
	return WatchFrom(ctx, every, paths()...)
}
