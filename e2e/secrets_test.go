//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestTokensNeverLeak runs a whole lifecycle with the real keychain
// (gnome-keyring on a private bus): sign-in, renewals while a product is
// open, `walkme-agent token`, a restart, and two agents that crash with
// the session in memory (SIGSEGV with GOTRACEBACK=all, SIGABRT with
// GOTRACEBACK=system). Then it looks for every refresh and access token it
// saw in every file the agent, the server and the keyring wrote under the
// test's directories (logs, database, config, keyring files), in
// /proc/*/cmdline and /proc/*/environ while they run, and in the crash
// output. None may appear.
func TestTokensNeverLeak(t *testing.T) {
	_, a := signedInAgent(t, "60s")
	seen := map[string]string{} // token -> what it is
	note := func() {
		seen[a.refreshToken()] = "refresh token"
		out, code := a.cli("token")
		if tok := strings.TrimSpace(out); code == 0 && tok != "" {
			seen[tok] = "access token"
		}
	}
	note()
	openProduct(t)
	for want := 1; want <= 3; want++ {
		a.awaitStatus(10*time.Second, "a renewal", func(st localapi.Status) bool { return st.Renewals >= want })
		note()
	}
	if len(seen) < 6 {
		t.Fatalf("saw %d distinct tokens over 3 renewals; want the rotation to show", len(seen))
	}
	searchProc(t, seen)

	a.stop()
	a.start()
	a.awaitStatus(10*time.Second, "a renewal after the restart", func(st localapi.Status) bool { return st.Renewals >= 1 })
	note()
	searchProc(t, seen)

	var crashes []string
	for _, c := range []struct {
		sig        syscall.Signal
		traceback  string
		wantInDump string
	}{
		{syscall.SIGSEGV, "all", "SIGSEGV"},
		{syscall.SIGABRT, "system", "SIGABRT"},
	} {
		a.stop()
		a.env = append(a.env, "GOTRACEBACK="+c.traceback)
		a.start()
		a.awaitStatus(10*time.Second, "signed in", func(st localapi.Status) bool { return st.SignedIn() })
		note()
		if err := a.proc.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		_ = a.proc.Wait()
		dump := a.log()
		if !strings.Contains(dump, c.wantInDump) || !strings.Contains(dump, "goroutine ") {
			t.Fatalf("the agent killed with %v left no crash dump:\n%s", c.sig, dump)
		}
		crashes = append(crashes, dump)
		a.proc = nil
	}
	for _, dump := range crashes {
		for tok, what := range seen {
			if strings.Contains(dump, tok) {
				t.Errorf("a crash dump holds a %s", what)
			}
		}
	}
	root := filepath.Dir(t.TempDir())
	// The search finds what it looks for: a canary planted among the files.
	canary := map[string]string{"canary-" + t.Name(): "canary"}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "canary"), []byte("x canary-"+t.Name()+" x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if hits, _ := searchFiles(t, root, canary); len(hits) != 1 {
		t.Fatalf("the file search found the planted canary %d times", len(hits))
	}
	hits, files := searchFiles(t, root, seen)
	for _, h := range hits {
		t.Error(h)
	}
	t.Logf("%d tokens searched for in %d files, 2 crash dumps, and every process's cmdline and environ", len(seen), files)
}

// searchProc fails the test if any token appears in the command line or
// environment of any process.
func searchProc(t *testing.T, tokens map[string]string) {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join(p, f))
			if err != nil {
				continue // exited, or not ours to read
			}
			for tok, what := range tokens {
				if bytes.Contains(b, []byte(tok)) {
					comm, _ := os.ReadFile(filepath.Join(p, "comm"))
					t.Errorf("a %s in %s/%s (%s)", what, p, f, bytes.TrimSpace(comm))
				}
			}
		}
	}
}

// searchFiles reports where any token appears in a regular file under
// root, and how many files it read.
func searchFiles(t *testing.T, root string, tokens map[string]string) (hits []string, n int) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		n++
		for tok, what := range tokens {
			if bytes.Contains(b, []byte(tok)) {
				hits = append(hits, fmt.Sprintf("a %s in %s", what, path))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("searched only %d files under %s", n, root)
	}
	return hits, n
}
