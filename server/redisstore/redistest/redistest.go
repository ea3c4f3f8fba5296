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
	testenv.Command(t, "redis-server")
	u, stop, err := Launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u
}

// Launch is Start for a TestMain, which has no testing.TB: it runs
// redis-server in dir and returns its URL and how to stop it. Tests that
// then need it and find Launch failed should call testenv.Missing or
// testenv.Command(t, "redis-server").
func Launch(dir string) (url string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	for range 3 { // the free port may be taken before redis binds it
		if url, stop, err = launch(bin, dir); err == nil {
			return url, stop, nil
		}
	}
	return "", nil, fmt.Errorf("redis-server: %w", err)
}

func launch(bin, dir string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, err
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
			return "", nil, fmt.Errorf("exited at start: %s", out.String())
		default:
		}
		if c.Ping(context.Background()).Err() == nil {
			return u, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("no answer on port %d in 10s: %s", port, out.String())
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
