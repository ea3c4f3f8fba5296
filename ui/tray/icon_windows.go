package tray

import (
	"fyne.io/systray"

	"github.com/walkme/session-agent/ui/icons"
	"github.com/walkme/session-agent/ui/menu"
)

func setIcon(id menu.Icon) { systray.SetIcon(icons.ICO(id)) }

// setTitle does nothing: the notification area shows the tooltip instead.
func setTitle(string) {}
