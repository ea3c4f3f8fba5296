//go:build !linux && (!darwin || cgo)

package tray

import (
	"context"
	"log/slog"
)

// watchHost has nothing to watch: the OS always hosts the icon.
func watchHost(context.Context, *slog.Logger) {}
