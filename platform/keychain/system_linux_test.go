package keychain

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

// go-keyring uses the process-wide session bus, so each system-keychain
// test starts the real component, then runs a child test with its bus
// (testenv.RunChild).

const testService = "com.walkme.agent.test"

func TestSystemKeychain(t *testing.T) {
	env := testenv.Keyring(t)
	testenv.Command(t, "secret-tool")
	testenv.RunChild(t, "TestChildSystemKeychain", env)
}

func TestChildSystemKeychain(t *testing.T) {
	testenv.Child(t)
	ctx := context.Background()
	kc, err := Open(Options{Service: testService, Account: "alice", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.Probe(ctx); err != nil {
		t.Fatalf("Probe on an unlocked keyring: %v", err)
	}
	if _, err := kc.Get(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get on empty = %v, want ErrNotFound", err)
	}
	if err := kc.Delete(ctx); err != nil {
		t.Fatalf("Delete when absent = %v, want nil", err)
	}
	first := []byte(`{"refresh_token":"first"}`)
	if err := kc.Set(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := secretTool(t, testService, "alice"); got != string(first) {
		t.Fatalf("secret-tool sees %q, want %q", got, first)
	}
	second := []byte(`{"refresh_token":"second","user":"alice@example.com"}`)
	if err := kc.Set(ctx, second); err != nil {
		t.Fatal(err)
	}
	if got, err := kc.Get(ctx); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("Get after overwrite = %q, %v; want %q", got, err, second)
	}
	if got := secretTool(t, testService, "alice"); got != string(second) {
		t.Fatalf("after overwrite secret-tool sees %q, want %q", got, second)
	}
	full := bytes.Repeat([]byte("y"), MaxSecretSize)
	if err := kc.Set(ctx, full); err != nil {
		t.Fatalf("Set of exactly MaxSecretSize: %v", err)
	}
	if err := kc.Set(ctx, append(full, 'z')); err == nil {
		t.Fatal("oversize Set succeeded")
	}
	if got, err := kc.Get(ctx); err != nil || !bytes.Equal(got, full) {
		t.Fatalf("the rejected Set changed the entry: %d bytes, %v", len(got), err)
	}
	mustDelete(t, kc, kc)
	if got := secretTool(t, testService, "alice"); got != "" {
		t.Fatalf("secret-tool still finds %q after Delete", got)
	}
}

// secretTool looks the entry up with libsecret's own tool: "" when absent.
func secretTool(t *testing.T, service, account string) string {
	t.Helper()
	out, err := exec.Command("secret-tool", "lookup", "service", service, "username", account).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(out) == 0 {
		return "" // secret-tool exits 1 when nothing matches
	}
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	return string(out)
}

// A "bus" that accepts connections and never says a word: go-keyring blocks
// in the D-Bus handshake forever.
func TestSystemKeychainTimeoutSilentBus(t *testing.T) {
	sock := testenv.SilentSocket(t)
	testenv.RunChild(t, "TestChildTimeout", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + sock})
}

// A real bus where org.freedesktop.secrets is owned by a process that never
// answers a method call.
func TestSystemKeychainTimeoutSilentService(t *testing.T) {
	testenv.RunChild(t, "TestChildTimeout", []string{"DBUS_SESSION_BUS_ADDRESS=" + testenv.SilentSecretService(t)})
}

func TestChildTimeout(t *testing.T) {
	testenv.Child(t)
	kc, err := Open(Options{Service: testService, Account: "alice", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = kc.Get(ctx)
	if !errors.Is(err, errTimeout) || !strings.Contains(err.Error(), "Secret Service") ||
		!strings.Contains(err.Error(), "gnome-keyring") {
		t.Fatalf("Get = %v, want a timeout naming the Secret Service and how to fix it", err)
	}
	if err := kc.Set(ctx, []byte("s")); !errors.Is(err, errTimeout) {
		t.Fatalf("Set while the keychain hangs = %v, want a timeout", err)
	}
	if err := kc.Probe(ctx); !errors.Is(err, errTimeout) {
		t.Fatalf("Probe = %v, want a timeout", err)
	}
	t.Logf("error the user sees: %v", err)
}

func TestSystemKeychainNoSessionBus(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-bus-here")
	testenv.RunChild(t, "TestChildNoSessionBus", []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + missing})
}

func TestChildNoSessionBus(t *testing.T) {
	testenv.Child(t)
	kc, err := Open(Options{Service: testService, Account: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	err = kc.Probe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("Probe = %v, want an error saying there is no session bus", err)
	}
	t.Logf("error the user sees: %v", err)
}
