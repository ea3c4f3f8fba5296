//go:build !cgo

package tray

import (
	"context"
	"errors"
)

// Run fails: fyne.io/systray needs cgo (Cocoa) on macOS. Build the tray on
// a Mac with CGO_ENABLED=1 (docs/tray.md).
func Run(context.Context, Options) error {
	return errors.New("tray: this walkme-agent was built without cgo; the macOS tray needs a cgo build (see docs/tray.md)")
}
