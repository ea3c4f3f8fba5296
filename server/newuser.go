package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// NewUser checks the fields of a user a Store's AddUser is asked to
// create (account and email are trimmed; the email needs an @, the
// password 8 characters) and returns the user with its password hashed and
// a fresh ID. Every store validates the same way through it.
func NewUser(account, email, password string, admin bool) (User, error) {
	account, email = strings.TrimSpace(account), strings.TrimSpace(email)
	switch {
	case account == "":
		return User{}, errors.New("account name is empty")
	case !strings.Contains(email, "@"):
		return User{}, fmt.Errorf("%q is not an email address", email)
	case len(password) < 8:
		return User{}, errors.New("password must have at least 8 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return User{}, err
	}
	return User{ID: "u_" + rand.Text(), Account: account, Email: email, PasswordHash: hash, Admin: admin}, nil
}
