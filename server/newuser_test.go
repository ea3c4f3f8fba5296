package server

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestNewUser(t *testing.T) {
	u, err := NewUser(" acme ", " x@acme.test ", "password-1", true)
	if err != nil {
		t.Fatal(err)
	}
	if u.Account != "acme" || u.Email != "x@acme.test" || !u.Admin || !strings.HasPrefix(u.ID, "u_") {
		t.Errorf("NewUser = %+v", u)
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte("password-1")) != nil {
		t.Error("the hash is not of the password")
	}
	for _, bad := range [][3]string{{" ", "x@acme.test", "password-1"}, {"acme", "x.acme.test", "password-1"}, {"acme", "x@acme.test", "short"}} {
		if _, err := NewUser(bad[0], bad[1], bad[2], false); err == nil {
			t.Errorf("NewUser%q accepted", bad)
		}
	}
}
