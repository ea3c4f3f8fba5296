package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

func userAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	sf := storeFlags{create: true, allowShared: true}
	sf.register(fs)
	account := fs.String("account", "", "account name (created with the default 24h timeout if missing)")
	email := fs.String("email", "", "the user's email, used to sign in")
	admin := fs.Bool("admin", false, "make the user an admin of the account")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := required(stderr, "user add", map[string]string{"account": *account, "email": *email}); err != nil {
		return err
	}
	if err := sf.check(stderr, "user add"); err != nil {
		return err
	}
	if !*fromStdin {
		// Passwords never go on the command line, where ps and shell
		// history would show them.
		fmt.Fprintln(stderr, "walkme-sessiond user add: --password-stdin is required (the password is read from standard input)")
		return errUsage
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("user add: empty password on standard input")
	}
	st, err := sf.open(context.Background())
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.AddUser(context.Background(), *account, *email, password, *admin)
	if err != nil {
		return err
	}
	role := "user"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(stdout, "%s is %s of account %s\n", u.Email, withArticle(role), u.Account)
	return nil
}

func withArticle(role string) string {
	if role == "admin" {
		return "an admin"
	}
	return "a user"
}
