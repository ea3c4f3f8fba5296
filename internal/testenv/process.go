package testenv

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartProcess runs bin with args and env added to the test's environment,
// its output in a log file (cmd.Stdout is that *os.File) that is shown if
// the test fails. StopProcess ends it when the test ends.
func StartProcess(t testing.TB, name string, env []string, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		StopProcess(cmd)
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("--- %s log ---\n%s", name, b)
			}
		}
	})
	return cmd
}

// StopProcess ends a started process gracefully: an interrupt, then a
// kill if it has not exited 5 s later. A nil, unstarted or already waited
// for process is left alone.
func StopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// WaitFor polls ok every 100 ms until it holds, and fails the test if
// it still does not after within.
func WaitFor(t testing.TB, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Run runs cmd, capturing its output, and returns its stdout, stderr and
// exit code (see ExitCode).
func Run(t testing.TB, cmd *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code = ExitCode(t, cmd, cmd.Run())
	return out.String(), errb.String(), code
}

// ExitCode is the exit code of cmd, whose Run or Wait returned err. Any
// other failure (the program could not start, its output could not be
// copied) fails the test: a code would hide it.
func ExitCode(t testing.TB, cmd *exec.Cmd, err error) int {
	t.Helper()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return cmd.ProcessState.ExitCode()
}
