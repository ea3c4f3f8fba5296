package testenv

import (
	"os"
	"testing"
)

// TempDir is t.TempDir, except that failing to remove the directory is
// logged rather than fatal. Tests that also run under Wine use it: there
// Go 1.26's os.RemoveAll fails with "Invalid function" (Wine 8 lacks
// FileDispositionInformationEx), and that says nothing about the code
// under test.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "walkme-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("leaving %s: %v", dir, err)
		}
	})
	return dir
}
