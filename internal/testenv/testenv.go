// Package testenv gives tests the real system components they run against
// (a private D-Bus session bus, gnome-keyring, ...). A test that needs a
// component it cannot find skips with a one-line reason on a developer's
// machine and fails under CI=true, where everything must run.
package testenv

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// InCI reports whether the tests run under CI (CI=true), where nothing may skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with reason, or fails it under CI.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("required under CI=true: %s", reason)
	}
	t.Skip(reason)
}

// Command returns the path of a program the test needs, or skips/fails.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not installed (make deps installs it as root)")
	}
	return p
}

// Root skips/fails unless the test runs as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root")
	}
}

// SessionBus starts a private D-Bus daemon (session policy: any local
// connection may own names) for the test and returns its address. It also
// serves as a private "system" bus for stand-in system services such as a
// fake logind (point DBUS_SYSTEM_BUS_ADDRESS at it). It stops when the test ends.
func SessionBus(t testing.TB) string {
	t.Helper()
	daemon := Command(t, "dbus-daemon")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, daemon, "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- strings.TrimSpace(s.Text())
		}
		close(line)
	}()
	select {
	case addr, ok := <-line:
		if !ok || addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start in 10s")
	}
	return ""
}

// Keyring starts a private session bus with an unlocked gnome-keyring
// (Secret Service) on it, and returns the environment a process needs to use
// it: DBUS_SESSION_BUS_ADDRESS plus a private HOME/XDG dirs for the keyring's
// files. Everything stops when the test ends.
func Keyring(t testing.TB) []string {
	t.Helper()
	env, _ := KeyringWithDaemon(t)
	return env
}

// KeyringWithDaemon is Keyring that also returns a func that kills the
// keyring's daemon (see KeyringDaemon).
func KeyringWithDaemon(t testing.TB) (env []string, kill func()) {
	t.Helper()
	Command(t, "gnome-keyring-daemon")
	addr := SessionBus(t)
	home := t.TempDir()
	env = []string{
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR=" + mkdir(t, filepath.Join(home, "run")),
	}
	return env, KeyringDaemon(t, env)
}

// KeyringDaemon starts gnome-keyring-daemon, unlocked, in env (one that
// Keyring returned) and returns a func that kills it, as a keychain that
// goes away would; Keyring starts the first one. A later call, after the
// kill, brings the keychain back with the files it wrote. It also stops
// when the test ends.
func KeyringDaemon(t testing.TB, env []string) (kill func()) {
	t.Helper()
	gkd := Command(t, "gnome-keyring-daemon")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, gkd, "--replace", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader("test-password")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start gnome-keyring-daemon: %v", err)
	}
	var once sync.Once
	kill = func() { once.Do(func() { cancel(); _ = cmd.Wait() }) }
	t.Cleanup(kill)
	var addr string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DBUS_SESSION_BUS_ADDRESS="); ok {
			addr = v
		}
	}
	waitForName(t, addr, "org.freedesktop.secrets")
	return kill
}

func mkdir(t testing.TB, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// waitForName waits until a bus name has an owner, using dbus-send so that
// this package keeps no D-Bus connection of its own.
func waitForName(t testing.TB, addr, name string) {
	t.Helper()
	send := Command(t, "dbus-send")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, err := exec.Command(send, "--bus="+addr, "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:"+name).Output()
		if err == nil && strings.Contains(string(out), "boolean true") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not appear on the bus in 10s", name)
}
