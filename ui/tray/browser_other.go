//go:build !linux && !darwin && !windows

package tray

import (
	"context"
	"os/exec"
)

func openURL(ctx context.Context, u string) error {
	return exec.CommandContext(ctx, "xdg-open", u).Start()
}
