//go:build linux

package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestNativeHostRelaysHeartbeats: a browser extension's heartbeat through
// `walkme-agent native-host` (Chrome's native-messaging framing on stdin and
// stdout) counts as an open WalkMe product, and renews like one.
func TestNativeHostRelaysHeartbeats(t *testing.T) {
	_, a := signedInAgent(t, "")
	cmd := exec.Command(a.bin, "native-host", "chrome-extension://walkme/")
	cmd.Env = append(os.Environ(), a.env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	send := func(msg string) map[string]any {
		t.Helper()
		var frame bytes.Buffer
		binary.Write(&frame, binary.LittleEndian, uint32(len(msg)))
		frame.WriteString(msg)
		if _, err := stdin.Write(frame.Bytes()); err != nil {
			t.Fatal(err)
		}
		var n uint32
		if err := binary.Read(stdout, binary.LittleEndian, &n); err != nil {
			t.Fatalf("reading the reply's length: %v", err)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(stdout, body); err != nil {
			t.Fatal(err)
		}
		var reply map[string]any
		if err := json.Unmarshal(body, &reply); err != nil {
			t.Fatalf("reply is not JSON: %q", body)
		}
		return reply
	}
	if r := send(`{"type":"presence","source":"chrome:walkme-tab","ttl_seconds":3}`); r["ok"] != true {
		t.Fatalf("presence reply %v, want ok", r)
	}
	st := a.awaitStatus(5*time.Second, "active from the heartbeat", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 1
	})
	if len(st.Presence.Sources) != 1 || st.Presence.Sources[0] != "chrome:walkme-tab" {
		t.Fatalf("presence sources %v, want the extension's heartbeat", st.Presence.Sources)
	}
	if r := send(`{"type":"launch-missiles"}`); r["ok"] == true || r["error"] == "" {
		t.Fatalf("an unknown message got %v, want an error", r)
	}
	a.awaitStatus(6*time.Second, "idle once the heartbeat's TTL ran out", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle
	})
}
