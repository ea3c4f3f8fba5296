//go:build !windows

package sqlitestore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Every file of a new database is 0600 under the usual umask 022, and
// under one that would leave the owner without write (0277).
func TestNewDatabaseFilesArePrivate(t *testing.T) {
	for _, umask := range []int{0o022, 0o002, 0o277} {
		old := syscall.Umask(umask) // not parallel: the umask is the process's
		path := filepath.Join(t.TempDir(), "s.db")
		st, err := Open(path)
		if err != nil {
			syscall.Umask(old)
			t.Fatal(err)
		}
		// A write, and a read on a second connection, so the WAL and the
		// shared-memory file both exist.
		if _, err := st.AddUser(context.Background(), "acme", "a@acme.test", "password1", true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserByEmail(context.Background(), "a@acme.test"); err != nil {
			t.Fatal(err)
		}
		syscall.Umask(old)
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("umask %04o: %v", umask, err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("umask %04o: %s has mode %04o, want 0600", umask, filepath.Base(p), m)
			}
		}
		if err := CheckPrivate(path); err != nil {
			t.Errorf("CheckPrivate of a new database: %v", err)
		}
		st.Close()
	}
}

func TestCheckPrivateNamesTheFileAndTheFix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser(context.Background(), "acme", "a@acme.test", "password1", true); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range []string{path, path + "-wal"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		err := CheckPrivate(path)
		if err == nil || !strings.Contains(err.Error(), p+" has mode 0644") || !strings.Contains(err.Error(), "chmod 600 "+p+"`") {
			t.Errorf("CheckPrivate with %s 0644: %v, want it named with the fix", filepath.Base(p), err)
		}
		os.Chmod(p, 0o600)
	}
	os.Chmod(path, 0o640)
	os.Chmod(path+"-shm", 0o604)
	err = CheckPrivate(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path+" "+path+"-shm`") {
		t.Errorf("CheckPrivate with two loose files: %v, want one fix for both", err)
	}
	os.Chmod(path, 0o600)
	os.Chmod(path+"-shm", 0o600)
	if err := CheckPrivate(path); err != nil {
		t.Errorf("CheckPrivate after chmod 600: %v", err)
	}
}
