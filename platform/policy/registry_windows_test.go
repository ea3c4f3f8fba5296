package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"golang.org/x/sys/windows/registry"
)

// testKey creates HKCU\SOFTWARE\WalkMeAgentTest\<test>\<name> and deletes
// the tree when the test ends. HKCU needs no elevation.
func testKey(t *testing.T, name string) (regKey, registry.Key) {
	t.Helper()
	base := fmt.Sprintf(`SOFTWARE\WalkMeAgentTest\%s-%d`, t.Name(), os.Getpid())
	path := base + `\` + name
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.ALL_ACCESS|registry.WOW64_64KEY)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.Close()
		registry.DeleteKey(registry.CURRENT_USER, path)
		registry.DeleteKey(registry.CURRENT_USER, base)
	})
	return regKey{registry.CURRENT_USER, "HKCU", path}, k
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRegistryPolicy(t *testing.T) {
	machine, mk := testKey(t, "Machine")
	user, uk := testKey(t, "User")
	must(t, mk.SetStringValue("ServerURL", "https://sessions.example.com"))
	must(t, mk.SetDWordValue("DevMode", 1))
	must(t, mk.SetStringsValue("PresenceProcesses", []string{"WalkMe Editor", "Stand-in"}))
	must(t, mk.SetStringValue("LogLevel", "warn"))
	must(t, uk.SetStringValue("LogLevel", "debug")) // loses to the machine's
	must(t, uk.SetStringValue("RenewInterval", "30s"))
	missing := regKey{registry.CURRENT_USER, "HKCU", user.path + `\Missing`}

	layers, err := readKeys([]regKey{machine, user, missing})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 2 {
		t.Fatalf("got %d layers, want 2 (a missing key is none)", len(layers))
	}
	dir := filepath.Join(os.TempDir(), "walkme-policy-test-none") // no files: only policy
	l, err := config.Load(config.Options{
		MachineFile: filepath.Join(dir, "m.json"), UserFile: filepath.Join(dir, "u.json"), Policy: layers,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.ServerURL != "https://sessions.example.com" || !c.DevMode || c.LogLevel != "warn" ||
		c.RenewInterval != 30*time.Second || !slices.Equal(c.PresenceProcesses, []string{"WalkMe Editor", "Stand-in"}) {
		t.Errorf("Config = %+v", c)
	}
	for _, s := range l.Settings {
		want := map[string]regKey{"ServerURL": machine, "DevMode": machine, "LogLevel": machine, "RenewInterval": user}
		if k, ok := want[s.Key]; ok && (!s.Locked || s.Source.String() != "managed policy "+k.source().Path) {
			t.Errorf("%s = %+v, want locked from %s", s.Key, s, k.source())
		}
	}
	if !strings.HasPrefix(machine.source().Path, `HKCU\SOFTWARE\WalkMeAgentTest\`) {
		t.Errorf("source path = %q", machine.source().Path)
	}
}

func TestRegistryValueTypes(t *testing.T) {
	k, key := testKey(t, "Types")
	must(t, key.SetExpandStringValue("CAFile", `%SystemRoot%\corp.pem`))
	must(t, key.SetQWordValue("DevMode", 0))
	l, ok, err := readKey(k)
	if err != nil || !ok {
		t.Fatalf("readKey = %v, %v", ok, err)
	}
	root := os.Getenv("SystemRoot")
	if got := l.Values["CAFile"]; root == "" || !strings.EqualFold(fmt.Sprint(got), root+`\corp.pem`) {
		t.Errorf("CAFile = %q, want %%SystemRoot%% (%q) expanded", got, root)
	}
	if got := l.Values["DevMode"]; got != uint64(0) {
		t.Errorf("DevMode = %#v", got)
	}
	must(t, key.SetBinaryValue("ServerURL", []byte{1, 2}))
	if _, _, err := readKey(k); err == nil || !strings.Contains(err.Error(), "ServerURL: registry type 3 is not supported") {
		t.Errorf("binary value: err = %v", err)
	}
}

func TestRegistryWatchState(t *testing.T) {
	k, key := testKey(t, "Watch")
	missing := regKey{registry.CURRENT_USER, "HKCU", k.path + `\Missing`}
	before := keysState([]regKey{k, missing})
	must(t, key.SetStringValue("LogLevel", "debug"))
	if after := keysState([]regKey{k, missing}); after == before {
		t.Errorf("state unchanged after setting a value: %q", after)
	}
}
