// Package redistest starts a real, throwaway redis-server for tests.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
)

// Start runs redis-server on a free loopback port, with no persistence,
// in a temporary directory, and returns its URL (redis://127.0.0.1:PORT/0).
// It stops when the test ends. Without redis-server the test skips (fails
// under CI=true).
func Start(t testing.TB) string {
	t.Helper()
	bin := testenv.Command(t, "redis-server")
	var lastErr error
	for range 3 { // the free port may be taken before redis binds it
		u, err := start(t, bin)
		if err == nil {
			return u
		}
		lastErr = err
	}
	t.Fatalf("redis-server: %v", lastErr)
	return ""
}

func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--daemonize", "no", "--loglevel", "warning")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cancel(); <-exited }
	u := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	opt, _ := redis.ParseURL(u)
	c := redis.NewClient(opt)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			cancel()
			return "", fmt.Errorf("exited at start: %s", out.String())
		default:
		}
		if c.Ping(context.Background()).Err() == nil {
			t.Cleanup(stop)
			return u, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("no answer on port %d in 10s: %s", port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
