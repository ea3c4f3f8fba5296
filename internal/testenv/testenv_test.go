package testenv

import (
	"os"
	"os/exec"
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
