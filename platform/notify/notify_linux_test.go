package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/notify"
	"github.com/walkme/session-agent/platform/notify/notifytest"
)

func TestSendReachesNotificationServer(t *testing.T) {
	addr := testenv.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := notifytest.Start(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := notify.Notification{Title: "Signed out after 15 minutes of inactivity",
		Body: `quotes " and <tags> & 'more'`, Urgency: notify.Critical}
	if err := notify.Send(ctx, n); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 5*time.Second, func(notifytest.Call) bool { return true })
	if got.Summary != n.Title || got.Body != n.Body || got.AppName != notify.AppName || got.Urgency != 2 {
		t.Errorf("server got %+v, want %+v", got, n)
	}
}

func TestSendWithoutServerFails(t *testing.T) {
	addr := testenv.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := notify.Send(ctx, notify.Notification{Title: "x"})
	if err == nil || !strings.Contains(err.Error(), "notify") {
		t.Fatalf("Send with no notification daemon = %v, want an error", err)
	}
}
