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
