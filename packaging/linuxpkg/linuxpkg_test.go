package linuxpkg

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/internal/pkgtest"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/browserhost"
)

const chromeID = "abcdefghijklmnopabcdefghijklmnop"

// buildPkg writes one package of the agent (or sessiond) and returns its path.
func buildPkg(t *testing.T, format, name, version, bin string) string {
	t.Helper()
	o := Options{Format: format, Version: version, Arch: "amd64", Binary: bin,
		ChromeExtensionIDs: []string{chromeID}, FirefoxExtensionIDs: []string{"walkme-agent@walkme.com"},
		MTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Stage: t.TempDir()}
	out := filepath.Join(t.TempDir(), name+"_"+version+"."+format)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	build := Agent
	if name == "walkme-sessiond" {
		build = Sessiond
	}
	if err := build(o, f); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPackageVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":             "1.2.3",
		"1.2.3":              "1.2.3",
		"v1.2.3-4-gabc1234":  "1.2.3+4.gabc1234",
		"abc1234":            "0.0.0+abc1234",
		"abc1234-dirty":      "0.0.0+abc1234.dirty",
		"v2.0.0-rc1":         "2.0.0+rc1",
		"dev":                "0.0.0+dev",
		"3eade56-dirty":      "0.0.0+3eade56.dirty",
		"v1.0.0_weird/chars": "1.0.0.weird.chars",
	} {
		if got := PackageVersion(in); got != want {
			t.Errorf("PackageVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNativeHostManifests(t *testing.T) {
	chromium, firefox, err := nativehost.Manifests(NativeHostExec, []string{chromeID}, []string{"a@b"})
	if err != nil {
		t.Fatal(err)
	}
	var c, f nativehost.Manifest
	if err := json.Unmarshal(chromium, &c); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(firefox, &f); err != nil {
		t.Fatal(err)
	}
	if c.Name != "com.walkme.agent" || c.Path != NativeHostExec || c.Type != "stdio" ||
		!slices.Equal(c.AllowedOrigins, []string{"chrome-extension://" + chromeID + "/"}) || c.AllowedExtensions != nil {
		t.Errorf("chromium manifest = %+v", c)
	}
	if f.Path != NativeHostExec || !slices.Equal(f.AllowedExtensions, []string{"a@b"}) || f.AllowedOrigins != nil {
		t.Errorf("firefox manifest = %+v", f)
	}
	if _, _, err := nativehost.Manifests(NativeHostExec, []string{"not-an-id"}, nil); err == nil {
		t.Error("bad chrome extension ID accepted")
	}
}

func TestLintian(t *testing.T) {
	lintian := testenv.Command(t, "lintian")
	bin := pkgtest.Standin(t, "linux", "amd64", "walkme-agent")
	for _, name := range []string{"walkme-agent", "walkme-sessiond"} {
		deb := buildPkg(t, "deb", name, "1.2.3", bin)
		out, err := exec.Command(lintian, "--fail-on", "error,warning", deb).CombinedOutput()
		if err != nil {
			t.Errorf("lintian %s: %v\n%s", name, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "E:") || strings.HasPrefix(l, "W:") {
				t.Errorf("lintian %s: %s", name, l)
			}
		}
	}
}

func TestRPM(t *testing.T) {
	rpm := testenv.Command(t, "rpm")
	bin := pkgtest.Standin(t, "linux", "amd64", "walkme-agent")
	p := buildPkg(t, "rpm", "walkme-agent", "1.2.3", bin)

	files := strings.Fields(pkgtest.Run(t, rpm, "-qpl", p))
	// A host manifest at every location where `walkme-agent doctor`
	// looks for one (browserhost.Locations).
	want := []string{AgentBinary, UserUnit, TrayAutostart, ConfigFile, NativeHostExec}
	for _, l := range browserhost.Locations("linux") {
		want = append(want, l.Path)
	}
	for _, want := range want {
		if !slices.Contains(files, want) {
			t.Errorf("rpm -qpl: %s missing from %v", want, files)
		}
	}
	if slices.Contains(files, "/usr/share/lintian/overrides/walkme-agent") {
		t.Error("rpm carries the deb-only lintian overrides")
	}
	conf := strings.Fields(pkgtest.Run(t, rpm, "-qpc", p))
	if !slices.Contains(conf, ConfigFile) {
		t.Errorf("rpm -qpc = %v, want %s", conf, ConfigFile)
	}
	// noreplace: rpm --dump flags config files; the verify-flags column is not
	// shown, so read the file flags with a query format (RPMFILE_NOREPLACE = 1<<4).
	flags := pkgtest.Run(t, rpm, "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS}\n]", p)
	if !strings.Contains(flags, ConfigFile+" 17\n") { // config (1) | noreplace (16)
		t.Errorf("config.json flags:\n%s", flags)
	}
	scripts := pkgtest.Run(t, rpm, "-qp", "--scripts", p)
	for _, want := range []string{"postinstall scriptlet", "systemctl --global enable walkme-agent.service",
		"preuninstall scriptlet", "systemctl --global disable walkme-agent.service"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm --scripts lacks %q:\n%s", want, scripts)
		}
	}
	info := pkgtest.Run(t, rpm, "-qpi", p)
	if !strings.Contains(info, "Version     : 1.2.3") || !strings.Contains(info, "Release     : 1") {
		t.Errorf("rpm -qpi:\n%s", info)
	}
}
