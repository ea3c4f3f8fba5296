package winpkg

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/internal/pkgtest"
)

// table exports an MSI table and returns its rows (header lines dropped),
// each split into columns.
func table(t *testing.T, msi, name string) [][]string {
	t.Helper()
	out := pkgtest.Run(t, "msiinfo", "export", msi, name)
	lines := strings.Split(strings.TrimRight(out, "\r\n"), "\r\n")
	var rows [][]string
	for _, l := range lines[3:] {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

func find(rows [][]string, col int, val string) []string {
	for _, r := range rows {
		if r[col] == val {
			return r
		}
	}
	return nil
}

func buildMSI(t *testing.T) string {
	t.Helper()
	testenv.Command(t, "wixl")
	testenv.Command(t, "msibuild")
	testenv.Command(t, "msiinfo")
	exe := pkgtest.Standin(t, "windows", "amd64", "walkme-agent.exe")
	out := filepath.Join(t.TempDir(), "walkme-agent.msi")
	err := Build(context.Background(), Options{Version: "1.2.3", AgentExe: exe,
		ChromiumManifest: []byte(`{"name":"com.walkme.agent"}`), FirefoxManifest: []byte(`{"name":"com.walkme.agent"}`),
		Out: out, Stage: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMSITables(t *testing.T) {
	msi := buildMSI(t)
	tables := pkgtest.Run(t, "msiinfo", "tables", msi)
	for _, want := range []string{"Property", "Registry", "Component", "File", "Upgrade"} {
		if !strings.Contains(tables, want+"\n") {
			t.Errorf("no %s table in %s", want, tables)
		}
	}

	props := table(t, msi, "Property")
	for k, want := range map[string]string{"UpgradeCode": UpgradeCode, "ProductVersion": "1.2.3",
		"ProductName": "WalkMe Agent", "ALLUSERS": "1"} {
		if r := find(props, 0, k); r == nil || r[1] != want {
			t.Errorf("Property %s = %v, want %s", k, r, want)
		}
	}
	scp := find(props, 0, "SecureCustomProperties")
	for _, p := range Properties {
		if scp == nil || !strings.Contains(";"+scp[1]+";", ";"+p.Property+";") {
			t.Errorf("%s not in SecureCustomProperties %v", p.Property, scp)
		}
	}

	// Every upgrade row belongs to our UpgradeCode; one detects older versions.
	upgrades := table(t, msi, "Upgrade")
	if len(upgrades) == 0 || find(upgrades, 6, "WIX_UPGRADE_DETECTED") == nil {
		t.Errorf("Upgrade table = %v, want a WIX_UPGRADE_DETECTED row", upgrades)
	}
	for _, r := range upgrades {
		if r[0] != UpgradeCode {
			t.Errorf("Upgrade row for %s", r[0])
		}
	}

	files := table(t, msi, "File")
	if r := find(files, 2, "walkme-agent.exe"); r == nil || r[1] != "AgentExe" {
		t.Errorf("File walkme-agent.exe = %v", r)
	}
	dirs := table(t, msi, "Directory") // Directory Directory_Parent DefaultDir
	if r := find(dirs, 0, "INSTALLDIR"); r == nil || r[2] != "Agent" || find(dirs, 0, r[1])[1] != "ProgramFiles64Folder" {
		t.Errorf("INSTALLDIR = %v, want ProgramFiles64Folder\\WalkMe\\Agent", r)
	}

	regs := table(t, msi, "Registry") // Registry Root Key Name Value Component_
	run := `SOFTWARE\Microsoft\Windows\CurrentVersion\Run\`
	for name, want := range map[string]string{
		"WalkMe Agent":      `"[INSTALLDIR]walkme-agent.exe" run`,
		"WalkMe Agent Tray": `"[INSTALLDIR]walkme-agent.exe" tray`,
	} {
		r := find(regs, 3, name)
		if r == nil || r[1] != "2" || r[2] != run || r[4] != want {
			t.Errorf("Run value %q = %v, want HKLM (2) %s = %s", name, r, run, want)
		}
	}
	comps := table(t, msi, "Component") // Component ComponentId Directory_ Attributes Condition KeyPath
	for _, p := range Properties {
		r := find(regs, 3, p.Key)
		if r == nil || r[1] != "2" || strings.TrimSuffix(r[2], `\`) != MachineKey || !strings.Contains(r[4], "["+p.Property+"]") {
			t.Errorf("machine config %s = %v, want HKLM\\%s = [%s]", p.Key, r, MachineKey, p.Property)
			continue
		}
		if strings.Contains(r[2], "Policies") {
			t.Errorf("%s written under a Policies key: %s", p.Key, r[2])
		}
		if c := find(comps, 0, r[5]); c == nil || c[4] != p.Property+` OR REMOVE~="ALL"` {
			t.Errorf("component of %s = %v, want Condition %s", p.Key, c, p.Property)
		}
	}
	if r := find(regs, 3, "PresenceProcesses"); r == nil || !strings.HasSuffix(r[4], "[~]") {
		t.Errorf("PresenceProcesses = %v, want a REG_MULTI_SZ value", r)
	}
	for _, c := range comps { // 64-bit components: Program Files and the 64-bit registry view
		if c[3] != "256" && c[3] != "260" {
			t.Errorf("component %s attributes %s, want 64-bit", c[0], c[3])
		}
	}
}

func TestMSIVersion(t *testing.T) {
	for in, want := range map[string]string{"1.2.3": "1.2.3", "1.2.3+4.gabc": "1.2.3", "1.2": "1.2.0",
		"0.0.0+abc": "0.0.0", "1.2.3.4": "1.2.3"} {
		if got := MSIVersion(in); got != want {
			t.Errorf("MSIVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSign(t *testing.T) {
	ossl := testenv.Command(t, "osslsigncode")
	openssl := testenv.Command(t, "openssl")
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pkgtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=WalkMe Test",
		"-days", "1", "-keyout", key, "-out", cert)
	exe := pkgtest.Standin(t, "windows", "amd64", "walkme-agent.exe")
	if err := sign(context.Background(), Options{SignCert: cert, SignKey: key, Stage: dir}, exe); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(ossl, "verify", "-CAfile", cert, "-in", exe).CombinedOutput()
	if !strings.Contains(string(out), "Signature verification: ok") {
		t.Errorf("osslsigncode verify:\n%s", out)
	}
}
