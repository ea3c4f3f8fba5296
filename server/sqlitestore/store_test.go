package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
	"golang.org/x/crypto/bcrypt"
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

func TestAddUser(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.AddUser(ctx, "acme", "x@acme.test", "first-password", false)
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.Account(ctx, "acme")
	if err != nil || a.InactivityTimeout != server.DefaultInactivityTimeout {
		t.Fatalf("new account: %+v %v, want the 24h default", a, err)
	}
	// Adding again updates password and role, keeping the id.
	u2, err := st.AddUser(ctx, "acme", "x@acme.test", "second-password", true)
	if err != nil || u2.ID != u.ID {
		t.Fatalf("re-add: %+v %v", u2, err)
	}
	got, _ := st.User(ctx, u.ID)
	if !got.Admin || bcrypt.CompareHashAndPassword(got.PasswordHash, []byte("second-password")) != nil {
		t.Error("re-add did not update password and admin flag")
	}
	if string(got.PasswordHash) == "second-password" {
		t.Error("password stored in plaintext")
	}
	if _, err := st.AddUser(ctx, "globex", "x@acme.test", "third-password", false); err == nil {
		t.Error("moving a user to another account was allowed")
	}
	for _, bad := range [][3]string{{"", "a@b.c", "password1"}, {"acme", "not-an-email", "password1"}, {"acme", "a@b.c", "short"}} {
		if _, err := st.AddUser(ctx, bad[0], bad[1], bad[2], false); err == nil {
			t.Errorf("AddUser%q accepted", bad)
		}
	}
	if _, err := st.UserByEmail(ctx, "nobody@acme.test"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}

func TestSecretFirstWriterWins(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.Secret(ctx, "k", func() ([]byte, error) { return []byte("first"), nil })
	if err != nil {
		t.Fatal(err)
	}
	b, _ := st.Secret(ctx, "k", func() ([]byte, error) { return []byte("second"), nil })
	if string(a) != "first" || string(b) != "first" {
		t.Errorf("secrets %q, %q; want the first both times", a, b)
	}
}

func TestTimeoutChangeIsLogged(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddUser(ctx, "acme", "a@acme.test", "password1", true); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	old, err := st.SetInactivityTimeout(ctx, "acme", 15*time.Minute, server.Activity{At: at, Actor: "a@acme.test", Action: "x", New: "15m"})
	if err != nil || old != 24*time.Hour {
		t.Fatalf("old = %v, %v", old, err)
	}
	log, _ := st.ActivityLog(ctx, "acme")
	if len(log) != 1 || log[0].Old != "24h" || log[0].New != "15m" || !log[0].At.Equal(at) {
		t.Errorf("log = %+v", log)
	}
	if _, err := st.SetInactivityTimeout(ctx, "nope", time.Hour, server.Activity{}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
}
