package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/walkme/session-agent/internal/version"
	"github.com/walkme/session-agent/server"
)

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	var sf storeFlags
	sf.register(fs)
	fs.BoolVar(&sf.allowShared, "allow-shared-db", false, "start even if other users can read the --db files (they hold the signing keys)")
	issuer := fs.String("issuer", "", "public base URL (default: http://LISTEN-ADDRESS)")
	dev := fs.Bool("dev", false, "accept any inactivity timeout of 1s or more (tests, demos)")
	metricsAddr := fs.String("metrics-listen", "", "address of a separate listener for Prometheus /metrics (default: none)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := required(stderr, "serve", map[string]string{"listen": *listen}); err != nil {
		return err
	}
	if err := sf.check(stderr, "serve"); err != nil {
		return err
	}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		fmt.Fprintf(stderr, "walkme-sessiond serve: --log-format must be text or json\n")
		return errUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sf.log = log
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *issuer == "" {
		*issuer = defaultIssuer(ln.Addr().(*net.TCPAddr), log)
	}
	srv, err := server.New(server.Config{Issuer: *issuer, Store: st, Dev: *dev, Logger: log})
	if err != nil {
		ln.Close()
		return err
	}
	hs := srv.HTTPServer(server.DefaultHTTPLimits)
	errc := make(chan error, 2)
	var ms *http.Server
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve: metrics: %w", err)
		}
		ms = metricsServer(srv)
		go func() { errc <- ms.Serve(mln) }()
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
	}
	go func() { errc <- hs.Serve(ln) }()
	if p, ok := st.(pruner); ok {
		go prune(ctx, p, log)
	}
	log.Info("walkme-sessiond listening", "addr", ln.Addr().String(), "issuer", srv.Issuer(), "store", sf.name(), "dev", *dev, "version", version.String())

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Shutdown closes the listener at once (new connections are refused),
	// lets the requests in flight finish, within shutdownGrace, and
	// closes idle connections.
	log.Info("shutting down: finishing the requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if ms != nil {
		defer ms.Close()
	}
	if err := hs.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// shutdownGrace is how long a SIGTERM waits for the requests in flight.
// The service answers in milliseconds; a request still arriving slowly
// gets this long, within the 30 s that orchestrators usually allow
// (Kubernetes' terminationGracePeriodSeconds, systemd's TimeoutStopSec).
const shutdownGrace = 15 * time.Second

// metricsServer serves /metrics (and nothing else) on the metrics listener.
func metricsServer(srv *server.Server) *http.Server {
	m := http.NewServeMux()
	m.Handle("GET /metrics", srv.MetricsHandler())
	return &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
}

// defaultIssuer is the listener's own URL; a wildcard address is given as
// loopback, since no one can reach "0.0.0.0".
func defaultIssuer(a *net.TCPAddr, log *slog.Logger) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
		log.Warn("listening on all interfaces without --issuer: advertising loopback URLs only")
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// pruner is a store that must be cleaned of what the service no longer
// needs (SQLite; the Redis store expires its keys by itself).
type pruner interface {
	Prune(ctx context.Context, before time.Time) (int64, error)
}

// pruneAge is how long ended sessions and rotated tokens are kept: far past
// the 60 s rotation grace, and the same horizon as the Redis store's TTLs.
const pruneAge = 48 * time.Hour

// prune cleans the store at start and every hour until ctx ends.
func prune(ctx context.Context, p pruner, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := p.Prune(ctx, time.Now().Add(-pruneAge))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("prune the store", "err", err)
		case n > 0:
			log.Info("pruned the store", "rows", n)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
