package tray_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
)

// fakeAgent stands in for `walkme-agent run` behind the real local API
// handler and the real ipc socket: the tray only sees the API.
type fakeAgent struct {
	mu      sync.Mutex
	st      localapi.Status
	subs    map[int]chan localapi.Status
	next    int
	renews  chan struct{}
	logouts chan struct{}
	logins  chan struct{}
	srv     *http.Server
}

func newFakeAgent(st localapi.Status) *fakeAgent {
	return &fakeAgent{st: st, subs: map[int]chan localapi.Status{},
		renews: make(chan struct{}, 10), logouts: make(chan struct{}, 10), logins: make(chan struct{}, 10)}
}

// serve listens on socket until stop.
func (a *fakeAgent) serve(t *testing.T, socket string) {
	t.Helper()
	l, err := ipc.Listen(socket)
	if err != nil {
		t.Fatalf("agent listen: %v", err)
	}
	srv := &http.Server{Handler: localapi.Handler(a, slog.Default())}
	a.mu.Lock()
	a.srv = srv
	a.mu.Unlock()
	go srv.Serve(l)
	t.Cleanup(a.stop)
}

// stop closes the socket and every event stream, like an agent that exits.
func (a *fakeAgent) stop() {
	a.mu.Lock()
	srv := a.srv
	a.srv = nil
	a.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (a *fakeAgent) set(st localapi.Status) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st = st
	for _, ch := range a.subs {
		select { // keep only the latest for a slow reader
		case <-ch:
		default:
		}
		ch <- st
	}
}

func (a *fakeAgent) Status() localapi.Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st
}

func (a *fakeAgent) Login(context.Context, localapi.LoginRequest) (localapi.LoginStart, error) {
	a.logins <- struct{}{}
	return localapi.LoginStart{AuthURL: "http://127.0.0.1:9/authorize?client_id=walkme-agent&state=s1"}, nil
}

func (a *fakeAgent) LoginWait(ctx context.Context) (localapi.Status, error) {
	st := a.Status()
	st.State, st.User, st.SignedOutReason = localapi.StateActive, "ana@example.com", ""
	a.set(st)
	return st, nil
}

func (a *fakeAgent) Logout(context.Context) error {
	st := a.Status()
	if !st.SignedIn() {
		return errors.New("not signed in")
	}
	st.State, st.SignedOutReason = localapi.StateSignedOut, localapi.ReasonLogout
	a.set(st)
	a.logouts <- struct{}{}
	return nil
}

func (a *fakeAgent) Renew(context.Context) error {
	st := a.Status()
	st.Renewals++
	a.set(st)
	a.renews <- struct{}{}
	return nil
}

func (a *fakeAgent) Presence(string, time.Duration) error { return nil }

func (a *fakeAgent) Subscribe() (<-chan localapi.Status, func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ch := make(chan localapi.Status, 1)
	ch <- a.st
	id := a.next
	a.next++
	a.subs[id] = ch
	return ch, func() {
		a.mu.Lock()
		delete(a.subs, id)
		a.mu.Unlock()
	}
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen within 10s", what)
	}
}
