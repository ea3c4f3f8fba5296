// Package winpkg builds the Windows installer (.msi) of the WalkMe agent
// from walkme-agent.wxs with msitools' wixl, then completes what wixl cannot
// express with msibuild, and signs with osslsigncode when asked.
package winpkg

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/walkme/session-agent/platform/policy"
)

//go:embed walkme-agent.wxs
var wxs []byte

//go:embed native-host.cmd
var nativeHostCmd []byte

// Properties maps the MSI's public properties to the configuration keys
// they write under MachineKey.
var Properties = []struct{ Property, Key string }{
	{"SERVER_URL", "ServerURL"},
	{"CLIENT_ID", "ClientID"},
	{"RENEW_INTERVAL", "RenewInterval"},
	{"PRESENCE_PROCESSES", "PresenceProcesses"},
	{"PRESENCE_POLL_INTERVAL", "PresencePollInterval"},
	{"INACTIVITY_TIMEOUT", "InactivityTimeout"},
	{"KEYCHAIN_SERVICE", "KeychainService"},
	{"CA_FILE", "CAFile"},
	{"ADMIN_CENTER_URL", "AdminCenterURL"},
	{"LOG_LEVEL", "LogLevel"},
}

// MachineKey is the HKLM key the MSI's properties write: the machine
// configuration, below user settings and managed policy, which the agent
// reads as its Windows machine layer.
const MachineKey = policy.MachineKey

// UpgradeCode identifies the product across versions (MajorUpgrade).
const UpgradeCode = "{1673A183-D831-4FD8-B34F-4E5748625E15}"

// Options describes one MSI build.
type Options struct {
	Version          string // a.b.c (see MSIVersion)
	AgentExe         string // the windows/amd64 walkme-agent.exe
	ChromiumManifest []byte // native-messaging host manifests
	FirefoxManifest  []byte
	Out              string
	Stage            string // scratch directory
	// SignCert and SignKey, when both are set, sign the exe and the MSI.
	SignCert, SignKey string
}

// Build writes the MSI to o.Out.
func Build(ctx context.Context, o Options) error {
	exe := filepath.Join(o.Stage, "walkme-agent.exe")
	if err := copyFile(o.AgentExe, exe); err != nil {
		return fmt.Errorf("msi: %w", err)
	}
	if err := sign(ctx, o, exe); err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"walkme-agent.wxs": wxs, "native-host.cmd": nativeHostCmd,
		"chromium.json": o.ChromiumManifest, "firefox.json": o.FirefoxManifest,
	} {
		if err := os.WriteFile(filepath.Join(o.Stage, name), data, 0o644); err != nil {
			return fmt.Errorf("msi: %w", err)
		}
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return fmt.Errorf("msi: %w", err)
	}
	// wixl resolves Source paths against its working directory, and only
	// relative ones.
	if err := run(ctx, o.Stage, "wixl", "-a", "x64", "-D", "Version="+o.Version,
		"-D", "AgentExe=walkme-agent.exe", "-D", "NativeHostCmd=native-host.cmd",
		"-D", "ChromiumManifest=chromium.json", "-D", "FirefoxManifest=firefox.json",
		"-o", out, "walkme-agent.wxs"); err != nil {
		return err
	}
	if err := complete(ctx, o.Stage, out); err != nil {
		return err
	}
	return sign(ctx, o, out)
}

// complete adds what wixl cannot write: a Condition on each configuration
// component (so a property not given writes nothing, and uninstall removes
// what was written), the properties in
// SecureCustomProperties (WiX's Secure="yes"), and the REG_MULTI_SZ marker
// of PresenceProcesses.
func complete(ctx context.Context, stage, msi string) error {
	cond := map[string]string{}
	props := make([]string, 0, len(Properties))
	for _, p := range Properties {
		// REMOVE~="ALL" keeps the condition true on uninstall (and on the
		// old product's removal in a major upgrade): Windows Installer
		// leaves a component alone when its condition is false, so with the
		// property alone the value would outlive the product.
		cond["Config"+p.Key] = p.Property + ` OR REMOVE~="ALL"`
		props = append(props, p.Property)
	}
	edits := []struct {
		table string
		edit  func(row []string) []string
	}{
		{"Component", func(r []string) []string { // Component ComponentId Directory_ Attributes Condition KeyPath
			if c, ok := cond[r[0]]; ok {
				r[4] = c
			}
			return r
		}},
		{"Property", func(r []string) []string {
			if r[0] == "SecureCustomProperties" {
				r[1] += ";" + strings.Join(props, ";")
			}
			return r
		}},
		{"Registry", func(r []string) []string { // Registry Root Key Name Value Component_
			if r[3] == "PresenceProcesses" {
				r[4] = "[PRESENCE_PROCESSES][~]" // [~] makes it REG_MULTI_SZ
			}
			return r
		}},
	}
	for _, e := range edits {
		if err := editTable(ctx, stage, msi, e.table, e.edit); err != nil {
			return err
		}
	}
	return nil
}

// editTable exports a table as IDT, rewrites its rows and imports it back.
func editTable(ctx context.Context, stage, msi, table string, edit func([]string) []string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "msiinfo", "export", msi, table)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("msi: msiinfo export %s: %w", table, err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\r\n"), "\r\n")
	if len(lines) < 3 {
		return fmt.Errorf("msi: table %s: short IDT", table)
	}
	for i := 3; i < len(lines); i++ { // three header lines: columns, types, table+keys
		lines[i] = strings.Join(edit(strings.Split(lines[i], "\t")), "\t")
	}
	idt := filepath.Join(stage, table+".idt")
	if err := os.WriteFile(idt, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
		return fmt.Errorf("msi: %w", err)
	}
	return run(ctx, stage, "msibuild", msi, "-i", idt)
}

// sign signs a PE or MSI file in place with osslsigncode when a certificate
// is configured.
func sign(ctx context.Context, o Options, file string) error {
	if o.SignCert == "" || o.SignKey == "" {
		return nil
	}
	signed := file + ".signed"
	if err := run(ctx, o.Stage, "osslsigncode", "sign", "-certs", o.SignCert, "-key", o.SignKey,
		"-n", "WalkMe Agent", "-i", "https://www.walkme.com/", "-h", "sha256",
		"-in", file, "-out", signed); err != nil {
		return err
	}
	return os.Rename(signed, file)
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("msi: %s: %w\n%s", name, err, b)
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// MSIVersion returns the a.b.c an MSI ProductVersion needs from a package
// version such as "1.2.3+4.gabc": MajorUpgrade compares these three fields.
func MSIVersion(v string) string {
	v, _, _ = strings.Cut(v, "+")
	v, _, _ = strings.Cut(v, "~")
	parts := strings.Split(v, ".")
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return strings.Join(parts[:3], ".")
}
