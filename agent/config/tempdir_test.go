package config_test

import (
	"os"
	"testing"
)

// tempDir is t.TempDir, except that failing to remove the directory is
// logged rather than fatal. These tests also run under Wine, where Go 1.26's
// os.RemoveAll fails with "Invalid function" (Wine 8 lacks
// FileDispositionInformationEx), and that says nothing about the code here.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "walkme-config-test-")
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
