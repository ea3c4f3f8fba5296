package main_test

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var metricsAt = regexp.MustCompile(`metrics listening" addr=(127\.0\.0\.1:\d+)`)

// TestOperations runs the real walkme-sessiond with a metrics listener and
// checks what operators rely on: health and readiness, request IDs echoed
// and logged, metrics after a real sign-in, renewal and refused renewal
// (on their own listener only), no secret of a whole flow in the log, and
// a SIGTERM that refuses new connections but finishes the request in
// flight.
func TestOperations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sessiond.db")
	addUser(t, db)
	srv := serve(t, "--db", db, "--metrics-listen", "127.0.0.1:0")
	m := metricsAt.FindStringSubmatch(srv.head)
	if srv.URL == "" || m == nil {
		t.Fatalf("serve did not say where it listens and serves metrics:\n%s", srv.head)
	}
	base, metricsURL := srv.URL, "http://"+m[1]+"/metrics"

	for _, p := range []string{"/healthz", "/readyz"} {
		req, _ := http.NewRequest("GET", base+p, nil)
		req.Header.Set("X-Request-ID", "probe-"+strings.Trim(p, "/"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") != "probe-"+strings.Trim(p, "/") {
			t.Errorf("GET %s: %s, X-Request-ID %q; want 200 echoing the id", p, resp.Status, resp.Header.Get("X-Request-ID"))
		}
	}

	// A whole flow: sign-in (password, code, PKCE verifier), a renewal,
	// a refused renewal, userinfo, introspection, sign-out.
	verifier := rand.Text() + rand.Text()
	g := signInWith(t, base, "admin@acme.test", verifier)
	r := refresh(t, base, g.RefreshToken)
	if r.status != 200 {
		t.Fatalf("renewal: %d %s", r.status, r.Error)
	}
	req, _ := http.NewRequest("POST", base+"/token", strings.NewReader(url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {"not-" + g.RefreshToken}, "client_id": {"walkme-agent"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Request-ID", "refused-1")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Fatalf("refused renewal: %v %v", resp.Status, err)
	}
	for _, call := range []func() (*http.Response, error){
		func() (*http.Response, error) {
			req, _ := http.NewRequest("GET", base+"/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+r.AccessToken)
			req.Header.Set("X-Request-ID", "userinfo-1")
			return http.DefaultClient.Do(req)
		},
		func() (*http.Response, error) {
			return http.PostForm(base+"/introspect", url.Values{"token": {r.AccessToken}})
		},
	} {
		resp, err := call()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %s", resp.Request.URL.Path, resp.Status)
		}
	}

	// A device sign-in started: its device_code is a secret too.
	resp, err := http.PostForm(base+"/device_authorization", url.Values{"client_id": {"walkme-agent"}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	da, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	deviceCode := jsonField(string(da), "device_code")

	metrics := get(t, metricsURL)
	for _, want := range []string{
		`walkme_sessiond_renewals_total{reason="rotated",result="renewed"} 1`,
		`walkme_sessiond_renewals_total{reason="unknown_token",result="refused"} 1`,
		`walkme_sessiond_sign_ins_total{result="success"} 1`,
		`walkme_sessiond_live_sessions 1`,
		`walkme_sessiond_http_request_duration_seconds_count{code="200",route="POST /token"} 2`,
		`walkme_sessiond_store_duration_seconds_count{op="Rotate",result="ok"} 2`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp, err := http.Get(base + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the public port: %v %v, want 404", resp.Status, err)
	}

	// A request in flight at SIGTERM: its headers are in, and the server
	// asks for its body (100 Continue) when the handler reads it.
	second := refreshToken(t, base, r.RefreshToken)
	body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second}, "client_id": {"walkme-agent"}}.Encode()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\nX-Request-ID: in-flight\r\n\r\n", len(body))
	answers := bufio.NewReader(conn)
	if line, err := answers.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("before the body: %q %v, want 100 Continue", line, err)
	}
	answers.ReadString('\n') // the blank line after 100 Continue
	srv.cmd.Process.Signal(syscall.SIGTERM)
	// New connections are refused once the listener is closed.
	refused := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if errors.Is(err, syscall.ECONNREFUSED) {
			refused = true
			break
		}
		if err == nil {
			c.Close()
		}
	}
	if !refused {
		t.Error("new connections still accepted after SIGTERM")
	}
	io.WriteString(conn, body)
	resp, err = http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(answer), "refresh_token") {
		t.Errorf("the request in flight: %s %s, want its renewal", resp.Status, answer)
	}
	log, err := srv.stop(t)
	if err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	all := srv.head + log

	for _, want := range []string{"request_id=userinfo-1", "request_id=in-flight", `route="POST /token"`, "stopped"} {
		if !strings.Contains(all, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	// The handler's own line about the refusal carries the request's id.
	if !regexp.MustCompile(`msg="token refused".*request_id=refused-1`).MatchString(all) {
		t.Errorf("the refusal's log line lacks its request id:\n%s", all)
	}
	for name, secret := range map[string]string{
		"password": "s3cret-passw0rd", "code verifier": verifier, "code": g.code, "refresh token": g.RefreshToken,
		"renewed refresh token": r.RefreshToken, "access token": r.AccessToken, "ID token": g.IDToken, "last refresh token": second,
		"device code": deviceCode,
	} {
		if secret == "" {
			t.Fatalf("no %s to look for", name)
		}
		if strings.Contains(all, secret) {
			t.Errorf("the log contains the %s", name)
		}
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return string(b)
}

func refreshToken(t *testing.T, base, token string) string {
	t.Helper()
	g := refresh(t, base, token)
	if g.status != 200 {
		t.Fatalf("renewal: %d %s", g.status, g.Error)
	}
	return g.RefreshToken
}

func jsonField(body, name string) string {
	m := regexp.MustCompile(`"` + name + `":"([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}
