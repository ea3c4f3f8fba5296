// Command shot shows the tray with a fixed, realistic status, for
// `make screenshots`: it serves the local API itself (a stand-in agent) on a
// private socket and runs the real tray against it.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/ui/tray"
)

func main() {
	state := flag.String("state", localapi.StateActive, "state to show")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	socket := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "walkme-agent", "agent.sock")
	l, err := ipc.Listen(socket)
	if err != nil {
		log.Fatal(err)
	}
	lapse := time.Now().Add(12 * time.Minute)
	st := localapi.Status{State: *state, User: "ana@example.com", ServerURL: "https://walkme.example",
		RenewIntervalSeconds: 900, InactivityTimeoutSeconds: 900, LapsesAt: &lapse,
		AdminCenterURL: "https://walkme.example/admin/security", Locked: []string{"ServerURL"}, Version: "1.0.0"}
	go http.Serve(l, localapi.Handler(fixed{st}, slog.Default()))
	if err := tray.Run(ctx, tray.Options{Socket: socket}); err != nil {
		log.Fatal(err)
	}
}

// fixed is an agent whose status never changes.
type fixed struct{ st localapi.Status }

func (f fixed) Status() localapi.Status { return f.st }
func (f fixed) Login(context.Context, localapi.LoginRequest) (localapi.LoginStart, error) {
	return localapi.LoginStart{}, nil
}
func (f fixed) LoginWait(context.Context) (localapi.Status, error) { return f.st, nil }
func (f fixed) Logout(context.Context) error                       { return nil }
func (f fixed) Renew(context.Context) error                        { return nil }
func (f fixed) Presence(string, time.Duration) error               { return nil }
func (f fixed) Subscribe() (<-chan localapi.Status, func()) {
	ch := make(chan localapi.Status, 1)
	ch <- f.st
	return ch, func() {}
}
