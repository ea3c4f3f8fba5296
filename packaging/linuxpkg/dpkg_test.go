package linuxpkg

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/internal/pkgtest"
)

// TestDpkgLifecycle installs the .deb on this machine, upgrades it with an
// edited conffile, and purges it: everything it put on disk must go.
func TestDpkgLifecycle(t *testing.T) {
	testenv.Root(t)
	dpkg := testenv.Command(t, "dpkg")
	systemctl := testenv.Command(t, "systemctl")
	analyze := testenv.Command(t, "systemd-analyze")
	testenv.Command(t, "deb-systemd-helper")
	// e2e installs the package too (TestDebNativeHostInChromium), from
	// another test binary that go test may run at the same time.
	testenv.Exclusive(t, "dpkg")
	if exec.Command("dpkg-query", "-W", "walkme-agent").Run() == nil {
		testenv.Missing(t, "walkme-agent is already installed on this machine; not touching it")
	}
	bin := pkgtest.Standin(t, "linux", "amd64", "walkme-agent")
	v1 := buildPkg(t, "deb", "walkme-agent", "1.0.0", bin)
	v2 := buildPkg(t, "deb", "walkme-agent", "1.0.1", bin)
	t.Cleanup(func() { _ = exec.Command(dpkg, "-P", "walkme-agent").Run() })

	pkgtest.Run(t, dpkg, "-i", v1)
	installed := strings.Fields(pkgtest.Run(t, "dpkg-query", "-L", "walkme-agent"))
	for _, p := range []string{AgentBinary, UserUnit, TrayAutostart, ConfigFile, NativeHostExec} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("after dpkg -i: %v", err)
		}
	}
	if out, _ := exec.Command(systemctl, "--global", "is-enabled", "walkme-agent.service").Output(); strings.TrimSpace(string(out)) != "enabled" {
		t.Errorf("systemctl --global is-enabled = %q, want enabled", out)
	}
	verify := exec.Command(analyze, "verify", "--user", UserUnit)
	verify.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	if out, err := verify.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("systemd-analyze verify --user: %v\n%s", err, out)
	}

	// Upgrade: an admin's edit of the conffile survives, the unit stays enabled.
	edited := []byte(`{"ServerURL": "https://sessions.example.com"}` + "\n")
	if err := os.WriteFile(ConfigFile, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	pkgtest.Run(t, dpkg, "--force-confold", "-i", v2)
	if v := pkgtest.Run(t, "dpkg-query", "-W", "-f=${Version}", "walkme-agent"); v != "1.0.1" {
		t.Errorf("version after upgrade = %q", v)
	}
	if b, _ := os.ReadFile(ConfigFile); string(b) != string(edited) {
		t.Errorf("config after upgrade = %q, want the edited one", b)
	}
	if out, _ := exec.Command(systemctl, "--global", "is-enabled", "walkme-agent.service").Output(); strings.TrimSpace(string(out)) != "enabled" {
		t.Errorf("after upgrade: is-enabled = %q", out)
	}

	// Purge: nothing of the package is left, nor its enablement or config dir.
	pkgtest.Run(t, dpkg, "-P", "walkme-agent")
	leftovers := []string{"/etc/walkme-agent", "/etc/systemd/user/default.target.wants/walkme-agent.service",
		"/etc/systemd/user/walkme-agent.service", "/var/lib/systemd/deb-systemd-user-helper-enabled/walkme-agent.service.dsh-also",
		"/var/lib/systemd/deb-systemd-user-helper-masked/walkme-agent.service"}
	for _, p := range installed {
		if strings.Contains(p, "walkme") || strings.Contains(p, "com.walkme.agent") {
			leftovers = append(leftovers, p)
		}
	}
	for _, p := range leftovers {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after dpkg -P: %s still exists (%v)", p, err)
		}
	}
	if out, _ := exec.Command(systemctl, "--global", "is-enabled", "walkme-agent.service").CombinedOutput(); strings.TrimSpace(string(out)) == "enabled" {
		t.Error("still enabled after purge")
	}
}
