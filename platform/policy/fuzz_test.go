package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/platform/policy"
	"howett.net/plist"
)

// FuzzPolicyFile: whatever a managed-policy file holds, JSON or a property
// list, reading and applying it never panics; it either fails with an
// error, or every key it sets is locked in the merged configuration, which
// passes Validate.
func FuzzPolicyFile(f *testing.F) {
	xml, err := plist.Marshal(map[string]any{"ServerURL": "https://walkme.example.com", "RenewInterval": "15m", "DevMode": false}, plist.XMLFormat)
	if err != nil {
		f.Fatal(err)
	}
	bin, err := plist.Marshal(map[string]any{"PresenceProcesses": []string{"a"}, "InactivityTimeout": "8h"}, plist.BinaryFormat)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(xml, true)
	f.Add(bin, true)
	f.Add([]byte(`<plist><array/></plist>`), true)
	f.Add([]byte(`bplist00`), true)
	for _, s := range []string{`{}`, `{"ServerURL":"https://x.example","RenewInterval":"2m"}`, `{"RenewInterval":5}`, `{"Unknown":true}`, `[1]`, `{"DevMode":true,"RenewInterval":"1s"}`} {
		f.Add([]byte(s), false)
	}
	dir := testenv.TempDir(f) // also under wine (see testenv.TempDir)
	f.Fuzz(func(t *testing.T, data []byte, isPlist bool) {
		ext := ".json"
		if isPlist {
			ext = ".plist"
		}
		path := tempFile(t, dir, ext, data)
		layers, err := policy.ReadFrom(path)
		if err != nil {
			return
		}
		if len(layers) != 1 {
			t.Fatalf("one file read as %d layers", len(layers))
		}
		l, err := config.Load(config.Options{MachineFile: filepath.Join(dir, "none.json"), UserFile: filepath.Join(dir, "none.json"), Policy: layers})
		if err != nil {
			return
		}
		if err := l.Config.Validate(); err != nil {
			t.Fatalf("Load accepted a policy Validate refuses: %v", err)
		}
		for _, s := range l.Settings {
			if _, set := layers[0].Values[s.Key]; set != s.Locked {
				t.Fatalf("%s: set by the policy %v, locked %v", s.Key, set, s.Locked)
			}
		}
	})
}

// tempFile writes data to a new file in dir, removed when the test ends
// (cheaper than a directory per input).
func tempFile(t *testing.T, dir, ext string, data []byte) string {
	t.Helper()
	fh, err := os.CreateTemp(dir, "*"+ext)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(fh.Name()) })
	if _, err := fh.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return fh.Name()
}
