package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/version"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/keychain"
	"github.com/walkme/session-agent/platform/network"
	"github.com/walkme/session-agent/platform/power"
	"github.com/walkme/session-agent/platform/presence"
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
		r := &reloader{load: g.loadConfig, level: level, files: g.configFiles(), every: 30 * time.Second}
		if loaded.Config.DevMode {
			r.every = 2 * time.Second // tests and the demo see edits at once
		}
		err = runAgent(ctx, loaded, g.socket, log, nil, r)
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

// runAgent runs an agent until ctx ends. mem, when set, is the memory
// keychain's store (the demo restarts the agent over one store); r, when set,
// applies configuration changes while the agent runs.
func runAgent(ctx context.Context, loaded *config.Loaded, socket string, log *slog.Logger, mem *keychain.MemoryStore, r *reloader) error {
	cfg := loaded.Config
	kc, err := keychain.Open(keychain.Options{
		Backend: cfg.KeychainBackend, Service: cfg.KeychainService, Logger: log, Memory: mem,
	})
	if err != nil {
		return fmt.Errorf("keychain: %w", err)
	}
	httpClient, err := httpClientFor(cfg)
	if err != nil {
		return err
	}
	ln, err := ipc.Listen(socket)
	if err != nil {
		return fmt.Errorf("local API: %w", err)
	}
	defer ln.Close()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	live := new(atomic.Pointer[config.Config])
	live.Store(&cfg)
	a, err := agent.New(agent.Options{
		Config:   cfg,
		Locked:   lockedKeys(loaded),
		Keychain: kc,
		Auth:     auth.New(auth.Options{Issuer: cfg.ServerURL, ClientID: cfg.ClientID, HTTPClient: httpClient, Logger: log}),
		Presence: watchPresence(ctx, live, log),
		Network:  watchNetwork(ctx, cfg.ServerURL),
		Power:    watchPower(ctx, log),
		Logger:   log,
		Version:  version.String(),
	})
	if err != nil {
		return err
	}
	srv := localapi.NewServer(localapi.Handler(a, log))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("local API", "err", err)
			cancel(err)
		}
	}()
	if r != nil {
		go r.watch(ctx, a, live, log, cancel)
	}
	log.Info("agent running", "version", version.String(), "socket", socket, "server", cfg.ServerURL,
		"keychain", kc.Backend())
	err = a.Run(ctx)
	shutdown, stop := context.WithTimeout(context.Background(), 2*time.Second)
	defer stop()
	_ = srv.Shutdown(shutdown)
	if cause := context.Cause(ctx); errors.Is(cause, errRestart) {
		return cause
	}
	return err
}

// httpClientFor trusts CAFile in addition to the system roots.
func httpClientFor(cfg config.Config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CAFile: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CAFile %s: no PEM certificates in it", cfg.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// watchPresence scans for WalkMe processes and reports the names on change.
// It follows the live configuration's process names and poll interval.
func watchPresence(ctx context.Context, live *atomic.Pointer[config.Config], log *slog.Logger) <-chan []string {
	out := make(chan []string)
	go func() {
		defer close(out)
		var sc *presence.Scanner
		var scanning []string
		var last []string
		first := true
		for {
			cfg := live.Load()
			if sc == nil || !slices.Equal(scanning, cfg.PresenceProcesses) {
				scanning = cfg.PresenceProcesses
				sc = presence.NewScanner(scanning)
			}
			names, err := sc.Scan()
			if err != nil {
				log.Warn("presence scan", "err", err)
			} else if first || !slices.Equal(names, last) {
				first, last = false, names
				select {
				case out <- names:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-time.After(cfg.PresencePollInterval):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// watchNetwork reports whether the server is reachable, on change.
func watchNetwork(ctx context.Context, server string) <-chan bool {
	if server == "" {
		return nil // never ready: no server, nothing to reach
	}
	// The OS change feed (rtnetlink, the route socket, NotifyIpInterfaceChange)
	// reports changes at once; the poll only backs it up.
	return convert(ctx, network.Watch(ctx, server, 30*time.Second), func(st network.Status) bool { return st.Up })
}

// watchPower reports sleep, wake and lid changes from platform/power.
func watchPower(ctx context.Context, log *slog.Logger) <-chan agent.PowerState {
	// Sleep events come from the OS (logind, Win32, IOKit) and give the
	// moment; the clock-gap check only backs them up. Every wakeup of an idle
	// agent costs CPU (docs/performance.md), so it polls every 10 s: a missed
	// wake is still noticed long before any session deadline.
	in, err := power.Watch(ctx, power.Options{Logger: log, GapPoll: 10 * time.Second})
	if err != nil {
		log.Warn("power events unavailable; sleep is detected from the clocks only on the next check", "err", err)
		return nil
	}
	return convert(ctx, in, func(ev power.Event) agent.PowerState {
		return agent.PowerState{Asleep: ev.State.Asleep, LidClosed: ev.State.LidClosed, Slept: ev.Slept}
	})
}

// convert relays a platform package's events to the agent in the agent's
// types, until in closes or ctx ends.
func convert[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func lockedKeys(l *config.Loaded) []string {
	var keys []string
	for _, s := range l.Settings {
		if s.Locked {
			keys = append(keys, s.Key)
		}
	}
	return keys
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
