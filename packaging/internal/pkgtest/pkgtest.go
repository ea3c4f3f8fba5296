// Package pkgtest holds helpers shared by the packaging tests.
package pkgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// Standin builds the stand-in binary (packaging/internal/testdata/standin)
// for goos/goarch, stripped and without cgo as a release build is, and
// returns its path. Packaging tests use it so that they do not depend on the
// real commands building.
func Standin(t testing.TB, goos, goarch, name string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "testdata", "standin")
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(testenv.GoTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build stand-in: %v\n%s", err, b)
	}
	return out
}

// Run runs a command and fails the test with its output if it fails.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, b)
	}
	return string(b)
}
