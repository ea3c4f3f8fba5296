package keychain

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMemoryBackend(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	kc, err := Open(Options{Backend: BackendMemory, Service: "com.walkme.test", Account: "u", Memory: store})
	if err != nil {
		t.Fatal(err)
	}
	if got := kc.Backend(); got != "memory" {
		t.Errorf("Backend() = %q, want memory", got)
	}
	if _, err := kc.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on empty = %v, want ErrNotFound", err)
	}
	secret := []byte(`{"refresh_token":"r1"}`)
	if err := kc.Set(ctx, secret); err != nil {
		t.Fatal(err)
	}
	secret[2] = 'X' // the store must have copied it
	got, err := kc.Get(ctx)
	if err != nil || string(got) != `{"refresh_token":"r1"}` {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// A second Open on the same store sees the entry; another account does not.
	again, _ := Open(Options{Backend: BackendMemory, Service: "com.walkme.test", Account: "u", Memory: store})
	if got, err := again.Get(ctx); err != nil || string(got) != `{"refresh_token":"r1"}` {
		t.Fatalf("Get via second Open = %q, %v", got, err)
	}
	other, _ := Open(Options{Backend: BackendMemory, Service: "com.walkme.test", Account: "v", Memory: store})
	if _, err := other.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other account Get = %v, want ErrNotFound", err)
	}
	mustDelete(t, kc, again)
}

// mustDelete deletes kc's entry, twice: deleting what is not there is no
// error. Then seen (kc, or another handle on the same entry) finds none.
func mustDelete(t *testing.T, kc, seen Keychain) {
	t.Helper()
	ctx := context.Background()
	if err := kc.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(ctx); err != nil {
		t.Fatalf("Delete when absent = %v, want nil", err)
	}
	if _, err := seen.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
}

func TestMemoryBackendConcurrent(t *testing.T) {
	kc, _ := Open(Options{Backend: BackendMemory, Service: "s", Account: "u"})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = kc.Set(ctx, []byte{byte('a' + i)})
				_, _ = kc.Get(ctx)
			}
		}()
	}
	wg.Wait()
	got, err := kc.Get(ctx)
	if err != nil || len(got) != 1 || got[0] < 'a' || got[0] > 'h' {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestSecretLimits(t *testing.T) {
	for _, backend := range []Backend{BackendMemory, BackendSystem} {
		kc, err := Open(Options{Backend: backend, Service: "s", Account: "u"})
		if err != nil {
			t.Fatal(err)
		}
		// Rejected before any keychain is contacted, on every backend.
		err = kc.Set(context.Background(), bytes.Repeat([]byte("x"), MaxSecretSize+1))
		if err == nil || !strings.Contains(err.Error(), "2560") {
			t.Errorf("%s: oversize Set = %v, want an error naming the limit", backend, err)
		}
		if err := kc.Set(context.Background(), nil); err == nil {
			t.Errorf("%s: empty Set succeeded", backend)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(Options{Backend: "plaintext", Service: "s"}); err == nil || !strings.Contains(err.Error(), "plaintext") {
		t.Errorf("unknown backend: %v", err)
	}
	if _, err := Open(Options{}); err == nil || !strings.Contains(err.Error(), "KeychainService") {
		t.Errorf("no service: %v", err)
	}
	kc, err := Open(Options{Service: "s"})
	if err != nil || kc.Backend() != BackendSystem {
		t.Fatalf("default backend: %v, %v", kc, err)
	}
	if kc.(*systemKeychain).account == "" {
		t.Error("account not defaulted to the current user")
	}
}

func TestGuardTimesOutAndBoundsStuckCalls(t *testing.T) {
	g := newGuard(20 * time.Millisecond)
	release := make(chan struct{})
	defer close(release)
	err := g.do(context.Background(), func() error { <-release; return nil })
	if !errors.Is(err, errTimeout) {
		t.Fatalf("hanging call = %v, want errTimeout", err)
	}
	ran := false
	err = g.do(context.Background(), func() error { ran = true; return nil })
	if !errors.Is(err, errTimeout) || !strings.Contains(err.Error(), "earlier call") || ran {
		t.Fatalf("call while one is stuck = %v (ran=%v), want errTimeout naming the earlier call", err, ran)
	}
}

func TestGuardHonoursContext(t *testing.T) {
	g := newGuard(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	go cancel()
	err := g.do(ctx, func() error { <-release; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call = %v, want context.Canceled", err)
	}
}

func TestGuardPassesResult(t *testing.T) {
	g := newGuard(time.Hour)
	want := errors.New("boom")
	if err := g.do(context.Background(), func() error { return want }); err != want {
		t.Fatalf("do = %v, want %v", err, want)
	}
	// The slot is free again once the call has returned.
	if err := g.do(context.Background(), func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}
