package main_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// startsListening runs serve with args until it logs that it listens
// (true) or exits (false), with its log.
func startsListening(t *testing.T, args ...string) (bool, string) {
	t.Helper()
	s := serve(t, args...)
	return s.URL != "", s.head
}

func addUser(t *testing.T, db string) {
	t.Helper()
	if _, errs, code := command(t, "s3cret-passw0rd\n", "user", "add", "--db", db, "--account", "acme",
		"--email", "admin@acme.test", "--admin", "--password-stdin"); code != 0 {
		t.Fatalf("user add: exit %d %q", code, errs)
	}
}

// serve starts only on an existing walkme-sessiond database: a missing,
// empty or foreign file would start a service with new keys, which signs
// every agent out.
func TestServeRefusesAMissingEmptyOrForeignDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if ok, log := startsListening(t, "--db", missing); ok || !strings.Contains(log, missing+": database does not exist") || !strings.Contains(log, "user add --db "+missing) {
		t.Errorf("serve on a missing file: started=%v\n%s", ok, log)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("serve created the missing database")
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	if ok, log := startsListening(t, "--db", empty); ok || !strings.Contains(log, empty+" is empty") {
		t.Errorf("serve on an empty file: started=%v\n%s", ok, log)
	}
	text := filepath.Join(dir, "notes.db")
	os.WriteFile(text, []byte("not a database at all, just some text long enough\n"), 0o600)
	if ok, log := startsListening(t, "--db", text); ok || !strings.Contains(log, "not a SQLite database") {
		t.Errorf("serve on a text file: started=%v\n%s", ok, log)
	}
	// user add also refuses what is not ours.
	if _, errs, code := command(t, "s3cret-passw0rd\n", "user", "add", "--db", empty, "--account", "a", "--email", "e@x.y", "--password-stdin"); code != 1 || !strings.Contains(errs, "is empty") {
		t.Errorf("user add on an empty file: exit %d %q", code, errs)
	}
	// The database user add creates serves.
	db := filepath.Join(dir, "sessiond.db")
	addUser(t, db)
	if ok, log := startsListening(t, "--db", db); !ok {
		t.Errorf("serve on the database user add made:\n%s", log)
	}
}

// The database holds the signing keys: user add creates it 0600, and
// serve refuses one that other users can read unless told otherwise.
func TestServeRefusesADatabaseOthersCanRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	db := filepath.Join(t.TempDir(), "sessiond.db")
	addUser(t, db)
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after user add: mode %04o, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	ok, log := startsListening(t, "--db", db)
	if ok || !strings.Contains(log, db+" has mode 0644") || !strings.Contains(log, "chmod 600 "+db) || !strings.Contains(log, "--allow-shared-db") {
		t.Errorf("serve on a 0644 database: started=%v\n%s", ok, log)
	}
	if ok, log := startsListening(t, "--db", db, "--allow-shared-db"); !ok {
		t.Errorf("serve --allow-shared-db:\n%s", log)
	}
	// Started on a shared file, SQLite made the -wal and -shm alike.
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		os.Chmod(p, 0o600)
	}
	if ok, log := startsListening(t, "--db", db); !ok {
		t.Errorf("serve after chmod 600:\n%s", log)
	}
}
