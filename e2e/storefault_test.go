//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// TestServerStoreFaults: walkme-sessiond's SQLite file lives on a small
// tmpfs. With the disk full under the running server, a renewal fails with
// a clear error on both sides (the server logs it, the agent shows a 500),
// the agent keeps its token and the server still accepts it; once space
// returns, the next renewal succeeds. Then, with the server stopped, the
// database is corrupted: the server refuses to start and says why; with
// the file restored from the copy taken at the stop, it starts and accepts
// the last token it handed out — no committed rotation is lost. Needs root
// (mount).
func TestServerStoreFaults(t *testing.T) {
	testenv.Root(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot mount a tmpfs: "+strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	srv := startServerIn(t, "", dir)
	a := newAgentEnv(t, srv.URL, nil)
	a.start()
	a.login()
	if out, code := a.cli("renew"); code != 0 {
		t.Fatalf("renew: %d %s", code, out)
	}
	kept := a.refreshToken()

	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	out, code := a.cli("renew")
	st := a.mustStatus()
	if code == 0 || !st.SignedIn() || !strings.Contains(st.LastError, "500") {
		t.Fatalf("renew with the disk full: exit %d (%s); status %s, last_error %q; want a failure shown, still signed in", code, out, st.State, st.LastError)
	}
	if a.refreshToken() != kept || !srv.introspect(t, kept) {
		t.Fatal("with the disk full the agent's token changed or the server stopped accepting it")
	}
	if log := serverLog(t, srv); !strings.Contains(log, "full") {
		t.Fatalf("the server did not say the disk is full:\n%s", log)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	a.awaitStatus(15*time.Second, "a renewal once there is space", func(st localapi.Status) bool {
		if st.LastError == "" && a.refreshToken() != kept {
			return true
		}
		a.cli("renew")
		return false
	})
	last := a.refreshToken()
	if !srv.introspect(t, last) {
		t.Fatal("the server refuses the token it handed out after the disk was freed")
	}

	// Corruption: stop, keep a copy, corrupt, start.
	srv.kill()
	backup := t.TempDir()
	files, _ := filepath.Glob(srv.db + "*")
	for _, f := range files {
		copyPrivate(t, f, filepath.Join(backup, filepath.Base(f)))
	}
	corrupt(t, srv.db)
	_, serverBin := binaries(t)
	cmd := exec.Command(serverBin, srv.args...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errb, &errb
	if err := runWithin(cmd, 10*time.Second); err == nil || !strings.Contains(errb.String(), srv.db) {
		t.Fatalf("walkme-sessiond on a corrupted database: %v, said %q; want a refusal naming the file", err, errb.String())
	}
	t.Logf("walkme-sessiond on a corrupted database: %s", strings.TrimSpace(errb.String()))
	for _, f := range files {
		copyPrivate(t, filepath.Join(backup, filepath.Base(f)), f)
	}
	srv.start()
	if !srv.introspect(t, last) {
		t.Fatal("after the restore the server refuses the last token it handed out")
	}
	if out, code := a.cli("renew"); code != 0 || !a.mustStatus().SignedIn() {
		t.Fatalf("renew after the restore: %d %s", code, out)
	}
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// corrupt overwrites the first pages of a database file with garbage.
func corrupt(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, 8192), 0); err != nil {
		t.Fatal(err)
	}
}

// copyPrivate copies a file, private to the owner.
func copyPrivate(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runWithin runs cmd and kills it if it has not exited after d.
func runWithin(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return nil // it ran: the refusal the test wants did not happen
	}
}

// serverLog is what walkme-sessiond has logged so far.
func serverLog(t *testing.T, s *sessiond) string {
	t.Helper()
	f, ok := s.proc.Stdout.(*os.File)
	if !ok {
		t.Fatal("the server's output is not a file")
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
