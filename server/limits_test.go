package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// limitedServer serves a real Server through HTTPServer(l) on loopback.
func limitedServer(t *testing.T, l server.HTTPLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Issuer: "http://" + ln.Addr().String(), Store: sqliteStore(t)})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	hs := s.HTTPServer(l)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// closedWithin reads c until the server closes it, failing if it is still
// open after bound (a generous bound: the limits under test are far
// shorter). It returns what the server sent.
func closedWithin(t *testing.T, c net.Conn, bound time.Duration, what string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(bound))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the connection was still open after %v", what, bound)
	}
	return string(b)
}

// An idle kept-alive connection, and a request whose headers or body
// come a byte at a time, are closed by the server.
func TestServerClosesIdleAndSlowConnections(t *testing.T) {
	t.Parallel()
	addr := limitedServer(t, server.HTTPLimits{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond, Idle: 300 * time.Millisecond})
	const bound = 15 * time.Second

	t.Run("idle", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /jwks HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 || resp.Close {
			t.Fatalf("first request: %v %v (close %v)", resp, err, resp != nil && resp.Close)
		}
		io.Copy(io.Discard, resp.Body)
		// Now silent: the server must hang up.
		closedWithin(t, c, bound, "idle keep-alive")
	})

	// trickle writes s a byte at a time until the server hangs up.
	trickle := func(t *testing.T, c net.Conn, s string) {
		for i := range len(s) {
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return // cut off
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Run("slow headers", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		go trickle(t, c, "GET /jwks HTTP/1.1\r\nHost: "+addr+"\r\nX-Slow: "+strings.Repeat("a", 600)+"\r\n\r\n")
		if got := closedWithin(t, c, bound, "slow headers"); strings.Contains(got, "200 OK") {
			t.Errorf("a request that took its time over its headers was answered: %q", got)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		body := "token=" + strings.Repeat("a", 600)
		fmt.Fprintf(c, "POST /revoke HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", addr, len(body))
		go trickle(t, c, body)
		if got := closedWithin(t, c, bound, "slow body"); strings.Contains(got, "200 OK") {
			t.Errorf("a request whose body came a byte at a time was processed: %q", got)
		}
	})
}

// Every POST (and the PUT) refuses a body over the limit with 413 before
// a handler sees it, whether the length is announced or not.
func TestOversizeBodiesRefused(t *testing.T) {
	t.Parallel()
	addr := limitedServer(t, server.HTTPLimits{})
	big := "email=admin%40acme.test&password=x&pad=" + strings.Repeat("a", server.MaxRequestBody)
	for _, path := range []string{"/authorize", "/token", "/device_authorization", "/device", "/revoke", "/introspect", "/userinfo", "/admin/token", "/admin/logout"} {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader(big)
			if chunked {
				body = io.MultiReader(strings.NewReader(big)) // no length: sent chunked
			}
			req, _ := http.NewRequest("POST", "http://"+addr+path, body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("POST %s with %d bytes (chunked %v): %s, want 413", path, len(big), chunked, resp.Status)
			}
		}
	}
	req, _ := http.NewRequest("PUT", "http://"+addr+"/api/admin/security", strings.NewReader(`{"inactivity_timeout":"15m","pad":"`+strings.Repeat("a", server.MaxRequestBody)+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT admin API with an oversize body: %s, want 413", resp.Status)
	}
	// A body within the limit is served as before.
	resp, err = http.Post("http://"+addr+"/introspect", "application/x-www-form-urlencoded", strings.NewReader("token=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("introspect with a small body: %s", resp.Status)
	}
}
