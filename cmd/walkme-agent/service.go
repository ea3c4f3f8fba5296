package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/walkme/session-agent/platform/service"
)

func cmdService(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("service", "service install|uninstall|start|stop|status")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	o := service.Options{ConfigFile: g.configFile, Logger: slog.New(slog.NewTextHandler(g.stderr, nil))}
	var err error
	switch fs.Arg(0) {
	case "install":
		err = service.Install(ctx, o)
	case "uninstall":
		err = service.Uninstall(ctx, o)
	case "start":
		err = service.Start(ctx, o)
	case "stop":
		err = service.Stop(ctx, o)
	case "status":
		var s string
		if s, err = service.Status(ctx); err == nil {
			fmt.Fprintln(g.stdout, s)
		}
	default:
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		return g.fail(fmt.Errorf("service %s: %w", fs.Arg(0), err))
	}
	return exitOK
}
