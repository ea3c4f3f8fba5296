package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/walkme/session-agent/ui/tray"
)

func cmdTray(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("tray", "tray"), args); !ok {
		return code
	}
	o := tray.Options{Client: g.client(), Socket: g.socket, Logger: newLogger(g, "info")}
	if loaded, err := g.loadConfig(); err == nil {
		o.AdminCenterURL = loaded.Config.AdminCenterURL
		o.NotifyLead = loaded.Config.IdleWarning
		if o.NotifyLead == 0 {
			o.NotifyLead = -1 // IdleWarning 0 turns the warning off
		}
		o.Logger = newLogger(g, loaded.Config.LogLevel)
	}
	err := tray.Run(ctx, o)
	if errors.Is(err, tray.ErrAlreadyRunning) {
		// Autostart and a manual start meet here: the icon is up, all is well.
		fmt.Fprintln(g.stderr, "walkme-agent: the WalkMe tray is already running in this session")
		return exitOK
	}
	if err != nil {
		return g.fail(err)
	}
	return exitOK
}
