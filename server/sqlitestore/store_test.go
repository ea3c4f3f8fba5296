package sqlitestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

func TestSchemaVersioning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := st.SchemaVersion(ctx); v != SchemaVersion {
		t.Fatalf("new database at version %d, want %d", v, SchemaVersion)
	}
	if _, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", true); err != nil {
		t.Fatal(err)
	}
	var mode string
	st.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	st.Close()

	// Reopening migrates nothing and keeps the data.
	st, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if u, err := st.UserByEmail(ctx, "A@ACME.test"); err != nil || !u.Admin || u.Account != "acme" {
		t.Fatalf("user after reopen: %+v %v", u, err)
	}
	// A database from a newer program is refused, not damaged.
	if _, err := st.db.ExecContext(ctx, "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v, want a refusal", err)
	}
}

func TestMigratesOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	// A database at version 1, as the first release left it.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0] + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, _ := st.SchemaVersion(ctx); v != SchemaVersion {
		t.Fatalf("version after migration %d, want %d", v, SchemaVersion)
	}
	var n int
	st.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'refresh_tokens_session'`).Scan(&n)
	if n != 1 {
		t.Error("migration 2 did not run")
	}
}
