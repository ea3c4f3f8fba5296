// Package redistest starts a real, throwaway redis-server for tests.
package redistest

import (
	"fmt"
	"net"
	"os/exec"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// Start runs redis-server on a free loopback port, with no persistence,
// in a temporary directory, and returns its URL (redis://127.0.0.1:PORT/0).
// It stops when the test ends. Without redis-server the test skips (fails
// under CI=true).
func Start(t testing.TB) string {
	t.Helper()
	return started(t, Launch, "redis-server")
}

// started runs launch in a temporary directory for the test and stops what
// it started when the test ends. Without one of the programs the test
// skips (fails under CI=true).
func started(t testing.TB, launch func(dir string) (string, func(), error), programs ...string) string {
	t.Helper()
	for _, p := range programs {
		testenv.Command(t, p)
	}
	u, stop, err := launch(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u
}

// retried calls launch up to three times, for a free port may be taken by
// another process before the server binds it; it returns nil at the first
// success, or the last error.
func retried(launch func() error) (err error) {
	for range 3 {
		if err = launch(); err == nil {
			return nil
		}
	}
	return err
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
	if err := retried(func() (err error) { url, stop, err = launch(bin, dir); return err }); err != nil {
		return "", nil, fmt.Errorf("redis-server: %w", err)
	}
	return url, stop, nil
}

func launch(bin, dir string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr, stop, err := launchNode(bin, dir, port)
	if err != nil {
		return "", nil, err
	}
	return "redis://" + addr + "/0", stop, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
