package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/walkme/session-agent/agent/localapi/localapitest"
	"github.com/walkme/session-agent/browser/extension"
)

// nativeHost runs `walkme-agent native-host args...` in-process, as the
// browser starts it, with config as the configuration file. It sends one
// status request and keeps the port open until the reply (or the host's
// end); it returns the exit code, the reply's JSON and stderr.
func nativeHost(t *testing.T, config string, args ...string) (int, string, string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	sock, _ := localapitest.Serve(t, starting{})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errOut bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		code := runMain(context.Background(), append([]string{"--config", cfg, "--socket", sock, "native-host"}, args...), inR, outW, &errOut)
		outW.Close()
		exited <- code
	}()
	msg := []byte(`{"id": 1, "type": "status"}`)
	go func() {
		binary.Write(inW, binary.LittleEndian, uint32(len(msg)))
		inW.Write(msg)
	}()
	var n uint32
	var reply []byte
	if binary.Read(outR, binary.LittleEndian, &n) == nil {
		reply = make([]byte, n)
		io.ReadFull(outR, reply)
	}
	inW.Close() // the browser closes the port
	go io.Copy(io.Discard, outR)
	return <-exited, string(reply), errOut.String()
}

// The browser passes the calling extension: its origin (Chrome, Chromium,
// Edge; on Windows with --parent-window) or the manifest's path and the
// add-on ID (Firefox). With BrowserExtensions set, the host serves only the
// extensions it names, and says which it refused and why; unset, it serves
// every extension the browser started it for.
func TestNativeHostServesOnlyAdmittedExtensions(t *testing.T) {
	const other = "abcdefghijklmnopabcdefghijklmnop"
	chrome := "chrome-extension://" + extension.ID + "/"
	manifest := "/usr/lib/mozilla/native-messaging-hosts/com.walkme.agent.json"
	admits := `{"BrowserExtensions": ["` + extension.ID + `", "` + extension.FirefoxID + `"]}`
	tests := []struct {
		name, config string
		args         []string
		refused      string // what the error says; "" when served
	}{
		{"chrome admitted", admits, []string{chrome}, ""},
		{"windows admitted", admits, []string{chrome, "--parent-window=0"}, ""},
		{"firefox admitted", admits, []string{manifest, extension.FirefoxID}, ""},
		{"chrome refused", admits, []string{"chrome-extension://" + other + "/"},
			`extension "` + other + `" is not in BrowserExtensions (config file `},
		{"firefox refused", admits, []string{manifest, "evil@example.com"}, `extension "evil@example.com" is not in BrowserExtensions`},
		{"no caller", admits, nil, "the browser named no calling extension"},
		{"bad origin", admits, []string{"chrome-extension://x/"}, `caller "chrome-extension://x/" is not a chrome-extension://ID/ origin`},
		{"no list", `{}`, []string{"chrome-extension://" + other + "/"}, ""},
		{"no list, no caller", `{}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := nativeHost(t, tt.config, tt.args...)
			if tt.refused == "" {
				if code != exitOK || !strings.Contains(out, `"ok":true`) {
					t.Fatalf("exit %d, stdout %q, stderr %q; want the status request served", code, out, errOut)
				}
				return
			}
			if code != exitFailure || out != "" || !strings.Contains(errOut, tt.refused) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1, nothing served, and %q", code, out, errOut, tt.refused)
			}
		})
	}
}
