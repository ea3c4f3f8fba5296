package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func TestKeyringStoresASecret(t *testing.T) {
	env := Keyring(t)
	tool := Command(t, "secret-tool")
	store := exec.Command(tool, "store", "--label=x", "service", "walkme-test", "username", "u")
	store.Env = append(os.Environ(), env...)
	store.Stdin = strings.NewReader("s3cret")
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}
	look := exec.Command(tool, "lookup", "service", "walkme-test", "username", "u")
	look.Env = append(os.Environ(), env...)
	out, err := look.Output()
	if err != nil || string(out) != "s3cret" {
		t.Fatalf("lookup = %q, %v; want the stored secret", out, err)
	}
}

func TestRunReturnsOutputAndExitCode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sh")
	}
	stdout, stderr, code := Run(t, exec.Command(Command(t, "sh"), "-c", "echo out; echo err >&2; exit 3"))
	if stdout != "out\n" || stderr != "err\n" || code != 3 {
		t.Fatalf("Run = %q, %q, %d; want out, err and 3", stdout, stderr, code)
	}
	if _, _, code := Run(t, exec.Command(Command(t, "sh"), "-c", "true")); code != 0 {
		t.Fatalf("Run of true exited %d", code)
	}
}
