package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Nobody is the uid and gid of the other user that tests run programs as.
const Nobody = 65534

// PublicDir is a fresh directory, removed when the test ends, that other
// uids may enter (t.TempDir's may not be).
func PublicDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "walkme-public-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// PublicCopy copies the executable src into a PublicDir, so that another
// uid can run it, and returns the copy's path.
func PublicCopy(t testing.TB, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(PublicDir(t), filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// AsNobody makes cmd run as uid and gid Nobody, in /, and returns it.
// Starting it needs root (see Root).
func AsNobody(cmd *exec.Cmd) *exec.Cmd {
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody}}
	return cmd
}
