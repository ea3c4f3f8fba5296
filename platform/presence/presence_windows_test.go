package presence

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The test binary itself is a process of this user in this session.
func TestScanFindsSelf(t *testing.T) {
	self := filepath.Base(os.Args[0])
	s := NewScanner([]string{self, "walkme-not-running.exe"})
	open, err := s.Scan()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(open, []string{self}) {
		t.Fatalf("open = %v, want [%s]", open, self)
	}
}
