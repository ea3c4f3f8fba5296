package testenv

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Wine prepares the shared Wine test prefix (see scripts/wine-setup.sh,
// which adds the ProcessPrng shim Go 1.26 binaries need) and returns the
// environment to run wine with in it, to append to os.Environ(). It
// skips/fails when wine or mingw-w64 is missing.
func Wine(t testing.TB) []string {
	t.Helper()
	return wineSetup(t)
}

// WinePrefix is Wine with a private prefix created in dir, whose
// wineserver is stopped when the test ends.
func WinePrefix(t testing.TB, dir string) []string {
	t.Helper()
	env := wineSetup(t, dir)
	t.Cleanup(func() {
		kill := exec.Command("wineserver", "-k") // this prefix's server only
		kill.Env = append(os.Environ(), env...)
		_ = kill.Run()
	})
	return env
}

func wineSetup(t testing.TB, args ...string) []string {
	t.Helper()
	for _, c := range []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc"} {
		Command(t, c)
	}
	setup := exec.Command(filepath.Join(repoRoot(), "scripts", "wine-setup.sh"), args...)
	setup.Stderr = os.Stderr
	exports, err := setup.Output()
	if err != nil {
		t.Fatalf("scripts/wine-setup.sh: %v", err)
	}
	env := parseExports(exports)
	if len(env) == 0 {
		t.Fatalf("wine-setup.sh printed no environment: %q", exports)
	}
	return env
}

// parseExports turns the `export K=V ...` lines wine-setup.sh prints
// (values quoted by printf %q, which only backslash-escapes here) into
// K=V pairs.
func parseExports(b []byte) []string {
	var env []string
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		for _, kv := range strings.Fields(strings.TrimPrefix(s.Text(), "export ")) {
			env = append(env, strings.ReplaceAll(kv, `\`, "")) // undo %q's shell escapes
		}
	}
	return env
}

// RunWindowsTests cross-compiles the tests of the package in dir (".",
// the package under test) for windows/amd64, runs them under Wine in the
// shared prefix, and returns their -test.v output. It fails the test, with
// the output, if they fail or if a test named in mustPass did not pass
// (a Windows test that skipped or was not compiled in says nothing).
func RunWindowsTests(t testing.TB, dir string, mustPass ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Windows test binary and starts Wine")
	}
	env := append(os.Environ(), Wine(t)...)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(t.TempDir(), filepath.Base(abs)+".test.exe")
	build := exec.Command(GoTool(), "test", "-c", "-o", exe, ".")
	build.Dir = abs
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for windows: %v\n%s", err, out)
	}
	run := exec.Command("wine", exe, "-test.v", "-test.count=1")
	run.Dir = abs
	run.Env = env
	out, err := run.CombinedOutput()
	t.Logf("under wine:\n%s", out)
	if err != nil {
		t.Fatalf("the Windows tests failed under wine: %v", err)
	}
	for _, name := range mustPass {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("%s did not pass under wine", name)
		}
	}
	return string(out)
}

// GoTool is the go command that runs the tests: the one on PATH, else the
// one in $GOROOT.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// repoRoot is the module's root directory, found from this file's path
// (tests run from a source checkout).
func repoRoot() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..")
}
