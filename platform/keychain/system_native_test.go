//go:build windows || darwin

package keychain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
)

// The real OS keychain: the Credential Manager on Windows, the login
// keychain on macOS (both on the hosted runners of
// .github/workflows/platforms.yml).
func TestSystemKeychainNative(t *testing.T) {
	ctx := context.Background()
	service := "com.walkme.agent.test." + strconv.Itoa(os.Getpid())
	kc, err := Open(Options{Service: service, Account: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kc.Delete(ctx) })
	if err := kc.Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if _, err := kc.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on empty = %v, want ErrNotFound", err)
	}
	full := bytes.Repeat([]byte("y"), MaxSecretSize)
	for _, secret := range [][]byte{[]byte(`{"refresh_token":"first"}`), full} {
		if err := kc.Set(ctx, secret); err != nil {
			t.Fatalf("Set %d bytes: %v", len(secret), err)
		}
		if got, err := kc.Get(ctx); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Get = %d bytes, %v; want the %d bytes set", len(got), err, len(secret))
		}
	}
	if err := kc.Set(ctx, append(full, 'z')); err == nil {
		t.Fatal("oversize Set succeeded")
	}
	mustDelete(t, kc, kc)
}
