//go:build !linux

package trayhost

import (
	"context"
	"runtime"
)

// Windows always has a notification area and macOS a menu bar.
func available(context.Context) (bool, string) {
	if runtime.GOOS == "darwin" {
		return true, "the macOS menu bar hosts the icon"
	}
	return true, "the Windows notification area hosts the icon"
}
