package service

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// privateUser points the systemd user tools at a throwaway home with no user
// manager, so the test never touches the real user's units.
func privateUser(t *testing.T) (configHome string) {
	t.Helper()
	home := t.TempDir()
	configHome = filepath.Join(home, "config")
	run := filepath.Join(home, "run")
	if err := os.MkdirAll(run, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", configHome)
	t.Setenv("XDG_RUNTIME_DIR", run)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(run, "no-bus"))
	return configHome
}

func TestSystemdVerify(t *testing.T) {
	analyze := testenv.Command(t, "systemd-analyze")
	privateUser(t)
	exe, err := os.Executable() // any real executable: verify checks ExecStart exists
	if err != nil {
		t.Fatal(err)
	}
	text, err := SystemdUnit(Options{Executable: exe})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), UnitName)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--user", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify --user: %v\n%s\n%s", err, out, text)
	}
}

func TestInstallUninstall(t *testing.T) {
	testenv.Command(t, "systemctl")
	cfg := privateUser(t)
	ctx := context.Background()
	exe, _ := os.Executable()

	if st, _ := Status(ctx); st != "not installed" && !strings.Contains(st, systemUnitPath) {
		t.Fatalf("Status before install = %q", st)
	}
	for i := range 2 { // a second install replaces the first
		if err := Install(ctx, Options{Executable: exe, ConfigFile: "/tmp/c.json"}); err != nil {
			t.Fatalf("install %d: %v", i, err)
		}
	}
	unit := filepath.Join(cfg, "systemd", "user", UnitName)
	b, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "ExecStart="+exe+" --config /tmp/c.json run\n") {
		t.Errorf("unit has wrong ExecStart:\n%s", b)
	}
	wants := filepath.Join(cfg, "systemd", "user", "default.target.wants", UnitName)
	if target, err := os.Readlink(wants); err != nil || filepath.Clean(target) != unit {
		t.Errorf("not enabled: readlink %s = %q, %v", wants, target, err)
	}
	st, err := Status(ctx)
	if err != nil || !strings.HasPrefix(st, "enabled, ") || !strings.Contains(st, unit) {
		t.Errorf("Status = %q, %v; want enabled and the unit path", st, err)
	}

	if err := Uninstall(ctx, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{unit, wants} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after uninstall (%v)", p, err)
		}
	}
	if err := Uninstall(ctx, Options{}); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("second uninstall: %v, want ErrNotInstalled", err)
	}
	// Not installed (or, with the package's system unit, no user manager on
	// this private bus): Start and Stop fail, each saying which it was.
	for verb, f := range map[string]func(context.Context, Options) error{"start": Start, "stop": Stop} {
		if err := f(ctx, Options{}); err == nil || !strings.HasPrefix(err.Error(), verb+": ") {
			t.Errorf("%s without a unit: %v, want an error that starts %q", verb, err, verb+": ")
		}
	}
}
