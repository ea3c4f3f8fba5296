package presence

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/process"
	"github.com/walkme/session-agent/internal/testenv"
)

// program puts /bin/sleep into dir under name, as a copy or a symlink.
func program(t testing.TB, dir, name string, symlink bool) string {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if symlink {
		if err := os.Symlink(sleep, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	src, err := os.Open(sleep)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// start runs prog and waits until /proc shows its new name: the kernel
// closes the close-on-exec pipe that Start waits on before it renames the
// task, so for a moment after Start the child still has our name.
func start(t testing.TB, prog string, cred *syscall.Credential) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(prog, "600")
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	self, _ := os.ReadFile("/proc/self/comm")
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if err == nil && string(comm) != string(self) {
			break
		}
	}
	return cmd
}

func stop(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Kill()
	cmd.Wait() // reaped: gone from /proc
}

func scan(t testing.TB, s *Scanner) []string {
	t.Helper()
	open, err := s.Scan()
	if err != nil {
		t.Fatal(err)
	}
	return open
}

func TestScanFindsOwnProcess(t *testing.T) {
	s := NewScanner([]string{"WalkMe-Editor.exe", "walkme-insights"})
	if open := scan(t, s); len(open) != 0 {
		t.Fatalf("before start: open = %v", open)
	}
	cmd := start(t, program(t, t.TempDir(), "walkme-editor", false), nil)
	if open := scan(t, s); !slices.Equal(open, []string{"WalkMe-Editor.exe"}) {
		t.Fatalf("running: open = %v, want [WalkMe-Editor.exe]", open)
	}
	// Two processes of one name count once; results are sorted.
	dir := t.TempDir()
	start(t, program(t, dir, "walkme-editor", true), nil)
	ins := start(t, program(t, dir, "walkme-insights", true), nil)
	if open := scan(t, s); !slices.Equal(open, []string{"WalkMe-Editor.exe", "walkme-insights"}) {
		t.Fatalf("three running: open = %v", open)
	}
	stop(t, cmd)
	stop(t, ins)
	if open := scan(t, s); !slices.Equal(open, []string{"WalkMe-Editor.exe"}) {
		t.Fatalf("one editor left: open = %v", open)
	}
}

func TestScanGoneAfterKill(t *testing.T) {
	s := NewScanner([]string{"walkme-editor"})
	cmd := start(t, program(t, t.TempDir(), "walkme-editor", false), nil)
	if open := scan(t, s); len(open) != 1 {
		t.Fatalf("running: open = %v", open)
	}
	stop(t, cmd)
	if open := scan(t, s); len(open) != 0 {
		t.Fatalf("killed: open = %v, want none", open)
	}
}

// A process that was killed but not yet reaped by its parent (a zombie)
// still has its name in /proc, but the product is closed.
func TestScanSkipsZombies(t *testing.T) {
	s := NewScanner([]string{"walkme-editor"})
	cmd := start(t, program(t, t.TempDir(), "walkme-editor", false), nil)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	stat := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat"
	for { // wait until the kernel has made it a zombie (we do not reap it)
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && b[i+2] == 'Z' {
			break
		}
		runtime.Gosched()
	}
	if open := scan(t, s); len(open) != 0 {
		t.Fatalf("zombie counted: open = %v", open)
	}
}

// comm keeps 15 bytes: "walkme-analytics-app" shows as "walkme-analytic".
// The full name decides, whether it is the executable's (a copy) or only
// argv[0] (started through a symlink, so /proc/PID/exe is "sleep").
func TestScanLongNames(t *testing.T) {
	for _, symlink := range []bool{false, true} {
		t.Run("symlink="+strconv.FormatBool(symlink), func(t *testing.T) {
			prog := program(t, t.TempDir(), "walkme-analytics-app", symlink)
			s := NewScanner([]string{"walkme-analytics-app", "walkme-analytics-xyz", "WALKME-ANALYTICS-APP.exe"})
			start(t, prog, nil)
			if open := scan(t, s); !slices.Equal(open, []string{"WALKME-ANALYTICS-APP.exe", "walkme-analytics-app"}) {
				t.Fatalf("open = %v, want the two names of walkme-analytics-app and not walkme-analytics-xyz", open)
			}
		})
	}
}

// A matching process of another user never counts.
func TestScanIgnoresOtherUsers(t *testing.T) {
	testenv.Root(t)
	dir, err := os.MkdirTemp("", "walkme-presence-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	prog := program(t, dir, "walkme-editor", false)
	s := NewScanner([]string{"walkme-editor"})
	theirs := start(t, prog, &syscall.Credential{Uid: 65534, Gid: 65534})
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(theirs.Process.Pid) + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != "walkme-editor" {
		t.Fatalf("uid 65534's process: comm %q, %v", comm, err)
	}
	if open := scan(t, s); len(open) != 0 {
		t.Fatalf("another user's process counted: open = %v", open)
	}
	start(t, prog, nil) // the same program as ourselves does count
	if open := scan(t, s); len(open) != 1 {
		t.Fatalf("own process: open = %v", open)
	}
}

var benchNames = []string{"WalkMe Editor", "walkme-editor", "WalkMeEditor.exe", "walkme-analytics-app"}

func BenchmarkScan(b *testing.B) {
	s := NewScanner(benchNames)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Scan(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGopsutilScan does the same job with gopsutil: list processes,
// read each name, match, check the owner of the matches. The target
// (docs/design.md §10) is Scan at least 10x cheaper.
func BenchmarkGopsutilScan(b *testing.B) {
	s := NewScanner(benchNames)
	uid := uint32(os.Getuid())
	b.ReportAllocs()
	for b.Loop() {
		procs, err := process.Processes()
		if err != nil {
			b.Fatal(err)
		}
		var open []string
		for _, p := range procs {
			name, err := p.Name()
			if err != nil {
				continue
			}
			for _, t := range s.targets {
				if t.matches([]byte(name)) {
					if uids, err := p.Uids(); err == nil && len(uids) > 1 && uids[1] == uid {
						open = append(open, t.name)
					}
				}
			}
		}
		slices.Sort(open)
		runtime.KeepAlive(slices.Compact(open)) // the same work as Scan's result, kept
	}
}
