package main_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// servedKids starts serve on db and returns the key IDs of its /jwks.
func servedKids(t *testing.T, db string) []string {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--db", db)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	addr := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	var base string
	for lines := bufio.NewScanner(stderr); base == "" && lines.Scan(); {
		if m := addr.FindStringSubmatch(lines.Text()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatal("serve never said where it listens")
	}
	resp, err := http.Get(base + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []struct{ Kid string } }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := command(t, "", "keys", "rotate", "--db", filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(errs, "does not exist") {
		t.Errorf("keys rotate on a missing database: exit %d %q", code, errs)
	}
	db := filepath.Join(dir, "sessiond.db")
	addUser(t, db)
	before := servedKids(t, db)
	if len(before) != 1 {
		t.Fatalf("jwks of a new database: %q, want one key", before)
	}
	out, errs, code := command(t, "", "keys", "rotate", "--db", db)
	m := regexp.MustCompile(`new signing key (\S+):`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("keys rotate: exit %d %q %q", code, out, errs)
	}
	// The new key signs; the old one is still published for its tokens.
	if after := servedKids(t, db); !slices.Equal(after, []string{m[1], before[0]}) {
		t.Errorf("jwks after rotation = %q, want [%s %s]", after, m[1], before[0])
	}
	if _, errs, code := command(t, "", "keys"); code != 2 || !strings.Contains(errs, "keys needs a subcommand") {
		t.Errorf("keys without a subcommand: exit %d %q", code, errs)
	}
}
