// Package localapitest serves a local API in tests of the packages that
// build on it (the agent, the CLI), over a real unix socket.
package localapitest

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/walkme/session-agent/agent/localapi"
)

// Serve serves b's local API on a unix socket in a temporary directory
// until the test ends, and returns the socket's path and a client of it.
func Serve(t testing.TB, b localapi.Backend) (sock string, c *localapi.Client) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	hs := localapi.NewServer(localapi.Handler(b, nil))
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return sock, localapi.NewClient(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	})
}
