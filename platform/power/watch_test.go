package power

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// wait bounds every wait for an event: far above what any step takes, so
// it only ends a test that is already broken.
const wait = 10 * time.Second

// syncBuffer is a log sink the watcher writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watch starts Watch against whatever DBUS_SYSTEM_BUS_ADDRESS points at
// and returns the first event, the channel and the log.
func watch(t *testing.T, opts Options) (Event, <-chan Event, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	events, err := Watch(ctx, opts)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	first := next(t, events)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("watcher log:\n%s", logs)
		}
	})
	return first, events, logs
}

func next(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(wait):
		t.Fatalf("no event in %v", wait)
	}
	return Event{}
}
