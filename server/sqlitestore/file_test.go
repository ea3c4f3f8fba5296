package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openRefused checks that Open refuses path with an error naming it and
// saying why, and leaves the file as it was.
func openRefused(t *testing.T, path, why string) {
	t.Helper()
	before, _ := os.ReadFile(path)
	st, err := Open(path)
	if err == nil {
		st.Close()
		t.Fatalf("Open(%s) accepted it, want a refusal", filepath.Base(path))
	}
	if !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), why) {
		t.Errorf("Open error %q names neither the file nor %q", err, why)
	}
	if !strings.Contains(err.Error(), why) {
		t.Errorf("Open error %q does not say %q", err, why)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("Open changed the refused file (%d bytes, was %d)", len(after), len(before))
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Errorf("Open left a -wal beside the refused file")
	}
}

func TestRefusesEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	openRefused(t, path, "is empty")
}

func TestRefusesNonSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if err := os.WriteFile(path, []byte("name,email\nann,ann@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	openRefused(t, path, "not a SQLite database")
}

// foreignDB makes another program's SQLite database at path.
func foreignDB(t *testing.T, path string, pragmas ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append([]string{"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes(body) VALUES ('hello')"}, pragmas...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRefusesForeignSQLite(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		pragmas []string
		why     string
	}{
		"plain":           {nil, "without its schema"},
		"other-app":       {[]string{"PRAGMA application_id = 1234"}, "another program"},
		"other-versioned": {[]string{"PRAGMA user_version = 2"}, "without its tables"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			foreignDB(t, path, tc.pragmas...)
			openRefused(t, path, tc.why)
		})
	}
}

func TestOpenExistingNeedsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	if _, err := OpenExisting(path); !errors.Is(err, ErrNotExist) {
		t.Fatalf("OpenExisting of a missing file: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("OpenExisting created the file")
	}
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenExisting(path)
	if err != nil {
		t.Fatalf("OpenExisting of our database: %v", err)
	}
	var app int64
	st.db.QueryRowContext(context.Background(), "PRAGMA application_id").Scan(&app)
	st.Close()
	if app != ApplicationID {
		t.Errorf("application_id = %#x, want %#x", app, ApplicationID)
	}
}
