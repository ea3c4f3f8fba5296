package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Some components are process-wide: go-keyring, for one, uses the shared
// session bus (dbus.SessionBus), which reads DBUS_SESSION_BUS_ADDRESS once.
// A test of such a component starts the real component, then re-runs the
// test binary with the component's environment and only a named child test
// enabled (RunChild); the child test begins with Child.

const childEnv = "WALKME_TEST_CHILD"

// RunChild runs test name in a child process of the test binary with env
// added, and fails t unless it ran and passed.
func RunChild(t testing.TB, name string, env []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), env...), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+name)) {
		t.Fatalf("child %s: %v\n%s", name, err, out)
	}
}

// Child skips t unless this process is the child RunChild started for it.
func Child(t testing.TB) {
	t.Helper()
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("run as a child process by another test")
	}
}
