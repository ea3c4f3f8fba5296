package config_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine cross-compiles this package's tests for
// windows/amd64 and runs them under Wine, where the Windows machine layer
// reads the real HKLM\SOFTWARE\WalkMe\Agent of the Wine prefix.
func TestWindowsUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Windows test binary and starts Wine")
	}
	testenv.Command(t, "wine")
	testenv.Command(t, "x86_64-w64-mingw32-gcc")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	exe := filepath.Join(t.TempDir(), "config.test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, ".")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for windows: %v\n%s", err, out)
	}
	run := exec.Command("wine", exe, "-test.v", "-test.count=1")
	run.Env = append(os.Environ(), wineEnv(t)...)
	out, err := run.CombinedOutput()
	t.Logf("under wine:\n%s", out)
	if err != nil {
		t.Fatalf("the Windows tests failed under wine: %v", err)
	}
	for _, name := range []string{"TestMachineRegistry", "TestMachineFileBeatsRegistry", "TestMachineRegistryErrors", "TestPrecedence"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("%s did not pass under wine", name)
		}
	}
}

// wineEnv runs scripts/wine-setup.sh (the shared test prefix, with its
// ProcessPrng shim) and returns the environment it prints.
func wineEnv(t *testing.T) []string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	setup := exec.Command(filepath.Join(filepath.Dir(self), "..", "..", "scripts", "wine-setup.sh"))
	setup.Stderr = os.Stderr
	exports, err := setup.Output()
	if err != nil {
		t.Fatalf("scripts/wine-setup.sh: %v", err)
	}
	var env []string
	s := bufio.NewScanner(bytes.NewReader(exports))
	for s.Scan() {
		for _, kv := range strings.Fields(strings.TrimPrefix(s.Text(), "export ")) {
			env = append(env, strings.ReplaceAll(kv, `\`, "")) // undo %q's shell escapes
		}
	}
	if len(env) == 0 {
		t.Fatalf("wine-setup.sh printed no environment: %q", exports)
	}
	return env
}
