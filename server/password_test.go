package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/sqlitestore"
	"golang.org/x/crypto/bcrypt"
)

// TestUnknownEmailCostsAsMuchAsAWrongPassword: a sign-in for an email
// that is no user's checks the password against a hash of the same bcrypt
// cost as a real user's, so the answer's time does not tell an attacker
// which emails exist. (Comparing the times themselves would be a timed
// assertion; the cost is what sets them.)
func TestUnknownEmailCostsAsMuchAsAWrongPassword(t *testing.T) {
	st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.AddUser(context.Background(), "acme", "user@acme.test", "a password", false)
	if err != nil {
		t.Fatal(err)
	}
	real, err := bcrypt.Cost(u.PasswordHash)
	if err != nil {
		t.Fatal(err)
	}
	dummy, err := bcrypt.Cost([]byte(server.DummyHash))
	if err != nil {
		t.Fatalf("the dummy hash is no bcrypt hash: %v", err)
	}
	if dummy != real {
		t.Fatalf("the dummy hash has cost %d, a user's password %d", dummy, real)
	}
}
