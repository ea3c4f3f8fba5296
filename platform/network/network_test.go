package network

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoopbackIsAlwaysUp(t *testing.T) {
	for _, server := range []string{
		"http://127.0.0.1:8080", "http://127.9.9.9", "https://[::1]:8443", "http://localhost:1",
		"https://LOCALHOST.", "http://agent.localhost:9",
	} {
		if st := Check(context.Background(), server); !st.Up || st.Reason == "" {
			t.Errorf("Check(%q) = %+v, want up with a reason", server, st)
		}
	}
}

func TestBadServerURL(t *testing.T) {
	for _, server := range []string{"", "::", "https://host:99999", "walkme.example.com"} {
		if st := Check(context.Background(), server); st.Up || !strings.Contains(st.Reason, "server URL") {
			t.Errorf("Check(%q) = %+v, want down naming the URL", server, st)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tc := range []struct {
		url  string
		host string
		port uint16
	}{
		{"https://walkme.example.com", "walkme.example.com", 443},
		{"http://walkme.example.com", "walkme.example.com", 80},
		{"https://walkme.example.com:8443/x", "walkme.example.com", 8443},
		{"https://[2001:db8::1]:9", "2001:db8::1", 9},
	} {
		h, p, err := hostPort(tc.url)
		if err != nil || h != tc.host || p != tc.port {
			t.Errorf("hostPort(%q) = %q, %d, %v", tc.url, h, p, err)
		}
	}
}

// script returns a check that answers with states in turn, then the last one
// forever.
func script(states ...bool) func(context.Context) Status {
	i := 0
	return func(context.Context) Status {
		st := Status{Up: states[min(i, len(states)-1)], Reason: "step"}
		i++
		return st
	}
}

func TestWatchEmitsOnlyChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := watch(ctx, time.Millisecond, script(true, true, false, false, false, true), nil)
	var got []bool
	for range 3 {
		got = append(got, (<-ch).Up)
	}
	if want := []bool{true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	cancel()
	for st := range ch { // must be closed, with nothing more to say
		t.Fatalf("after cancel: %+v", st)
	}
}

func TestWatchChecksOnOSChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan struct{})
	// A ticker that never fires within the test: only the change feed can
	// trigger the second check.
	ch := watch(ctx, time.Hour, script(false, true), changes)
	if st := <-ch; st.Up {
		t.Fatalf("first = %+v, want down", st)
	}
	changes <- struct{}{}
	if st := <-ch; !st.Up {
		t.Fatalf("after a change = %+v, want up", st)
	}
}

func TestWatchFirstValueAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, ok := <-Watch(ctx, "http://127.0.0.1:1", time.Hour)
	if !ok || !st.Up {
		t.Fatalf("first value = %+v, %v; want up", st, ok)
	}
}
