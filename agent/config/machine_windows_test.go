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
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const machineRegistry = `machine registry HKLM\` + config.WindowsMachineKey

// machineKey creates HKLM\SOFTWARE\WalkMe\Agent, the real key the MSI
// writes, and deletes it when the test ends. It runs only in a throwaway
// Wine prefix or where no agent is installed: it never touches a real
// install's configuration. It also points %ProgramData% (the machine file)
// at a temp dir.
func machineKey(t *testing.T) (registry.Key, string) {
	t.Helper()
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, config.WindowsMachineKey, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err == nil {
		k.Close()
		if !underWine() {
			t.Skipf("HKLM\\%s exists: an agent is installed here; not touching it", config.WindowsMachineKey)
		}
	}
	registry.DeleteKey(registry.LOCAL_MACHINE, config.WindowsMachineKey) // a stale one in a Wine prefix
	k, _, err = registry.CreateKey(registry.LOCAL_MACHINE, config.WindowsMachineKey, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		t.Skip("writing HKLM needs an elevated prompt")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.Close()
		if err := registry.DeleteKey(registry.LOCAL_MACHINE, config.WindowsMachineKey); err != nil {
			t.Errorf("delete HKLM\\%s: %v", config.WindowsMachineKey, err)
		}
	})
	dir := testenv.TempDir(t)
	t.Setenv("ProgramData", dir)
	return k, dir
}

// underWine reports whether this runs under Wine, whose prefix keeps its
// own settings in HKLM\Software\Wine.
func underWine() bool {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\Wine`, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	k.Close()
	return true
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMachineRegistry loads with no MachineFile, as the agent does, and
// gets the values the MSI writes, typed as the MSI types them.
func TestMachineRegistry(t *testing.T) {
	k, _ := machineKey(t)
	must(t, k.SetStringValue("ServerURL", "https://sso.example.com"))
	must(t, k.SetStringValue("RenewInterval", "10m"))
	must(t, k.SetStringsValue("PresenceProcesses", []string{"WalkMe Editor", "Stand-in"}))
	must(t, k.SetDWordValue("DevMode", 1))
	must(t, k.SetStringValue("", "the (Default) value is not a setting"))
	user := filepath.Join(testenv.TempDir(t), "user.json")
	write(t, user, `{"RenewInterval": "5m"}`)

	l, err := config.Load(config.Options{UserFile: user})
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.ServerURL != "https://sso.example.com" || c.RenewInterval != 5*time.Minute || !c.DevMode ||
		!slices.Equal(c.PresenceProcesses, []string{"WalkMe Editor", "Stand-in"}) {
		t.Errorf("Config = %+v", c)
	}
	for key, want := range map[string]string{"ServerURL": machineRegistry, "PresenceProcesses": machineRegistry,
		"DevMode": machineRegistry, "RenewInterval": "user file " + user, "LogLevel": "default"} {
		if s := setting(t, l, key); s.Source.String() != want || s.Locked {
			t.Errorf("%s from %q locked=%v, want from %q, not locked", key, s.Source, s.Locked, want)
		}
	}
}

// TestMachineFileBeatsRegistry: %ProgramData%\WalkMe\Agent\config.json is
// still read, above the registry key.
func TestMachineFileBeatsRegistry(t *testing.T) {
	k, programData := machineKey(t)
	must(t, k.SetStringValue("ServerURL", "https://sso.example.com"))
	must(t, k.SetStringValue("LogLevel", "warn"))
	file := filepath.Join(programData, "WalkMe", "Agent", "config.json")
	if got := config.DefaultMachineFile(); !strings.EqualFold(got, file) {
		t.Fatalf("DefaultMachineFile = %q, want %q", got, file)
	}
	must(t, os.MkdirAll(filepath.Dir(file), 0o755))
	write(t, file, `{"LogLevel": "debug"}`)

	l, err := config.Load(config.Options{UserFile: filepath.Join(programData, "none.json")})
	if err != nil {
		t.Fatal(err)
	}
	if s := setting(t, l, "LogLevel"); s.Value != "debug" || s.Source.String() != "machine file "+file {
		t.Errorf("LogLevel = %q from %q, want debug from the machine file", s.Value, s.Source)
	}
	if s := setting(t, l, "ServerURL"); s.Value != "https://sso.example.com" || s.Source.String() != machineRegistry {
		t.Errorf("ServerURL = %q from %q, want it from the registry", s.Value, s.Source)
	}

	// An explicit MachineFile replaces the whole default machine layer.
	l, err = config.Load(config.Options{MachineFile: filepath.Join(programData, "none.json"), UserFile: filepath.Join(programData, "none.json")})
	if err != nil {
		t.Fatal(err)
	}
	if s := setting(t, l, "ServerURL"); s.Source.Kind != config.KindDefault {
		t.Errorf("with MachineFile set, ServerURL from %q, want the default", s.Source)
	}
}

// TestMachineRegistryErrors: a bad value or type is reported by key and by
// the registry source.
func TestMachineRegistryErrors(t *testing.T) {
	k, programData := machineKey(t)
	opts := config.Options{UserFile: filepath.Join(programData, "none.json")}
	must(t, k.SetStringValue("RenewInterval", "15 minutes"))
	_, err := config.Load(opts)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "RenewInterval" || ce.Source.String() != machineRegistry {
		t.Errorf("bad duration: err = %v", err)
	}
	must(t, k.DeleteValue("RenewInterval"))
	must(t, k.SetBinaryValue("ServerURL", []byte{1, 2}))
	_, err = config.Load(opts)
	if err == nil || !strings.Contains(err.Error(), machineRegistry+": ServerURL: registry type 3 is not supported") {
		t.Errorf("binary value: err = %v", err)
	}
}
