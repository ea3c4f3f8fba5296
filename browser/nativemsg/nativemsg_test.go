package nativemsg

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// stubAPI stands in for the agent's local API (the OS boundary: a socket):
// the host's framing and relaying are what these tests check; e2e runs the
// host against a real agent.
type stubAPI struct{}

func (stubAPI) Status(context.Context) (localapi.Status, error) {
	return localapi.Status{State: localapi.StateActive, User: "ann@acme.test"}, nil
}

func (stubAPI) Presence(_ context.Context, source string, _ time.Duration) error {
	if source == "" {
		return &localapi.APIError{Code: 400, Message: "presence: need a source"}
	}
	return nil
}

func (stubAPI) Token(_ context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error) {
	if req.Source == "sleepy" {
		return localapi.TokenResponse{}, &localapi.APIError{Code: 409, Message: "asleep", Reason: localapi.RefusedAsleep}
	}
	return localapi.TokenResponse{AccessToken: "a.b.c", TokenType: "Bearer", User: "ann@acme.test", State: localapi.StateActive}, nil
}

func (stubAPI) Events(ctx context.Context) (<-chan localapi.Status, error) {
	ch := make(chan localapi.Status, 1)
	ch <- localapi.Status{State: localapi.StateActive, User: "ann@acme.test"}
	go func() { <-ctx.Done(); close(ch) }()
	return ch, nil
}

func frame(msg string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(msg)))
	return append(b, msg...)
}

// frames splits the host's output into messages, failing on a bad frame.
func frames(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	r := bytes.NewReader(out)
	for {
		b, err := readFrame(r)
		if errors.Is(err, io.EOF) {
			return msgs
		}
		if err != nil {
			t.Fatalf("the host wrote a bad frame: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("the host wrote a message that is not a JSON object: %q", b)
		}
		msgs = append(msgs, m)
	}
}

func runHost(t *testing.T, in []byte) ([]map[string]any, error) {
	t.Helper()
	var out bytes.Buffer
	err := Serve(context.Background(), stubAPI{}, bytes.NewReader(in), &out)
	return frames(t, out.Bytes()), err
}

// Every request gets one reply with its id; token refusals carry the
// agent's code; subscribe pushes the state.
func TestNativeHostReplies(t *testing.T) {
	var in []byte
	for _, m := range []string{
		`{"id":1,"type":"status"}`, `{"id":2,"type":"token","source":"tab","ttl_seconds":30}`,
		`{"id":3,"type":"token","source":"sleepy","ttl_seconds":30}`, `{"id":4,"type":"presence"}`,
		`{"id":5,"type":"fly"}`, `{"id":6,"type":"subscribe"}`,
	} {
		in = append(in, frame(m)...)
	}
	msgs, err := runHost(t, in)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[float64]map[string]any{}
	var states int
	for _, m := range msgs {
		if id, ok := m["id"].(float64); ok {
			byID[id] = m
		} else if m["type"] == "state" && m["state"] == localapi.StateActive && m["user"] == "ann@acme.test" {
			states++
		}
	}
	tok, _ := byID[2]["token"].(map[string]any)
	switch {
	case len(byID) != 6:
		t.Fatalf("replies %v, want one per request", msgs)
	case byID[1]["ok"] != true || byID[1]["status"] == nil:
		t.Errorf("status reply %v", byID[1])
	case byID[2]["ok"] != true || tok["access_token"] != "a.b.c":
		t.Errorf("token reply %v", byID[2])
	case byID[3]["ok"] != false || byID[3]["code"] != localapi.RefusedAsleep:
		t.Errorf("refused token reply %v, want code asleep", byID[3])
	case byID[4]["ok"] != false || byID[4]["error"] == "":
		t.Errorf("bad presence reply %v", byID[4])
	case byID[5]["ok"] != false || !strings.Contains(byID[5]["error"].(string), "unknown message type"):
		t.Errorf("unknown type reply %v", byID[5])
	case byID[6]["ok"] != true:
		t.Errorf("subscribe reply %v", byID[6])
	}
	if states > 1 {
		t.Errorf("%d state pushes for one status, want at most one", states)
	}
}

// A frame that is too long, cut short or not a JSON object ends the host
// with an error that says so — after it answered the good ones before it.
func TestNativeHostBadFrames(t *testing.T) {
	good := frame(`{"id":1,"type":"status"}`)
	for _, tc := range []struct {
		name, want string
		in         []byte
	}{
		{"oversize", "over the 1048576-byte limit", binary.LittleEndian.AppendUint32(nil, maxNativeMessage+1)},
		{"huge length", "over the", []byte{0xff, 0xff, 0xff, 0xff, '{'}},
		{"cut length", "length cut short", []byte{3, 0}},
		{"cut body", "cut short (10 bytes announced)", append(binary.LittleEndian.AppendUint32(nil, 10), `{"id"`...)},
		{"not JSON", "not a JSON object", frame(`hello`)},
		{"array", "not a JSON object", frame(`[1,2]`)},
		{"null", "not a JSON object", frame(`null`)},
		{"broken object", "not a JSON object", frame(`{"type":`)},
		{"empty", "not a JSON object", frame(``)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := runHost(t, append(append([]byte{}, good...), tc.in...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if len(msgs) != 1 || msgs[0]["ok"] != true {
				t.Fatalf("replies %v, want the good message's", msgs)
			}
		})
	}
	if msgs, err := runHost(t, good); err != nil || len(msgs) != 1 {
		t.Fatalf("a clean close: %v, %v", err, msgs)
	}
}

// FuzzNativeHost: whatever the browser's side of the pipe sends, the host
// neither panics nor hangs, writes only well-formed frames of JSON objects,
// and ends with an error exactly when the input is not a sequence of
// complete frames of JSON objects.
func FuzzNativeHost(f *testing.F) {
	f.Add(frame(`{"id":1,"type":"status"}`))
	f.Add(append(frame(`{"type":"subscribe"}`), frame(`{"id":"x","type":"token","source":"tab","ttl_seconds":5}`)...))
	f.Add(frame(`{"type":"presence","source":"t","ttl_seconds":1}`))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{1, 0, 0})
	f.Add(frame(`[]`))
	f.Add(frame(` {"type":"fly"}`))
	f.Add(append(frame(`{}`), 5, 0, 0, 0, '{'))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, err := runHost(t, in)
		wellFormed := true
		r := bytes.NewReader(in)
		for {
			b, ferr := readFrame(r)
			if errors.Is(ferr, io.EOF) {
				break
			}
			if ferr != nil {
				wellFormed = false
				break
			}
			if _, perr := parseNative(b); perr != nil {
				wellFormed = false
				break
			}
		}
		if wellFormed != (err == nil) {
			t.Fatalf("input well-formed %v, but the host ended with %v", wellFormed, err)
		}
	})
}
