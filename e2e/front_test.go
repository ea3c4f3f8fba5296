//go:build linux

package e2e

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// front stands on the issuer's address in front of a real walkme-sessiond:
// it counts the token requests that reach the server and can break them
// (mode "500" or "garbage") to play a failing server, or drop every
// connection (mode "down") to play an unreachable one.
type front struct {
	issuer string
	srv    *sessiond
	mode   atomic.Value // "pass", "500", "garbage", "slow", "down"
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
		if resp.Request.URL.Path == "/token" && f.mode.Load() == "slow" {
			time.Sleep(3 * time.Second)
		}
		return nil
	}
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.mode.Load() == "down" {
			// The server is unreachable: the connection drops unanswered.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
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
