package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/walkme/session-agent/internal/agentrun"
)

func cmdRun(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("run", "run")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	loaded, err := g.loadConfig()
	if err != nil {
		return g.fail(err)
	}
	level := new(slog.LevelVar)
	log := slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	// A change to the server or the keychain cannot be applied to a running
	// agent: start a new one in this process, on the session the keychain
	// holds. (No service manager is needed for that: Windows has none here.)
	for {
		setLevel(level, loaded.Config.LogLevel)
		for _, w := range loaded.Warnings {
			log.Warn("config", "warning", w)
		}
		syncUserHosts(log, loaded.Config.BrowserExtensions)
		r := &reloader{load: g.loadConfig, level: level, log: log, files: g.configFiles(), every: 30 * time.Second}
		if loaded.Config.DevMode {
			r.every = 2 * time.Second // tests and the demo see edits at once
		}
		err = agentrun.Run(ctx, agentrun.Options{Loaded: loaded, Socket: g.socket, Logger: log, Watch: r.watch})
		if !errors.Is(err, errRestart) {
			break
		}
		if loaded, err = g.loadConfig(); err != nil {
			break
		}
		log.Info("starting again with the new configuration")
	}
	if err != nil {
		return g.fail(err)
	}
	return exitOK
}

func newLogger(g *globals, level string) *slog.Logger {
	lv := new(slog.LevelVar)
	setLevel(lv, level)
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: lv}))
}

func setLevel(lv *slog.LevelVar, level string) {
	var l slog.Level
	if l.UnmarshalText([]byte(level)) == nil {
		lv.Set(l)
	}
}
