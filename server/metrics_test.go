package server_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/walkme/session-agent/server"
)

// scrape reads the server's Prometheus metrics as a scraper does.
func (e *env) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.srv.Config.Handler.(*server.Server).MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestMetrics: after a real sign-in, a renewal, a refused renewal and a
// wrong password, the counters say exactly that; the live sessions gauge
// counts the store's sessions, and request and store latencies are
// recorded by route and operation.
func TestMetrics(t *testing.T) {
	e := newEnv(t, false)
	if code, _, _ := e.guess(e.http, e.authorizeURL(newPKCE(), redirectURI), "user@acme.test", "wrong password"); code != 200 {
		t.Fatalf("wrong password: %d", code)
	}
	tk := e.login("user@acme.test")
	e.mustRefresh(tk.RefreshToken)
	if r := e.refresh("not-a-token"); r.status != 400 {
		t.Fatalf("unknown token: %d", r.status)
	}
	e.login("admin@globex.test")
	m := e.scrape(t)
	for _, want := range []string{
		`walkme_sessiond_renewals_total{reason="rotated",result="renewed"} 1`,
		`walkme_sessiond_renewals_total{reason="unknown_token",result="refused"} 1`,
		`walkme_sessiond_sign_ins_total{result="success"} 2`,
		`walkme_sessiond_sign_ins_total{result="wrong_password"} 1`,
		`walkme_sessiond_sign_ins_total{result="throttled"} 0`,
		`walkme_sessiond_live_sessions 2`,
		`walkme_sessiond_http_request_duration_seconds_count{code="200",route="POST /token"} 3`,
		`walkme_sessiond_http_request_duration_seconds_count{code="400",route="POST /token"} 1`,
		`walkme_sessiond_http_request_duration_seconds_count{code="302",route="POST /authorize"} 2`,
		`walkme_sessiond_store_duration_seconds_count{op="Rotate",result="ok"} 2`,
		`walkme_sessiond_store_duration_seconds_count{op="CreateSession",result="ok"} 2`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(m, "walkme_sessiond_"))
	}
	// The gauge follows the store: an ended session is not live.
	e.revoke(tk.RefreshToken)
	if m := e.scrape(t); !strings.Contains(m, "walkme_sessiond_live_sessions 1\n") {
		t.Errorf("after a sign-out: %s", grepLines(m, "walkme_sessiond_live_sessions"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHealthAndReadiness: /healthz answers while the process runs;
// /readyz answers 200 while the store does and 503 once it does not.
func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, false)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp := e.do("GET", e.url(p), nil, ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: %s, want 200", p, resp.Status)
		}
	}
	if err := e.store.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if resp := e.do("GET", e.url("/readyz"), nil, ""); resp.StatusCode != 503 || !strings.Contains(readAll(t, resp), "the store does not answer") {
		t.Errorf("readyz with the store closed: %s, want 503", resp.Status)
	}
	if resp := e.do("GET", e.url("/healthz"), nil, ""); resp.StatusCode != 200 {
		t.Errorf("healthz with the store closed: %s, want 200 (the process is up)", resp.Status)
	}
}
