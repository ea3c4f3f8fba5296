//go:build linux

package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

const (
	renewClients = 8 // concurrent agents, each renewing its own session
	renewWarmup  = time.Second
	renewWindow  = 4 * time.Second
)

// BenchmarkRenewals is the service's steady load: renewClients agents, each
// with its own session, POST /token grant_type=refresh_token back to back
// over loopback. Reported per core (runtime.NumCPU), with p50 and p99
// latency; the redis sub-benchmark also reports its throughput as a ratio
// of SQLite's in the same run.
func BenchmarkRenewals(b *testing.B) {
	var sqliteRate float64
	b.Run("sqlite", func(b *testing.B) {
		r := renewLoad(b, startService(b, sqliteStore(b, renewUsers()...)))
		sqliteRate = r.perSecond()
		reportRenewals(b, r)
	})
	b.Run("redis", func(b *testing.B) {
		if _, err := exec.LookPath("redis-server"); err != nil {
			b.Skip("redis-server not installed (Debian package redis-server)")
		}
		ctx := context.Background()
		st, err := redisstore.Open(ctx, redistest.Start(b), redisstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		addUsers(b, st, renewUsers()...)
		r := renewLoad(b, startService(b, st))
		reportRenewals(b, r)
		if sqliteRate > 0 {
			b.ReportMetric(r.perSecond()/sqliteRate, "redis/sqlite")
		}
	})
}

func renewUsers() []string {
	users := make([]string, renewClients)
	for i := range users {
		users[i] = fmt.Sprintf("agent%d@acme.example", i)
	}
	return users
}

// renewResult is one load run: how many renewals in how long, and each one's latency.
type renewResult struct {
	window    time.Duration
	latencies []time.Duration
}

func (r renewResult) perSecond() float64 { return float64(len(r.latencies)) / r.window.Seconds() }

func (r renewResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(q*float64(len(r.latencies))))]
}

func reportRenewals(b *testing.B, r renewResult) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.perSecond(), "renewals/s")
	b.ReportMetric(r.perSecond()/float64(runtime.NumCPU()), "renewals/s/core")
	b.ReportMetric(float64(r.quantile(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.quantile(0.99).Microseconds())/1000, "p99-ms")
}

// renewLoad signs every user in, then has each renew its own session as
// fast as the server answers: a warm-up, then the measured window. The
// benchmark timer covers the window; b.N is not used (the result is a
// rate over wall time).
func renewLoad(b *testing.B, svc *service) renewResult {
	b.Helper()
	agents := make([]*renewer, renewClients)
	for i, u := range renewUsers() {
		agents[i] = newRenewer(svc.URL)
		b.Cleanup(agents[i].http.CloseIdleConnections)
		rt, err := agents[i].signIn(u)
		if err != nil {
			b.Fatalf("sign in %s: %v", u, err)
		}
		agents[i].refresh = rt
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg       sync.WaitGroup
		measure  = make(chan struct{})
		failures = make(chan error, renewClients)
	)
	for _, a := range agents {
		wg.Go(func() {
			if err := a.run(ctx, measure); err != nil {
				failures <- err
				cancel()
			}
		})
	}
	time.Sleep(renewWarmup)
	b.ResetTimer()
	start := time.Now()
	close(measure)
	select {
	case <-time.After(renewWindow):
	case <-ctx.Done():
	}
	cancel()
	window := time.Since(start)
	wg.Wait()
	b.StopTimer()
	close(failures)
	for err := range failures {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, a := range agents {
		all = append(all, a.latencies...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no renewal completed in the window")
	}
	return renewResult{window: window, latencies: all}
}

// renewer is one agent: its own connection and its own session.
type renewer struct {
	issuer    string
	http      *http.Client
	refresh   string
	latencies []time.Duration // of renewals that started in the measured window
}

func newRenewer(issuer string) *renewer {
	return &renewer{issuer: issuer, http: &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1},
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// run renews until ctx ends, recording latencies once measure is closed.
func (r *renewer) run(ctx context.Context, measure <-chan struct{}) error {
	for ctx.Err() == nil {
		t0 := time.Now()
		var measured bool
		select {
		case <-measure:
			measured = true
		default:
		}
		tk, err := r.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.refresh}})
		if err != nil {
			if ctx.Err() != nil {
				return nil // the window closed mid-request
			}
			return fmt.Errorf("renew: %w", err)
		}
		r.refresh = tk.RefreshToken
		if measured && ctx.Err() == nil {
			r.latencies = append(r.latencies, time.Since(t0))
		}
	}
	return nil
}

const benchRedirect = "http://127.0.0.1:49152/callback"

// signIn runs the authorization-code flow with PKCE S256 as the agent and
// a browser do, and returns the session's first refresh token.
func (r *renewer) signIn(user string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {server.AgentClientID}, "redirect_uri": {benchRedirect},
		"state": {"bench"}, "scope": {"openid email offline_access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	authURL := r.issuer + "/authorize?" + q.Encode()
	resp, err := r.do(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	resp, err = r.do(ctx, http.MethodPost, authURL, url.Values{"email": {user}, "password": {password}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("sign-in form: HTTP %d, no code in the redirect", resp.StatusCode)
	}
	tk, err := r.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"code_verifier": {verifier}, "redirect_uri": {benchRedirect}})
	if err != nil {
		return "", err
	}
	return tk.RefreshToken, nil
}

type tokenAnswer struct {
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

func (r *renewer) token(ctx context.Context, form url.Values) (tokenAnswer, error) {
	form.Set("client_id", server.AgentClientID)
	resp, err := r.do(ctx, http.MethodPost, r.issuer+"/token", form)
	if err != nil {
		return tokenAnswer{}, err
	}
	defer resp.Body.Close()
	var tk tokenAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tk); err != nil {
		return tk, fmt.Errorf("token answer: HTTP %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || tk.RefreshToken == "" {
		// The error code only: the answer never holds a token here.
		return tk, fmt.Errorf("token: HTTP %d %s", resp.StatusCode, tk.Error)
	}
	return tk, nil
}

func (r *renewer) do(ctx context.Context, method, u string, form url.Values) (*http.Response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return r.http.Do(req)
}
