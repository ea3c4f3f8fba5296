package policy_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/policy"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const machineRegistry = `machine registry HKLM\` + policy.MachineKey

// machineKey creates HKLM\SOFTWARE\WalkMe\Agent, the real key the MSI
// writes, and deletes it when the test ends. It runs only in a throwaway
// Wine prefix or where no agent is installed: it never touches a real
// install's configuration. It also points %ProgramData% (the machine file)
// at a temp dir.
func machineKey(t *testing.T) (registry.Key, string) {
	t.Helper()
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, policy.MachineKey, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err == nil {
		k.Close()
		if !underWine() {
			t.Skipf("HKLM\\%s exists: an agent is installed here; not touching it", policy.MachineKey)
		}
	}
	registry.DeleteKey(registry.LOCAL_MACHINE, policy.MachineKey) // a stale one in a Wine prefix
	k, _, err = registry.CreateKey(registry.LOCAL_MACHINE, policy.MachineKey, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		t.Skip("writing HKLM needs an elevated prompt")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.Close()
		if err := registry.DeleteKey(registry.LOCAL_MACHINE, policy.MachineKey); err != nil {
			t.Errorf("delete HKLM\\%s: %v", policy.MachineKey, err)
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

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// loadMachine loads as the agent does: the machine registry layer from
// policy.Machine, the default machine file, and user as the user file.
func loadMachine(t *testing.T, user string) (*config.Loaded, error) {
	t.Helper()
	machine, err := policy.Machine()
	if err != nil {
		return nil, err
	}
	return config.Load(config.Options{Machine: machine, UserFile: user})
}

// TestMachineRegistry gets the values the MSI writes, typed as the MSI
// types them, below the user's file and unlocked.
func TestMachineRegistry(t *testing.T) {
	k, dir := machineKey(t)
	ok(t, k.SetStringValue("ServerURL", "https://sso.example.com"))
	ok(t, k.SetStringValue("RenewInterval", "10m"))
	ok(t, k.SetStringsValue("PresenceProcesses", []string{"WalkMe Editor", "Stand-in"}))
	ok(t, k.SetDWordValue("DevMode", 1))
	ok(t, k.SetStringValue("", "the (Default) value is not a setting"))
	user := filepath.Join(dir, "user.json")
	write(t, user, []byte(`{"RenewInterval": "5m"}`))

	l, err := loadMachine(t, user)
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
		if s := find(l, key); s.Source.String() != want || s.Locked {
			t.Errorf("%s from %q locked=%v, want from %q, not locked", key, s.Source, s.Locked, want)
		}
	}
}

// TestMachineFileBeatsRegistry: %ProgramData%\WalkMe\Agent\config.json is
// still read, above the registry key.
func TestMachineFileBeatsRegistry(t *testing.T) {
	k, programData := machineKey(t)
	ok(t, k.SetStringValue("ServerURL", "https://sso.example.com"))
	ok(t, k.SetStringValue("LogLevel", "warn"))
	file := filepath.Join(programData, "WalkMe", "Agent", "config.json")
	if got := config.DefaultMachineFile(); !strings.EqualFold(got, file) {
		t.Fatalf("DefaultMachineFile = %q, want %q", got, file)
	}
	write(t, file, []byte(`{"LogLevel": "debug"}`))

	l, err := loadMachine(t, filepath.Join(programData, "none.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := find(l, "LogLevel"); s.Value != "debug" || s.Source.String() != "machine file "+file {
		t.Errorf("LogLevel = %q from %q, want debug from the machine file", s.Value, s.Source)
	}
	if s := find(l, "ServerURL"); s.Value != "https://sso.example.com" || s.Source.String() != machineRegistry {
		t.Errorf("ServerURL = %q from %q, want it from the registry", s.Value, s.Source)
	}
}

// TestMachineRegistryErrors: a bad value or type is reported by key and by
// the registry source.
func TestMachineRegistryErrors(t *testing.T) {
	k, programData := machineKey(t)
	user := filepath.Join(programData, "none.json")
	ok(t, k.SetStringValue("RenewInterval", "15 minutes"))
	_, err := loadMachine(t, user)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "RenewInterval" || ce.Source.String() != machineRegistry {
		t.Errorf("bad duration: err = %v", err)
	}
	ok(t, k.DeleteValue("RenewInterval"))
	ok(t, k.SetBinaryValue("ServerURL", []byte{1, 2}))
	_, err = loadMachine(t, user)
	if err == nil || !strings.Contains(err.Error(), machineRegistry+": ServerURL: registry type 3 is not supported") {
		t.Errorf("binary value: err = %v", err)
	}
}
