package main

import (
	"context"

	"github.com/walkme/session-agent/ui/tray"
)

func cmdTray(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("tray", "tray"), args); !ok {
		return code
	}
	o := tray.Options{Client: g.client(), Socket: g.socket, Logger: newLogger(g, "info")}
	if loaded, err := g.loadConfig(); err == nil {
		o.AdminCenterURL = loaded.Config.AdminCenterURL
		o.Logger = newLogger(g, loaded.Config.LogLevel)
	}
	if err := tray.Run(ctx, o); err != nil {
		return g.fail(err)
	}
	return exitOK
}
