package policy_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/policy"
	"howett.net/plist"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// load runs config.Load with a user file and the given policy layers.
func load(t *testing.T, user string, layers []config.Layer) (*config.Loaded, error) {
	t.Helper()
	dir := testenv.TempDir(t)
	userFile := filepath.Join(dir, "user.json")
	write(t, userFile, []byte(user))
	return config.Load(config.Options{MachineFile: filepath.Join(dir, "none.json"), UserFile: userFile, Policy: layers})
}

func find(l *config.Loaded, key string) config.Setting {
	for _, s := range l.Settings {
		if s.Key == key {
			return s
		}
	}
	return config.Setting{}
}

func TestLinuxJSONPolicy(t *testing.T) {
	file := filepath.Join(testenv.TempDir(t), "etc", "walkme-agent", "policy.json")
	write(t, file, []byte(`{
  "ServerURL": "https://sessions.example.com",
  "RenewInterval": "10m",
  "PresenceProcesses": ["WalkMe Editor", "Stand-in"]
}`))
	layers, err := policy.ReadFrom(file)
	if err != nil {
		t.Fatal(err)
	}
	l, err := load(t, `{"RenewInterval": "5m", "LogLevel": "debug"}`, layers)
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.ServerURL != "https://sessions.example.com" || l.Config.RenewInterval != 10*time.Minute ||
		!slices.Equal(l.Config.PresenceProcesses, []string{"WalkMe Editor", "Stand-in"}) || l.Config.LogLevel != "debug" {
		t.Errorf("Config = %+v", l.Config)
	}
	s := find(l, "RenewInterval")
	if !s.Locked || s.Source.String() != "managed policy "+file || s.Value != "10m" {
		t.Errorf("RenewInterval = %+v, want locked 10m from managed policy %s", s, file)
	}
	if s := find(l, "LogLevel"); s.Locked || s.Source.Kind != config.KindUser {
		t.Errorf("LogLevel = %+v, want the user's, unlocked", s)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].Error(), `RenewInterval: "5m" is ignored: managed policy `+file) {
		t.Errorf("warnings = %v", l.Warnings)
	}
}

func TestMissingPolicyIsNone(t *testing.T) {
	layers, err := policy.ReadFrom(filepath.Join(testenv.TempDir(t), "policy.json"), filepath.Join(testenv.TempDir(t), "x.plist"))
	if err != nil || len(layers) != 0 {
		t.Errorf("ReadFrom(missing) = %v, %v; want no layers, no error", layers, err)
	}
}

func TestBadPolicy(t *testing.T) {
	dir := testenv.TempDir(t)
	tests := []struct {
		name, data, want string
	}{
		{"policy.json", "{\n  \"ServerURL\": https\n}", "config: managed policy %s: line 2, col 16: invalid JSON"},
		{"bad.plist", "<plist><dict><key>DevMode</key>", "config: managed policy %s: "},
		{"array.plist", `<plist><array><string>x</string></array></plist>`,
			"config: managed policy %s: the property list must hold a dictionary"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name)
		write(t, path, []byte(tt.data))
		_, err := policy.ReadFrom(path)
		if want := strings.ReplaceAll(tt.want, "%s", path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, want)
		}
	}
	// A bad value in a good file is reported through config.Load, by key.
	path := filepath.Join(dir, "value.json")
	write(t, path, []byte(`{"RenewInterval": "15 minutes"}`))
	layers, err := policy.ReadFrom(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = load(t, "{}", layers)
	if want := "config: managed policy " + path + `: RenewInterval: "15 minutes" is not a duration`; err == nil ||
		!strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestPlist writes the managed preferences of a Mac, as an MDM profile
// leaves them, in both plist formats and reads them back.
func TestPlist(t *testing.T) {
	machine := map[string]any{
		"ServerURL":         "https://sessions.example.com",
		"InactivityTimeout": "8h",
		"PresenceProcesses": []string{"WalkMe Editor"},
		"DevMode":           false,
		"LogLevel":          "warn",
	}
	user := map[string]any{
		"LogLevel":      "debug", // loses to the machine's
		"RenewInterval": "10m",
		"DevMode":       1, // an <integer>, as some MDM consoles write booleans
	}
	for _, format := range []int{plist.XMLFormat, plist.BinaryFormat} {
		t.Run(plist.FormatNames[format], func(t *testing.T) {
			root := filepath.Join(testenv.TempDir(t), "Library", "Managed Preferences")
			machinePath := filepath.Join(root, "com.walkme.agent.plist")
			userPath := filepath.Join(root, "alice", "com.walkme.agent.plist")
			for path, v := range map[string]any{machinePath: machine, userPath: user} {
				data, err := plist.Marshal(v, format)
				if err != nil {
					t.Fatal(err)
				}
				write(t, path, data)
			}
			layers, err := policy.ReadFrom(machinePath, userPath)
			if err != nil {
				t.Fatal(err)
			}
			l, err := load(t, `{"ClientID": "mine"}`, layers)
			if err != nil {
				t.Fatal(err)
			}
			c := l.Config
			if c.ServerURL != "https://sessions.example.com" || c.InactivityTimeout != 8*time.Hour ||
				!slices.Equal(c.PresenceProcesses, []string{"WalkMe Editor"}) || c.LogLevel != "warn" ||
				c.RenewInterval != 10*time.Minute || c.DevMode || c.ClientID != "mine" {
				t.Errorf("Config = %+v", c)
			}
			for key, path := range map[string]string{"LogLevel": machinePath, "DevMode": machinePath, "RenewInterval": userPath} {
				if s := find(l, key); !s.Locked || s.Source.Path != path {
					t.Errorf("%s = %+v, want locked from %s", key, s, path)
				}
			}
		})
	}
}

func TestWatch(t *testing.T) {
	dir := testenv.TempDir(t)
	path := filepath.Join(dir, "policy.json")
	ctx, cancel := context.WithCancel(context.Background())
	ch := policy.WatchFrom(ctx, 10*time.Millisecond, path, filepath.Join(dir, "other.plist"))

	expect := func(what string) {
		t.Helper()
		select {
		case _, ok := <-ch:
			if !ok {
				t.Fatalf("%s: channel closed", what)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no signal", what)
		}
	}
	write(t, path, []byte(`{}`))
	expect("created")
	write(t, path, []byte(`{"LogLevel": "debug"}`))
	expect("rewritten")
	// A change of modification time alone counts too.
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	expect("touched")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	expect("removed")
	cancel()
	for range ch { // drains a pending signal; ends when the watcher closes it
	}
}

func TestWatchQuietWithoutChange(t *testing.T) {
	dir := testenv.TempDir(t)
	path := filepath.Join(dir, "policy.json")
	write(t, path, []byte(`{}`))
	ctx, cancel := context.WithCancel(context.Background())
	ch := policy.WatchFrom(ctx, time.Millisecond, path)
	// Let it poll many times; then stop it. An unchanged file never signals.
	time.Sleep(50 * time.Millisecond)
	cancel()
	for range ch {
		t.Fatal("signal without a change")
	}
}
