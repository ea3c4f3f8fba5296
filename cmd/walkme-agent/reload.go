package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/agentrun"
	"github.com/walkme/session-agent/platform/policy"
)

// errRestart ends the agent so that cmdRun starts a new one with a
// configuration that cannot change under a running agent.
var errRestart = errors.New("configuration change needs a restart")

// reloader applies configuration changes (managed policy, config files) to
// a running agent. A bad change is logged and the agent keeps its last good
// configuration.
type reloader struct {
	load  func() (*config.Loaded, error)
	level *slog.LevelVar
	log   *slog.Logger
	files []string      // config files to watch besides the policy sources
	every time.Duration // how often the sources are checked
}

func (r *reloader) watch(ctx context.Context, a *agent.Agent, live *atomic.Pointer[config.Config], restart context.CancelCauseFunc) {
	log := r.log
	changes := merge(policy.Watch(ctx, r.every), policy.WatchFrom(ctx, r.every, r.files...))
	for range changes {
		loaded, err := r.load()
		if err != nil {
			log.Error("configuration change rejected; keeping the last good configuration", "err", err)
			continue
		}
		old := *live.Load()
		if keys := restartKeys(old, loaded.Config); len(keys) > 0 {
			log.Warn("configuration changed", "keys", keys)
			restart(errRestart)
			return
		}
		live.Store(&loaded.Config)
		setLevel(r.level, loaded.Config.LogLevel)
		if !slices.Equal(old.BrowserExtensions, loaded.Config.BrowserExtensions) {
			syncUserHosts(log, loaded.Config.BrowserExtensions)
		}
		if err := a.Reconfigure(ctx, loaded.Config, agentrun.LockedKeys(loaded)); err != nil {
			return
		}
		log.Info("configuration reloaded")
	}
}

// restartKeys lists the changed settings that a running agent cannot adopt:
// they name the server, the client or the keychain.
func restartKeys(old, cur config.Config) []string {
	var keys []string
	add := func(changed bool, key string) {
		if changed {
			keys = append(keys, key)
		}
	}
	add(old.ServerURL != cur.ServerURL, "ServerURL")
	add(old.ClientID != cur.ClientID, "ClientID")
	add(old.KeychainService != cur.KeychainService, "KeychainService")
	add(old.KeychainBackend != cur.KeychainBackend, "KeychainBackend")
	add(old.CAFile != cur.CAFile, "CAFile")
	return keys
}

// merge coalesces change signals; it closes when every source has closed
// (they close when their context ends).
func merge(chans ...<-chan struct{}) <-chan struct{} {
	out := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for _, c := range chans {
		wg.Go(func() {
			for range c {
				select {
				case out <- struct{}{}:
				default:
				}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// configFiles are the files whose edits the running agent picks up.
func (g *globals) configFiles() []string {
	if g.configFile != "" {
		return []string{g.configFile}
	}
	files := []string{config.DefaultMachineFile()}
	if f, err := config.DefaultUserFile(); err == nil {
		files = append(files, f)
	}
	return files
}
