package tray

import (
	"fyne.io/systray"

	"github.com/walkme/session-agent/ui/icons"
	"github.com/walkme/session-agent/ui/menu"
)

func setIcon(id menu.Icon) { systray.SetIcon(icons.PNG(id)) }

// setTitle sets the StatusNotifierItem's Title, which hosts show when they
// cannot show the icon and in their item lists.
func setTitle(t string) { systray.SetTitle(t) }
