package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/walkme/session-agent/server"
)

// keysRotate adds a new signing key. Running servers sign with it within
// a minute; the old key verifies the tokens it signed until they expire.
func keysRotate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	sf := storeFlags{allowShared: true}
	sf.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := sf.check(stderr, "keys rotate"); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	kid, err := server.RotateSigningKey(ctx, st, time.Now())
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	fmt.Fprintf(stdout, "new signing key %s: running servers sign with it within a minute; tokens of the previous key stay valid until they expire\n", kid)
	return nil
}
