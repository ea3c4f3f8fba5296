package server_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server/redisstore"
)

// persistentRedis is a redis-server of the test's own that writes every
// command to its append-only file before answering (appendfsync always),
// as a deployment that must not lose a rotation runs it.
type persistentRedis struct {
	t         *testing.T
	bin, dir  string
	port      int
	proc      *exec.Cmd
	addr, url string
}

func startPersistentRedis(t *testing.T) *persistentRedis {
	t.Helper()
	r := &persistentRedis{t: t, bin: testenv.Command(t, "redis-server"), dir: t.TempDir()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r.addr = "127.0.0.1:" + strconv.Itoa(r.port)
	r.url = "redis://" + r.addr + "/0"
	r.start()
	return r
}

func (r *persistentRedis) start() {
	r.t.Helper()
	r.proc = testenv.StartProcess(r.t, "redis", nil, r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir, "--loglevel", "warning")
	c := redis.NewClient(&redis.Options{Addr: r.addr})
	defer c.Close()
	testenv.WaitFor(r.t, 10*time.Second, "redis-server to answer", func() bool {
		return c.Ping(context.Background()).Err() == nil
	})
}

// kill ends redis-server with SIGKILL.
func (r *persistentRedis) kill() {
	r.t.Helper()
	if err := r.proc.Process.Kill(); err != nil {
		r.t.Fatal(err)
	}
	_ = r.proc.Wait()
}

// TestRedisRestartLosesNoRotation: walkme-sessiond on a redis-server that
// is killed (SIGKILL) and restarted. While Redis is down a renewal gets a
// 5xx server_error — never invalid_grant, which would end the agent's
// session — and once Redis is back, the rotation committed before the
// crash stands: its token renews, and the server runs on without a
// restart of its own. /readyz follows Redis down and up. Three rounds.
func TestRedisRestartLosesNoRotation(t *testing.T) {
	r := startPersistentRedis(t)
	st, err := redisstore.Open(context.Background(), r.url, redisstore.Options{Prefix: "restart:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, u := range testUsers[:1] {
		if _, err := st.AddUser(context.Background(), u.account, u.email, password, u.admin); err != nil {
			t.Fatal(err)
		}
	}
	e := startEnvOn(t, false, st, nil)
	tk := e.login("admin@acme.test")
	for round := 1; round <= 3; round++ {
		tk = e.mustRefresh(tk.RefreshToken) // committed before the crash
		r.kill()
		down := e.refresh(tk.RefreshToken)
		if down.status < 500 || down.Error != "server_error" {
			t.Fatalf("round %d: a renewal with Redis down: HTTP %d %q; want a 5xx server_error", round, down.status, down.Error)
		}
		// The load balancer hears it: not ready while Redis is down, and
		// ready again after it returns, with no restart of the server.
		if resp := e.do("GET", e.url("/readyz"), nil, ""); resp.StatusCode != 503 {
			t.Fatalf("round %d: /readyz with Redis down: %s, want 503", round, resp.Status)
		}
		r.start()
		testenv.WaitFor(t, 10*time.Second, "/readyz once Redis is back", func() bool {
			return e.do("GET", e.url("/readyz"), nil, "").StatusCode == 200
		})
		var next tokens
		testenv.WaitFor(t, 10*time.Second, "a renewal once Redis is back", func() bool {
			next = e.refresh(tk.RefreshToken)
			return next.status == 200
		})
		if next.RefreshToken == "" || next.RefreshToken == tk.RefreshToken {
			t.Fatalf("round %d: the renewal after the restart did not rotate", round)
		}
		tk = next
	}
	if !e.introspect(tk.RefreshToken)["active"].(bool) {
		t.Fatal("the last token is not active after three Redis restarts")
	}
}
