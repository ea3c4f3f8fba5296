//go:build !windows

package policy

import (
	"context"
	"time"

	"github.com/walkme/session-agent/agent/config"
)

func read() ([]config.Layer, error) { return ReadFrom(paths()...) }

func watch(ctx context.Context, every time.Duration) <-chan struct{} {
	return WatchFrom(ctx, every, paths()...)
}

// machine: outside Windows the machine configuration is only the machine
// file, which agent/config reads.
func machine() ([]config.Layer, error) { return nil, nil }
