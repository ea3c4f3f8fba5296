package localapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

// backend is a Backend whose answers the test sets: the local API is tested
// on its own, without an agent behind it.
type backend struct {
	mu       sync.Mutex
	st       Status
	subs     []chan Status
	err      error         // returned by Login, Logout and Renew
	wait     time.Duration // how long LoginWait takes
	presence []PresenceRequest
}

func (b *backend) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.st
}

func (b *backend) set(st Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.st = st
	for _, ch := range b.subs {
		ch <- st
	}
}

func (b *backend) Login(ctx context.Context, req LoginRequest) (LoginStart, error) {
	if req.Device {
		return LoginStart{UserCode: "ABCD-EFGH", VerificationURI: "https://idp.test/device"}, b.err
	}
	return LoginStart{AuthURL: "https://idp.test/authorize"}, b.err
}

func (b *backend) LoginWait(ctx context.Context) (Status, error) {
	select {
	case <-time.After(b.wait):
		return b.Status(), nil
	case <-ctx.Done():
		return Status{}, ctx.Err()
	}
}

func (b *backend) Logout(ctx context.Context) error { return b.err }
func (b *backend) Renew(ctx context.Context) error  { return b.err }

func (b *backend) Presence(source string, ttl time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.presence = append(b.presence, PresenceRequest{Source: source, TTLSeconds: int(ttl / time.Second)})
	return nil
}

func (b *backend) Subscribe() (<-chan Status, func()) {
	ch := make(chan Status, 16)
	b.mu.Lock()
	defer b.mu.Unlock()
	ch <- b.st
	b.subs = append(b.subs, ch)
	return ch, func() {}
}

// serve runs the local API for b on a unix socket; tune may shorten the
// server's timeouts. It returns the socket's path and a client.
func serve(t *testing.T, b Backend, tune func(*http.Server)) (string, *Client) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	hs := NewServer(Handler(b, nil))
	if tune != nil {
		tune(hs)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return sock, NewClient(dialer(sock))
}

func dialer(sock string) Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}
}

// raw sends one HTTP/1.1 request, as written, and returns the answer.
func raw(t *testing.T, sock, request string) *http.Response {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", strings.SplitN(request, "\r\n", 2)[0], err)
	}
	return resp // its body goes with the connection
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(path, contentType, payload string, extra ...string) string {
	h := ""
	if contentType != "" {
		h = "Content-Type: " + contentType + "\r\n"
	}
	for _, e := range extra {
		h += e + "\r\n"
	}
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: agent\r\n%sContent-Length: %d\r\n\r\n%s", path, h, len(payload), payload)
}

func TestStatusCodesAndBodies(t *testing.T) {
	b := &backend{st: Status{State: StateActive, User: "ann@acme.test"}}
	sock, _ := serve(t, b, nil)
	tests := []struct {
		name, request string
		code          int
		contains      string
	}{
		{"status", "GET /v1/status HTTP/1.1\r\nHost: agent\r\n\r\n", 200, `"user": "ann@acme.test"`},
		{"presence", post("/v1/presence", "application/json", `{"source":"tab","ttl_seconds":60}`), 204, ""},
		{"presence without a source", post("/v1/presence", "application/json", `{"ttl_seconds":60}`), 400, "need a source"},
		{"presence ttl too long", post("/v1/presence", "application/json", `{"source":"tab","ttl_seconds":3601}`), 400, "ttl_seconds"},
		{"presence unknown field", post("/v1/presence", "application/json", `{"source":"tab","ttl_seconds":1,"x":1}`), 400, "unknown field"},
		{"presence not JSON", post("/v1/presence", "application/json", `source=tab`), 400, "presence:"},
		{"login", post("/v1/login", "", ""), 200, `"auth_url": "https://idp.test/authorize"`},
		{"device login", post("/v1/login", "application/json", `{"device":true}`), 200, `"user_code": "ABCD-EFGH"`},
		{"renew", post("/v1/renew", "", ""), 200, `"state": "active"`},
		{"status by POST", post("/v1/status", "", ""), 405, ""},
		{"unknown path", "GET /v1/nothing HTTP/1.1\r\nHost: agent\r\n\r\n", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := raw(t, sock, tc.request)
			got := body(t, resp)
			if resp.StatusCode != tc.code || !strings.Contains(got, tc.contains) {
				t.Fatalf("HTTP %d %q; want %d containing %q", resp.StatusCode, got, tc.code, tc.contains)
			}
			if resp.StatusCode != 204 && resp.StatusCode < 404 && resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	if len(b.presence) != 1 || b.presence[0] != (PresenceRequest{Source: "tab", TTLSeconds: 60}) {
		t.Fatalf("the backend got presence %+v, want the one valid heartbeat", b.presence)
	}
}

func TestBackendErrorsMapToCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("%w: not signed in", ErrConflict), 409},
		{fmt.Errorf("%w: no", ErrBadRequest), 400},
		{context.DeadlineExceeded, 504},
		{errors.New("the server said no"), 500},
	} {
		b := &backend{err: tc.err}
		sock, c := serve(t, b, nil)
		resp := raw(t, sock, post("/v1/renew", "", ""))
		if got := body(t, resp); resp.StatusCode != tc.code || !strings.Contains(got, `"error": "renew: `) {
			t.Errorf("%v: HTTP %d %s, want %d with an error body", tc.err, resp.StatusCode, got, tc.code)
		}
		var apiErr *APIError
		if _, err := c.Renew(context.Background()); !errors.As(err, &apiErr) || apiErr.Code != tc.code ||
			!strings.Contains(apiErr.Message, tc.err.Error()) {
			t.Errorf("client Renew: %v, want an APIError %d", err, tc.code)
		}
	}
}

func TestClientAgainstServer(t *testing.T) {
	b := &backend{st: Status{State: StateIdle, User: "ann@acme.test", Locked: []string{"ServerURL"}}}
	_, c := serve(t, b, nil)
	ctx := context.Background()
	st, err := c.Status(ctx)
	if err != nil || st.State != StateIdle || st.User != "ann@acme.test" || len(st.Locked) != 1 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if err := c.Presence(ctx, "tab", 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(b.presence) != 1 || b.presence[0].TTLSeconds != 90 {
		t.Fatalf("presence %+v", b.presence)
	}
	ls, err := c.LoginWith(ctx, LoginRequest{Device: true})
	if err != nil || ls.UserCode != "ABCD-EFGH" {
		t.Fatalf("LoginWith = %+v, %v", ls, err)
	}
	if st, err := c.LoginWait(ctx); err != nil || st.State != StateIdle {
		t.Fatalf("LoginWait = %+v, %v", st, err)
	}
	if st, err := c.Logout(ctx); err != nil || st.User != "ann@acme.test" {
		t.Fatalf("Logout = %+v, %v", st, err)
	}
}

// The event stream: one "status" event at once, then one per change, each
// framed as server-sent events.
func TestEventsFraming(t *testing.T) {
	b := &backend{st: Status{State: StateSignedOut}}
	sock, c := serve(t, b, nil)
	resp := raw(t, sock, "GET /v1/events HTTP/1.1\r\nHost: agent\r\n\r\n")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HTTP %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	frame := func() string {
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			if line == "\n" {
				return strings.Join(lines, "")
			}
			lines = append(lines, line)
		}
	}
	first := frame()
	if !strings.HasPrefix(first, "event: status\ndata: {") || !strings.Contains(first, `"state":"signed_out"`) ||
		strings.Count(first, "\n") != 2 {
		t.Fatalf("first frame %q", first)
	}
	events, err := c.Events(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := <-events; st.State != StateSignedOut {
		t.Fatalf("client's first event %+v", st)
	}
	b.set(Status{State: StateActive, User: "ann@acme.test"})
	if second := frame(); !strings.Contains(second, `"state":"active"`) {
		t.Fatalf("second frame %q", second)
	}
	if st := <-events; st.State != StateActive || st.User != "ann@acme.test" {
		t.Fatalf("client's second event %+v", st)
	}
}

// Requests shaped like a web page's are refused, whatever their path.
func TestBrowserShapedRequestsRefused(t *testing.T) {
	b := &backend{st: Status{State: StateActive}}
	sock, _ := serve(t, b, nil)
	json := `{"source":"tab","ttl_seconds":60}`
	tests := []struct {
		name, request string
		code          int
		contains      string
	}{
		{"Origin", "GET /v1/status HTTP/1.1\r\nHost: agent\r\nOrigin: https://evil.test\r\n\r\n", 403, "Origin"},
		{"null Origin", post("/v1/logout", "", "", "Origin: null"), 403, "Origin"},
		{"Referer", "GET /v1/events HTTP/1.1\r\nHost: agent\r\nReferer: https://evil.test/x\r\n\r\n", 403, "Referer"},
		{"foreign Host", "GET /v1/status HTTP/1.1\r\nHost: evil.test\r\n\r\n", 403, "evil.test"},
		{"localhost Host", "GET /v1/status HTTP/1.1\r\nHost: localhost:8080\r\n\r\n", 403, "Host"},
		{"text/plain POST", post("/v1/presence", "text/plain", json), 415, "application/json"},
		{"form POST", post("/v1/logout", "application/x-www-form-urlencoded", "a=b"), 415, "application/json"},
		{"multipart POST", post("/v1/presence", "multipart/form-data; boundary=x", json), 415, "application/json"},
		{"body without a type", post("/v1/presence", "", json), 415, "application/json"},
		{"oversize body", post("/v1/presence", "application/json", `{"source":"`+strings.Repeat("a", MaxBodyBytes)+`"}`), 413, "4096"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := raw(t, sock, tc.request)
			if got := body(t, resp); resp.StatusCode != tc.code || !strings.Contains(got, tc.contains) {
				t.Fatalf("HTTP %d %q; want %d containing %q", resp.StatusCode, got, tc.code, tc.contains)
			}
		})
	}
	if len(b.presence) != 0 {
		t.Fatalf("a refused request reached the backend: %+v", b.presence)
	}
	// JSON with a charset is JSON.
	if resp := raw(t, sock, post("/v1/presence", "application/json; charset=utf-8", json)); resp.StatusCode != 204 {
		t.Fatalf("JSON with a charset: HTTP %d", resp.StatusCode)
	}
}

// closedWithin reports whether the server closes c within d (a generous
// bound: the server's own timeouts are a fraction of it).
func closedWithin(t *testing.T, c net.Conn, d time.Duration) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestIdleConnectionClosed(t *testing.T) {
	sock, _ := serve(t, &backend{}, func(s *http.Server) { s.IdleTimeout = 200 * time.Millisecond })
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /v1/status HTTP/1.1\r\nHost: agent\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v, %v", resp, err)
	}
	if !closedWithin(t, c, 10*time.Second) {
		t.Fatal("an idle keep-alive connection was not closed")
	}
}

func TestSlowRequestsCutOff(t *testing.T) {
	sock, _ := serve(t, &backend{}, func(s *http.Server) {
		s.ReadHeaderTimeout, s.ReadTimeout = 200*time.Millisecond, 300*time.Millisecond
	})
	for name, partial := range map[string]string{
		"slow headers": "GET /v1/status HTTP/1.1\r\nHost: ag",
		"slow body":    "POST /v1/presence HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"source\":",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, partial)
			if !closedWithin(t, c, 10*time.Second) {
				t.Fatal("a request that never finished kept its connection")
			}
		})
	}
}

// The read timeout covers the request, not the wait for the answer: a
// sign-in wait and the event stream outlive it.
func TestWaitsOutliveReadTimeout(t *testing.T) {
	b := &backend{st: Status{State: StateSignedOut}, wait: 900 * time.Millisecond}
	_, c := serve(t, b, func(s *http.Server) { s.ReadHeaderTimeout, s.ReadTimeout = 200*time.Millisecond, 300*time.Millisecond })
	events, err := c.Events(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	<-events
	if _, err := c.LoginWait(context.Background()); err != nil {
		t.Fatalf("a sign-in wait longer than the read timeout: %v", err)
	}
	b.set(Status{State: StateActive})
	if st, ok := <-events; !ok || st.State != StateActive {
		t.Fatalf("the event stream after the read timeout: %+v, open %v", st, ok)
	}
}

// A socket that accepts and never answers: the quick calls give up after
// QuickTimeout with ErrNotAnswering.
func TestClientDeadlineOnWedgedAgent(t *testing.T) {
	c := NewClient(dialer(testenv.SilentSocket(t)))
	for name, call := range map[string]func() error{
		"status":   func() error { _, err := c.Status(context.Background()); return err },
		"presence": func() error { return c.Presence(context.Background(), "tab", time.Minute) },
		"events":   func() error { _, err := c.Events(context.Background()); return err },
	} {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, ErrNotAnswering) || took > 2*QuickTimeout {
			t.Errorf("%s against a wedged agent: %v after %v, want ErrNotAnswering after about %v", name, err, took, QuickTimeout)
		}
	}
}

// A thousand concurrent clients while a hundred slow ones hold half-sent
// requests: every status is answered, and the slow ones are cut off.
func TestManyClientsAndSlowOnes(t *testing.T) {
	sock, _ := serve(t, &backend{st: Status{State: StateActive}}, func(s *http.Server) { s.ReadHeaderTimeout = time.Second })
	// A plain client: this is about being served, not about the quick
	// calls' 2 s deadline on a loaded machine.
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialer(sock)(ctx)
	}}}
	var slow []net.Conn
	for range 100 {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /v1/status HTTP/1.1\r\nHost: ag")
		slow = append(slow, conn)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 1000 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+Host+"/v1/status", nil)
			resp, err := hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || !strings.Contains(string(b), `"state": "active"`) {
				errs <- fmt.Errorf("status: HTTP %d %s", resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, conn := range slow {
		if !closedWithin(t, conn, 10*time.Second) {
			t.Fatal("a half-sent request kept its connection")
		}
	}
}
