// Package agentrun wires a session agent to the machine it runs on: the
// keychain, the HTTP client for the server, the local API's socket and the
// presence, network and power watchers. It is what `walkme-agent run` runs,
// and what the demo (cmd/walkme-demo) embeds, so both run the same agent.
package agentrun

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/walkme/session-agent/agent"
	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/version"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/keychain"
	"github.com/walkme/session-agent/platform/power"
)

// Options says which agent to run.
type Options struct {
	Loaded *config.Loaded
	Socket string // the local API's socket or pipe
	Logger *slog.Logger
	// Memory, when set, is the memory keychain's store: the demo restarts
	// agents over one store and reads it back.
	Memory *keychain.MemoryStore
	// Watch, when set, runs beside the agent until ctx ends: it applies
	// configuration changes through a.Reconfigure and live, and may end the
	// agent with stop(cause), which Run then returns.
	Watch func(ctx context.Context, a *agent.Agent, live *atomic.Pointer[config.Config], stop context.CancelCauseFunc)
}

// Run runs an agent until ctx ends (nil), or until the local API fails or
// Watch stops it (that cause).
func Run(ctx context.Context, o Options) error {
	cfg := o.Loaded.Config
	log := o.Logger
	kc, err := keychain.Open(keychain.Options{
		Backend: keychain.Backend(cfg.KeychainBackend), Service: cfg.KeychainService, Logger: log, Memory: o.Memory,
	})
	if err != nil {
		return fmt.Errorf("keychain: %w", err)
	}
	httpClient, err := HTTPClient(cfg)
	if err != nil {
		return err
	}
	ln, err := ipc.Listen(o.Socket)
	if err != nil {
		return fmt.Errorf("local API: %w", err)
	}
	defer ln.Close()

	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	live := new(atomic.Pointer[config.Config])
	live.Store(&cfg)
	clock := power.NewClock() // deadlines never follow wall-clock changes
	a, err := agent.New(agent.Options{
		Now:      clock.Now,
		Wall:     clock.Wall,
		FromWall: clock.FromWall,
		Config:   cfg,
		Locked:   LockedKeys(o.Loaded),
		Keychain: kc,
		Auth: auth.New(auth.Options{Issuer: cfg.ServerURL, ClientID: cfg.ClientID, HTTPClient: httpClient, Logger: log,
			UserAgent: UserAgent()}),
		Presence: watchPresence(runCtx, live, log),
		Network:  watchNetwork(runCtx, cfg.ServerURL),
		Power:    watchPower(runCtx, log),
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
			stop(fmt.Errorf("local API: %w", err))
		}
	}()
	if o.Watch != nil {
		go o.Watch(runCtx, a, live, stop)
	}
	log.Info("agent running", "version", version.String(), "socket", o.Socket, "server", cfg.ServerURL,
		"keychain", kc.Backend())
	err = a.Run(runCtx)
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if ctx.Err() == nil { // stopped from inside, not by the caller
		if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
	}
	return err
}

// HTTPClient is the client for the server: the system roots plus CAFile.
func HTTPClient(cfg config.Config) (*http.Client, error) {
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

// UserAgent names the agent to the server: "walkme-agent/1.4.0 (linux)".
// The Admin Center's Sessions page shows it, so an operator can tell
// which agent version signed a session in.
func UserAgent() string {
	return "walkme-agent/" + version.String() + " (" + runtime.GOOS + ")"
}

// LockedKeys lists the keys managed policy sets.
func LockedKeys(l *config.Loaded) []string {
	var keys []string
	for _, s := range l.Settings {
		if s.Locked {
			keys = append(keys, s.Key)
		}
	}
	return keys
}
