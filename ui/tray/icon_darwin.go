//go:build cgo

package tray

import (
	"fyne.io/systray"

	"github.com/walkme/session-agent/ui/icons"
	"github.com/walkme/session-agent/ui/menu"
)

// setIcon uses the template image, which macOS tints for light and dark menu
// bars; the colour PNG is systray's fallback.
func setIcon(id menu.Icon) { systray.SetTemplateIcon(icons.Template(id), icons.PNG(id)) }

// setTitle does nothing: on macOS a title is text next to the icon in the
// menu bar, which would crowd it.
func setTitle(string) {}
