package main_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// servedKids starts serve on db and returns the key IDs of its /jwks.
func servedKids(t *testing.T, db string) []string {
	t.Helper()
	s := serve(t, "--db", db)
	if s.URL == "" {
		t.Fatalf("serve never said where it listens:\n%s", s.head)
	}
	defer s.cmd.Process.Kill()
	resp, err := http.Get(s.URL + "/jwks")
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
