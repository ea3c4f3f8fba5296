package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
)

// FuzzConfigFile: whatever a config file holds, Load never panics; it
// either fails with an error that names the file, or returns a
// configuration that passes Validate and in which every key the file set
// comes from the file.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `[]`, `null`, `{"ServerURL":"https://walkme.example.com"}`,
		`{"ServerURL":"https://a.example","RenewInterval":"15m","InactivityTimeout":"24h"}`,
		`{"RenewInterval":"2s","DevMode":true,"PresenceProcesses":["a","b"]}`,
		`{"RenewInterval":"1ns"}`, `{"RenewInterval":900}`, `{"DevMode":"yes"}`, `{"DevMode":1}`,
		`{"PresenceProcesses":"x"}`, `{"PresenceProcesses":[1,2]}`, `{"ServerURL":"ftp://x"}`,
		`{"ServerURL":"http://insecure.example"}`, `{"Nope":1}`, `{"ServerURL":"a","ServerURL":"b"}`,
		`{"LogLevel":"loud"}`, `{"IdleWarning":"-5m"}`, `{"InactivityTimeout":"9999999h"}`,
		`{} {}`, `{"a":`, `{"ServerURL":"https://x\u0000y"}`, "\xef\xbb\xbf{}", `{"CAFile":"/nonexistent"}`,
	} {
		f.Add([]byte(seed))
	}
	dir := testenv.TempDir(f) // also under wine (see testenv.TempDir)
	f.Fuzz(func(t *testing.T, data []byte) {
		fh, err := os.CreateTemp(dir, "*.json")
		if err != nil {
			t.Fatal(err)
		}
		file := fh.Name()
		defer os.Remove(file)
		_, werr := fh.Write(data)
		if cerr := fh.Close(); werr != nil || cerr != nil {
			t.Fatal(werr, cerr)
		}
		l, err := config.Load(config.Options{File: file, MachineFile: filepath.Join(dir, "none.json")})
		if err != nil {
			var ce *config.Error
			if !errors.As(err, &ce) && !strings.Contains(err.Error(), file) {
				t.Fatalf("an error that names no source: %v", err)
			}
			return
		}
		if err := l.Config.Validate(); err != nil {
			t.Fatalf("Load accepted a configuration Validate refuses: %v", err)
		}
		values, err := config.ParseJSON(data)
		if err != nil {
			t.Fatalf("Load accepted a file ParseJSON refuses: %v", err)
		}
		for _, s := range l.Settings {
			if _, set := values[s.Key]; set != (s.Source.Kind == config.KindFile) {
				t.Fatalf("%s: set in the file %v, but its source is %s", s.Key, set, s.Source)
			}
		}
	})
}
