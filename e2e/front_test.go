//go:build linux

package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// front stands on the issuer's address in front of a real walkme-sessiond:
// it counts the token requests that reach the server and can break them
// (mode "500" or "garbage") to play a failing server, or drop every
// connection (mode "down") to play an unreachable one. In mode "stall" the
// server handles a token request but its answer is held until the client
// gives up; in mode "cut" the connection drops half-way through the
// answer. While the server behind it is down, the front drops connections
// as the server's own address would.
type front struct {
	issuer string
	srv    *sessiond
	mode   atomic.Value // "pass", "500", "garbage", "slow", "stall", "cut", "down"
	posts  atomic.Int64 // POST /token requests seen
}

func startFront(t *testing.T) *front {
	t.Helper()
	return startFrontOn(t, listen(t), nil)
}

// startFrontOn starts a front on ln, serving HTTPS with cert when given.
func startFrontOn(t *testing.T, ln net.Listener, cert *tls.Certificate) *front {
	t.Helper()
	scheme := "http://"
	if cert != nil {
		scheme = "https://"
	}
	f := &front{issuer: scheme + ln.Addr().String()}
	f.mode.Store("pass")
	f.srv = startServerAt(t, f.issuer)
	backend, _ := url.Parse(f.srv.listen)
	proxy := httputil.NewSingleHostReverseProxy(backend)
	// "slow": the server has answered (and rotated the token) but the
	// answer reaches the agent only 3 s later.
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/token" {
			return nil
		}
		switch f.mode.Load() {
		case "slow":
			time.Sleep(3 * time.Second)
		case "stall":
			// The server has rotated the token; its answer waits for a
			// client that has long stopped listening.
			select {
			case <-resp.Request.Context().Done():
			case <-time.After(time.Minute):
			}
			return resp.Request.Context().Err()
		}
		return nil
	}
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { drop(w) }
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.mode.Load() == "down" {
			// The server is unreachable: the connection drops unanswered.
			drop(w)
			return
		}
		if r.URL.Path == "/token" && r.Method == http.MethodPost && f.mode.Load() == "cut" {
			f.posts.Add(1)
			f.cut(w, r, backend)
			return
		}
		if r.URL.Path == "/token" && r.Method == http.MethodPost {
			f.posts.Add(1)
			switch f.mode.Load() {
			case "500":
				_, _ = io.Copy(io.Discard, r.Body)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			case "garbage":
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"access_token": 42, <html>`)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	hs.Listener.Close()
	hs.Listener = ln
	if cert != nil {
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		hs.StartTLS()
	} else {
		hs.Start()
	}
	t.Cleanup(hs.Close)
	return f
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// cut passes r to the server, then sends the client the answer's status
// line, headers and half its body, and closes the connection: the server
// has rotated the token, and the client receives a truncated answer.
func (f *front) cut(w http.ResponseWriter, r *http.Request, backend *url.URL) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host, out.Host = backend.Scheme, backend.Host, backend.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		drop(w)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		resp.StatusCode, http.StatusText(resp.StatusCode), len(body))
	_, _ = c.Write(body[:len(body)/2])
}

// quietThenRenewed checks both halves of a pause in a's renewals (asleep,
// offline): for more than two renewal intervals no renewal request reaches
// the server; once resume has run, a renewal follows. It returns the status
// that shows that renewal.
func (f *front) quietThenRenewed(t *testing.T, a *agentEnv, while string, resume func(), after string) localapi.Status {
	t.Helper()
	// A renewal sent before the agent saw the change still completes;
	// the rule is that none starts after it.
	renewals := a.awaitStatus(10*time.Second, "no renewal under way", func(st localapi.Status) bool { return !st.Renewing }).Renewals
	posts := f.posts.Load()
	time.Sleep(5 * time.Second) // more than two renewal intervals
	if got := f.posts.Load(); got != posts {
		t.Fatalf("%d renewal requests reached the server %s", got-posts, while)
	}
	resumed := time.Now()
	resume()
	st := a.awaitStatus(10*time.Second, "a renewal "+after, func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals > renewals
	})
	t.Logf("renewal visible in status %v %s (requests %s: 0)", time.Since(resumed).Round(10*time.Millisecond), after, while)
	return st
}
