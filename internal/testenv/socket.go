package testenv

import (
	"net"
	"path/filepath"
	"testing"
)

// SilentSocket listens on a unix socket in a temporary directory that
// accepts every connection and never says a word: a wedged peer (an agent
// stuck in a call, a bus that never finishes its handshake). It returns the
// socket's path; the listener and every connection it holds close when the
// test ends.
func SilentSocket(t testing.TB) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "silent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn // owned by the accept loop until it ends
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return sock
}
