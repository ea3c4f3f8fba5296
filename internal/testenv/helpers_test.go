package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseExports(t *testing.T) {
	out := "export WINEPREFIX=/tmp/prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES=winemenubuilder.exe=d\\;bcryptprimitives=n,b\n"
	want := []string{"WINEPREFIX=/tmp/prefix", "WINEARCH=win64", "WINEDEBUG=-all", "WINEDLLOVERRIDES=winemenubuilder.exe=d;bcryptprimitives=n,b"}
	if got := parseExports([]byte(out)); !slices.Equal(got, want) {
		t.Errorf("parseExports = %q, want %q", got, want)
	}
	if got := parseExports(nil); len(got) != 0 {
		t.Errorf("parseExports(nil) = %q", got)
	}
}

func TestWineSetupScriptExists(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot(), "scripts", "wine-setup.sh")); err != nil {
		t.Fatalf("RunWindowsTests would not find the setup script: %v", err)
	}
}

func TestTempDirIsRemoved(t *testing.T) {
	var dir string
	t.Run("use", func(t *testing.T) {
		dir = TempDir(t)
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the test: %v", dir, err)
	}
}

func TestStopProcessInterruptsFirst(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no interrupt signal on Windows")
	}
	sh := Command(t, "sh")
	cmd := StartProcess(t, "sh", []string{"GREETING=hello"},
		sh, "-c", `trap 'echo interrupted; exit 0' INT; echo "$GREETING"; while :; do sleep 0.05; done`)
	log := func() string {
		b, err := os.ReadFile(cmd.Stdout.(*os.File).Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	WaitFor(t, 10*time.Second, "the shell to start", func() bool { return strings.Contains(log(), "hello") })
	StopProcess(cmd)
	if !cmd.ProcessState.Success() || !strings.Contains(log(), "interrupted") {
		t.Errorf("the process was not interrupted: %v, log %q", cmd.ProcessState, log())
	}
	StopProcess(cmd) // already stopped: a no-op
	StopProcess(nil)
}

func TestWaitForPolls(t *testing.T) {
	calls := 0
	WaitFor(t, 10*time.Second, "the third call", func() bool { calls++; return calls == 3 })
	if calls != 3 {
		t.Errorf("ok called %d times, want 3", calls)
	}
}

func TestBuildNamesWhatFailed(t *testing.T) {
	_, err := Build(t.TempDir(), BuildOptions{}, "no-such-command")
	if err == nil || !strings.Contains(err.Error(), "no-such-command") {
		t.Errorf("Build of a missing command: %v, want an error naming it", err)
	}
}
