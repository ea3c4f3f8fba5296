package trayhost_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/ui/trayhost"
	"github.com/walkme/session-agent/ui/trayhost/trayhosttest"
)

func TestAvailable(t *testing.T) {
	addr := testenv.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ok, why := trayhost.Available(ctx)
	if ok || !strings.Contains(why, "AppIndicator") {
		t.Errorf("no watcher: Available = %v, %q; want false and a hint about GNOME's extension", ok, why)
	}
	trayhosttest.Start(t, addr)
	if ok, why := trayhost.Available(ctx); !ok {
		t.Errorf("watcher running: Available = false, %q", why)
	}
}

func TestAvailableWithoutBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/nothing")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ok, why := trayhost.Available(ctx); ok || why == "" {
		t.Errorf("dead bus: Available = %v, %q", ok, why)
	}
}
