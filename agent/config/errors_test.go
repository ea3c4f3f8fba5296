package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/internal/testenv"
)

// TestFileErrors feeds bad user files to Load: each must fail with an error
// naming the source and the key (or the position), and saying what is wrong.
func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string // substrings of the error, after "config: user file PATH: "
	}{
		{"unknown key, case", `{"Serverurl": "https://x"}`,
			[]string{`Serverurl: unknown key (keys are case-sensitive: did you mean "ServerURL"?)`}},
		{"unknown key, typo", `{"RenewInteval": "15m"}`, []string{`RenewInteval: unknown key (did you mean "RenewInterval"?)`}},
		{"unknown key, far", `{"Color": "red"}`, []string{`Color: unknown key (known keys: ServerURL, ClientID,`}},
		{"duration words", `{"RenewInterval": "15 minutes"}`,
			[]string{`RenewInterval: "15 minutes" is not a duration: use a Go duration such as "15m"`}},
		{"duration junk", `{"InactivityTimeout": "abc"}`, []string{`InactivityTimeout: "abc" is not a duration`}},
		{"duration number", `{"PresencePollInterval": 5}`,
			[]string{`PresencePollInterval: the number 5 is not a duration: write it as a string such as "15m"`}},
		{"string as number", `{"ClientID": 42}`, []string{`ClientID: the number 42 is not a string`}},
		{"string as null", `{"ServerURL": null}`, []string{`ServerURL: null is not a string`}},
		{"list as string", `{"PresenceProcesses": "WalkMe Editor"}`,
			[]string{`PresenceProcesses: "WalkMe Editor" is not a list of strings`}},
		{"list element", `{"PresenceProcesses": ["a", 2]}`, []string{`PresenceProcesses: element 2 is the number 2, not a string`}},
		{"bool as string", `{"DevMode": "yes"}`, []string{`DevMode: "yes" is not true or false`}},
		{"bool as JSON number", `{"DevMode": 1}`, []string{`DevMode: the number 1 is not true or false`}},
		{"object value", `{"LogLevel": {"a": 1}}`, []string{`LogLevel: an object is not a string`}},
		{"two errors", `{"LogLevel": 1, "KeychainBackend": true}`,
			[]string{`KeychainBackend: true is not a string`, `LogLevel: the number 1 is not a string`}},
		{"syntax", "{\n  \"ServerURL\": \"https://x\",\n  \"ClientID\" \"y\"\n}", []string{`line 3, col 14: invalid JSON`}},
		{"truncated", "{\n  \"ServerURL\": \"https://x\",\n", []string{`line 3, col 1: invalid JSON: unexpected end of file`}},
		{"not an object", `["ServerURL"]`, []string{`line 1, col 2: the file must hold a JSON object`}},
		{"duplicate", "{\"LogLevel\": \"info\",\n \"LogLevel\": \"debug\"}", []string{`line 2, col 12: LogLevel is set twice`}},
		{"trailing data", `{} {}`, []string{`line 1, col 4: invalid JSON: data after the closing brace`}},
		{"bad value", "{\n  \"ServerURL\": https\n}", []string{`line 2, col 16: invalid JSON: invalid character 'h'`}},
		{"bad list", "{\"PresenceProcesses\": [\"a\" \"b\"]}", []string{`line 1, col 28: invalid JSON`}},
		{"trailing comma", "{\"LogLevel\": \"info\",}", []string{`line 1, col 21: invalid JSON`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFiles(t, "", tt.file)
			l, err := config.Load(f.opts())
			if err == nil {
				t.Fatalf("Load succeeded: %+v", l.Config)
			}
			for _, w := range tt.want {
				if want := "config: user file " + f.user + ": " + w; !strings.Contains(err.Error(), want) {
					t.Errorf("error\n  %v\nlacks\n  %s", err, want)
				}
			}
		})
	}
}

// TestValidation loads a machine file and checks the merged result: bad
// ones fail naming the key and the file the value came from.
func TestValidation(t *testing.T) {
	tmp := testenv.TempDir(t)
	ca := filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(ca, []byte("pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	caMissing := filepath.Join(tmp, "nonexistent", "ca.pem")
	tests := []struct {
		name, file string
		want       string // "" = valid; else a substring after "config: machine file PATH: "
	}{
		{"https", `{"ServerURL": "https://sessions.example.com/issuer"}`, ""},
		{"http loopback v4", `{"ServerURL": "http://127.0.0.1:8080"}`, ""},
		{"http loopback 127/8", `{"ServerURL": "http://127.8.9.10"}`, ""},
		{"http loopback v6", `{"ServerURL": "http://[::1]:9000/"}`, ""},
		{"http localhost", `{"ServerURL": "http://localhost:8080"}`, ""},
		{"http remote", `{"ServerURL": "http://sessions.example.com"}`, `ServerURL: "http://sessions.example.com" must use https`},
		{"http lookalike", `{"ServerURL": "http://127.0.0.1.example.com"}`, `ServerURL: "http://127.0.0.1.example.com" must use https`},
		{"userinfo", `{"ServerURL": "https://bob:pw@x.example"}`, `ServerURL: "https://bob:pw@x.example" must not carry a user name`},
		{"query", `{"ServerURL": "https://x.example/?a=b"}`, `ServerURL: "https://x.example/?a=b" must not have a query`},
		{"fragment", `{"ServerURL": "https://x.example/#top"}`, `ServerURL: "https://x.example/#top" must not have a fragment`},
		{"scheme", `{"ServerURL": "ftp://x.example"}`, `ServerURL: "ftp://x.example" must be an https URL`},
		{"relative", `{"ServerURL": "sessions.example.com"}`, `ServerURL: "sessions.example.com" is not an absolute URL`},
		{"renew short", `{"RenewInterval": "30s"}`, `RenewInterval: 30s is below the minimum of 1m (DevMode allows down to 100ms`},
		{"renew dev", `{"RenewInterval": "2s", "DevMode": true}`, ""},
		{"renew dev too short", `{"RenewInterval": "50ms", "DevMode": true}`, `RenewInterval: 50ms is below the minimum of 100ms (DevMode)`},
		{"renew negative", `{"RenewInterval": "-15m"}`, `RenewInterval: -15m is below the minimum`},
		{"renew at the maximum", `{"RenewInterval": "15m"}`, ""},
		{"renew long", `{"RenewInterval": "16m"}`, `RenewInterval: 16m is above the maximum of 15m: renewals must come at least that often`},
		{"renew long dev", `{"RenewInterval": "1h", "DevMode": true}`, `RenewInterval: 1h is above the maximum of 15m`},
		{"poll short", `{"PresencePollInterval": "500ms"}`, `PresencePollInterval: 500ms is below the minimum of 1s`},
		{"poll dev", `{"PresencePollInterval": "200ms", "DevMode": true}`, ""},
		{"timeout short", `{"InactivityTimeout": "30s"}`, `InactivityTimeout: 30s is below the minimum of 1m`},
		{"timeout dev", `{"InactivityTimeout": "6s", "DevMode": true}`, ""},
		{"timeout dev too short", `{"InactivityTimeout": "500ms", "DevMode": true}`, `InactivityTimeout: 500ms is below the minimum of 1s`},
		{"backend memory", `{"KeychainBackend": "memory"}`, ""},
		{"backend bad", `{"KeychainBackend": "file"}`, `KeychainBackend: "file" is not one of system, memory`},
		{"log level", `{"LogLevel": "verbose"}`, `LogLevel: "verbose" is not one of debug, info, warn, error`},
		{"client id", `{"ClientID": ""}`, `ClientID: must not be empty`},
		{"empty process", `{"PresenceProcesses": ["a", " "]}`, `PresenceProcesses: entry 2 is empty`},
		{"no processes", `{"PresenceProcesses": []}`, ""},
		{"extensions", `{"BrowserExtensions": ["pjphaallaogfddomihpagleebbjnafgi", "walkme-agent@walkme.com", "{8a3b2f0e-1c4d-4e5f-9a6b-7c8d9e0f1a2b}"]}`, ""},
		{"extension origin", `{"BrowserExtensions": ["chrome-extension://pjphaallaogfddomihpagleebbjnafgi/"]}`,
			`BrowserExtensions: entry 1, "chrome-extension://pjphaallaogfddomihpagleebbjnafgi/", is neither a Chrome/Edge extension ID`},
		{"extension short", `{"BrowserExtensions": ["walkme-agent@walkme.com", "pjphaallaogfdd"]}`, `BrowserExtensions: entry 2, "pjphaallaogfdd", is neither`},
		{"ca file", `{"CAFile": ` + quote(ca) + `}`, ""},
		{"ca missing", `{"CAFile": ` + quote(caMissing) + `}`, `CAFile: ` + strconv.Quote(caMissing) + `: `},
		{"ca dir", `{"CAFile": ` + quote(tmp) + `}`, `CAFile: ` + strconv.Quote(tmp) + ` is a directory`},
		{"admin url", `{"AdminCenterURL": "http://admin.example/security"}`, ""},
		{"idle warning off", `{"IdleWarning": "0s"}`, ""},
		{"idle warning negative", `{"IdleWarning": "-1m"}`, `IdleWarning: -1m is outside 0 (off) to 24h`},
		{"admin url bad", `{"AdminCenterURL": "admin.example"}`, `AdminCenterURL: "admin.example" is not an absolute URL`},
		{"admin url scheme", `{"AdminCenterURL": "javascript://x"}`, `AdminCenterURL: "javascript://x" must be an http or https URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFiles(t, tt.file, "")
			_, err := config.Load(f.opts())
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Load: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("Load succeeded, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), "config: machine file "+f.machine+": "+tt.want):
				t.Errorf("error\n  %v\nlacks\n  machine file ...: %s", err, tt.want)
			}
		})
	}
}

// TestValidationNamesEachSource: with values from several layers, each
// error names the layer its value came from.
func TestValidationNamesEachSource(t *testing.T) {
	f := newFiles(t, `{"RenewInterval": "30s", "LogLevel": "debug"}`, `{"LogLevel": "loud"}`)
	opts := f.opts()
	pol := config.Source{Kind: config.KindPolicy, Path: "/etc/walkme-agent/policy.json"}
	opts.Policy = []config.Layer{{Source: pol, Values: map[string]any{"ServerURL": "http://evil.example"}}}
	_, err := config.Load(opts)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	for _, want := range []string{
		"config: machine file " + f.machine + ": RenewInterval: 30s",
		"config: user file " + f.user + `: LogLevel: "loud"`,
		"config: managed policy /etc/walkme-agent/policy.json: ServerURL:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n  %v\nlacks\n  %s", err, want)
		}
	}
}

// TestErrorsInSeveralFiles: every broken layer is reported at once.
func TestErrorsInSeveralFiles(t *testing.T) {
	f := newFiles(t, `{"LogLevel": 3}`, `{`)
	_, err := config.Load(f.opts())
	if err == nil || !strings.Contains(err.Error(), "machine file "+f.machine+": LogLevel") ||
		!strings.Contains(err.Error(), "user file "+f.user+": line 1") {
		t.Errorf("err = %v", err)
	}
}

func TestPolicyValueErrors(t *testing.T) {
	pol := config.Source{Kind: config.KindPolicy, Path: `HKLM\SOFTWARE\Policies\WalkMe\Agent`}
	tests := []struct {
		values map[string]any
		want   string
	}{
		{map[string]any{"DevMode": uint32(2)}, `DevMode: 2 is not true or false`},
		{map[string]any{"DevMode": "1"}, `DevMode: "1" is not true or false`},
		{map[string]any{"RenewInterval": uint32(900)}, `RenewInterval: the number 900 is not a duration`},
		{map[string]any{"PresenceProcesses": "WalkMe"}, `PresenceProcesses: "WalkMe" is not a list`},
		{map[string]any{"ServerURL": []byte("x")}, `ServerURL: binary data is not a string`},
	}
	for _, tt := range tests {
		f := newFiles(t, "", "")
		opts := f.opts()
		opts.Policy = []config.Layer{{Source: pol, Values: tt.values}}
		_, err := config.Load(opts)
		if want := "config: managed policy " + pol.Path + ": " + tt.want; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want %q", tt.values, err, want)
		}
	}
}

func TestValidateWithoutSources(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	c.LogLevel = "loud"
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), `config: LogLevel: "loud"`) {
		t.Errorf("Validate() = %v", err)
	}
}

// quote writes s as a JSON string (Windows paths have backslashes).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
