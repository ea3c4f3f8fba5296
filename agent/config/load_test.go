package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
)

// files is a test machine: a machine file and a user file in a temp dir.
type files struct {
	dir, machine, user string
}

func newFiles(t *testing.T, machine, user string) files {
	t.Helper()
	dir := testenv.TempDir(t)
	f := files{dir: dir, machine: filepath.Join(dir, "machine.json"), user: filepath.Join(dir, "user.json")}
	if machine != "" {
		write(t, f.machine, machine)
	}
	if user != "" {
		write(t, f.user, user)
	}
	return f
}

func (f files) opts() config.Options {
	return config.Options{MachineFile: f.machine, UserFile: f.user}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setting(t *testing.T, l *config.Loaded, key string) config.Setting {
	t.Helper()
	for _, s := range l.Settings {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no setting %s", key)
	return config.Setting{}
}

func TestKeys(t *testing.T) {
	want := []string{"ServerURL", "ClientID", "RenewInterval", "PresenceProcesses", "BrowserExtensions", "PresencePollInterval",
		"InactivityTimeout", "KeychainService", "KeychainBackend", "CAFile", "AdminCenterURL", "IdleWarning", "LogLevel", "DevMode"}
	if got := config.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
}

func TestDefaults(t *testing.T) {
	f := newFiles(t, "", "")
	l, err := config.Load(f.opts())
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.ClientID != "walkme-agent" || c.RenewInterval != 15*time.Minute || c.PresencePollInterval != 5*time.Second ||
		c.InactivityTimeout != 24*time.Hour || c.KeychainService != "com.walkme.agent" || c.KeychainBackend != "system" ||
		c.LogLevel != "info" || c.DevMode || c.ServerURL != "" || c.IdleWarning != 2*time.Minute || !slices.Contains(c.PresenceProcesses, "WalkMe Editor") {
		t.Errorf("defaults = %+v", c)
	}
	if len(l.Settings) != len(config.Keys()) {
		t.Fatalf("got %d settings, want %d", len(l.Settings), len(config.Keys()))
	}
	for i, s := range l.Settings {
		if s.Key != config.Keys()[i] || s.Source.String() != "default" || s.Locked {
			t.Errorf("setting %d = %+v", i, s)
		}
	}
	if got := setting(t, l, "RenewInterval").Value; got != "15m" {
		t.Errorf("RenewInterval displays as %q, want 15m", got)
	}
	if got := setting(t, l, "PresenceProcesses").Value; !strings.HasPrefix(got, "WalkMe Editor, WalkMeEditor, ") {
		t.Errorf("PresenceProcesses displays as %q", got)
	}
	// Default hands out fresh slices: changing one copy changes no other.
	a := config.Default()
	a.PresenceProcesses[0] = "changed"
	if config.Default().PresenceProcesses[0] == "changed" {
		t.Error("Default shares its PresenceProcesses slice")
	}
}

func TestPrecedence(t *testing.T) {
	f := newFiles(t,
		`{"ServerURL": "https://machine.example", "RenewInterval": "10m", "LogLevel": "warn", "ClientID": "m"}`,
		`{"RenewInterval": "5m", "LogLevel": "debug", "PresenceProcesses": ["Stand-in"]}`)
	opts := f.opts()
	opts.Policy = []config.Layer{{
		Source: config.Source{Kind: config.KindPolicy, Path: "/etc/walkme-agent/policy.json"},
		Values: map[string]any{"LogLevel": "error"},
	}}
	l, err := config.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, value, source string
		locked             bool
	}{
		{"ServerURL", "https://machine.example", "machine file " + f.machine, false},
		{"ClientID", "m", "machine file " + f.machine, false},
		{"RenewInterval", "5m", "user file " + f.user, false},
		{"PresenceProcesses", "Stand-in", "user file " + f.user, false},
		{"LogLevel", "error", "managed policy /etc/walkme-agent/policy.json", true},
		{"InactivityTimeout", "24h", "default", false},
	}
	for _, tt := range tests {
		s := setting(t, l, tt.key)
		if s.Value != tt.value || s.Source.String() != tt.source || s.Locked != tt.locked {
			t.Errorf("%s = %q from %q locked=%v; want %q from %q locked=%v",
				tt.key, s.Value, s.Source, s.Locked, tt.value, tt.source, tt.locked)
		}
	}
	if l.Config.RenewInterval != 5*time.Minute || l.Config.LogLevel != "error" {
		t.Errorf("Config = %+v", l.Config)
	}
	// The user's LogLevel lost to the policy: that is a warning naming both.
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].Error(),
		`user file `+f.user+`: LogLevel: "debug" is ignored: managed policy /etc/walkme-agent/policy.json sets "error" and locks it`) {
		t.Errorf("warnings = %v", l.Warnings)
	}
}

func TestConfigFileReplacesUserFile(t *testing.T) {
	f := newFiles(t, `{"ClientID": "from-machine"}`, `{"LogLevel": "debug"}`)
	cli := filepath.Join(f.dir, "cli.json")
	write(t, cli, `{"RenewInterval": "12m"}`)
	for _, env := range []bool{false, true} {
		opts := f.opts()
		opts.File, opts.FileFromEnv = cli, env
		l, err := config.Load(opts)
		if err != nil {
			t.Fatal(err)
		}
		if l.Config.LogLevel != "info" || l.Config.RenewInterval != 12*time.Minute || l.Config.ClientID != "from-machine" {
			t.Errorf("env=%v: Config = %+v", env, l.Config)
		}
		want := "config file " + cli
		if env {
			want += " (from $WALKME_AGENT_CONFIG)"
		}
		if got := setting(t, l, "RenewInterval").Source.String(); got != want {
			t.Errorf("source = %q, want %q", got, want)
		}
	}
	opts := f.opts()
	opts.File = filepath.Join(f.dir, "missing.json")
	_, err := config.Load(opts)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "config file "+opts.File) {
		t.Errorf("missing --config file: err = %v", err)
	}
}

func TestEmptyFileIsEmptyLayer(t *testing.T) {
	f := newFiles(t, " \n", "{}")
	if _, err := config.Load(f.opts()); err != nil {
		t.Fatal(err)
	}
}

func TestRelativeCAFile(t *testing.T) {
	f := newFiles(t, "", `{"CAFile": "ca.pem"}`)
	write(t, filepath.Join(f.dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n")
	l, err := config.Load(f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(f.dir, "ca.pem"); l.Config.CAFile != want {
		t.Errorf("CAFile = %q, want %q (relative to the file that names it)", l.Config.CAFile, want)
	}
}

func TestPolicyLayers(t *testing.T) {
	machinePol := config.Source{Kind: config.KindPolicy, Path: `HKLM\SOFTWARE\Policies\WalkMe\Agent`}
	userPol := config.Source{Kind: config.KindPolicy, Path: `HKCU\SOFTWARE\Policies\WalkMe\Agent`}
	f := newFiles(t, "", `{"DevMode": false}`)
	opts := f.opts()
	opts.Policy = []config.Layer{
		{Source: machinePol, Values: map[string]any{
			"ServerURL":         "https://admin.example",
			"DevMode":           uint32(1), // REG_DWORD
			"PresenceProcesses": []string{"A", "B"},
			"FutureKey":         "x", // a newer template's key: a warning
		}},
		{Source: userPol, Values: map[string]any{
			"ServerURL":     "https://user.example",
			"RenewInterval": "30s", // allowed: DevMode is on
		}},
	}
	l, err := config.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.ServerURL != "https://admin.example" || !c.DevMode || c.RenewInterval != 30*time.Second ||
		!slices.Equal(c.PresenceProcesses, []string{"A", "B"}) {
		t.Errorf("Config = %+v", c)
	}
	for key, src := range map[string]config.Source{"ServerURL": machinePol, "DevMode": machinePol, "RenewInterval": userPol} {
		if s := setting(t, l, key); s.Source != src || !s.Locked {
			t.Errorf("%s: %+v, want locked from %v", key, s, src)
		}
	}
	var msgs []string
	for _, w := range l.Warnings {
		msgs = append(msgs, w.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`managed policy HKLM\SOFTWARE\Policies\WalkMe\Agent: FutureKey: unknown key`,
		`managed policy HKCU\SOFTWARE\Policies\WalkMe\Agent: ServerURL: "https://user.example" is ignored: managed policy HKLM`,
		`user file ` + f.user + `: DevMode: "false" is ignored`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

func TestErrorsAreTyped(t *testing.T) {
	f := newFiles(t, "", `{"RenewInterval": "soon"}`)
	_, err := config.Load(f.opts())
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "RenewInterval" || ce.Source != (config.Source{Kind: config.KindUser, Path: f.user}) {
		t.Fatalf("err = %#v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute: "15m", 24 * time.Hour: "24h", 90 * time.Minute: "1h30m", 5 * time.Second: "5s",
		90 * time.Second: "1m30s", 100 * time.Millisecond: "100ms", time.Hour + time.Second: "1h0m1s", 0: "0s",
	} {
		if got := config.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSourceString(t *testing.T) {
	for src, want := range map[config.Source]string{
		{Kind: config.KindDefault}:                                      "default",
		{Kind: config.KindMachine, Path: "/m.json"}:                     "machine file /m.json",
		{Kind: config.KindRegistry, Path: `HKLM\SOFTWARE\WalkMe\Agent`}: `machine registry HKLM\SOFTWARE\WalkMe\Agent`,
		{Kind: config.KindUser, Path: "/u.json"}:                        "user file /u.json",
		{Kind: config.KindFile, Path: "/f.json"}:                        "config file /f.json",
		{Kind: config.KindEnv, Path: "/e.json"}:                         "config file /e.json (from $WALKME_AGENT_CONFIG)",
		{Kind: config.KindPolicy, Path: "/p.json"}:                      "managed policy /p.json",
	} {
		if got := src.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", src, got, want)
		}
	}
}

// TestMachineLayersBelowTheMachineFile: the layers the caller reads from the
// OS (on Windows the registry key the MSI writes) sit below the machine
// file, key by key, and are not locked.
func TestMachineLayersBelowTheMachineFile(t *testing.T) {
	f := newFiles(t, `{"LogLevel": "debug"}`, "")
	opts := f.opts()
	registry := config.Source{Kind: config.KindRegistry, Path: `HKLM\SOFTWARE\WalkMe\Agent`}
	opts.Machine = []config.Layer{{Source: registry, Values: map[string]any{
		"ServerURL": "https://sso.example.com", "LogLevel": "warn", "DevMode": uint32(1)}}}
	l, err := config.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := setting(t, l, "LogLevel"); s.Value != "debug" || s.Source.Kind != config.KindMachine {
		t.Errorf("LogLevel = %q from %v, want debug from the machine file", s.Value, s.Source)
	}
	if s := setting(t, l, "ServerURL"); s.Value != "https://sso.example.com" || s.Source != registry || s.Locked {
		t.Errorf("ServerURL = %q from %v locked=%v, want it from the registry layer, unlocked", s.Value, s.Source, s.Locked)
	}
	if !l.Config.DevMode {
		t.Error("DevMode from a registry DWORD 1 was not set")
	}
}
