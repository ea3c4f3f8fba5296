// Command walkme-sessiond is the reference WalkMe session service: an
// OpenID Connect provider whose sessions lapse after the account's
// inactivity timeout. See package server and docs/design.md §7.
//
//	walkme-sessiond serve --listen ADDR (--db FILE | --redis URL) [--issuer URL] [--dev] [--allow-shared-db]
//	walkme-sessiond user add (--db FILE | --redis URL) --account NAME --email EMAIL [--admin] --password-stdin
//	walkme-sessiond keys rotate (--db FILE | --redis URL)
//
// With --redis, also --redis-prefix P (default "walkme:") and
// --redis-password-file FILE. See docs/sessiond.md.
//
//	walkme-sessiond version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/walkme/session-agent/internal/version"
)

const usage = `usage:
  walkme-sessiond serve --listen ADDR (--db FILE | --redis URL) [--issuer URL] [--dev] [--allow-shared-db]
  walkme-sessiond user add (--db FILE | --redis URL) --account NAME --email EMAIL [--admin] --password-stdin
  walkme-sessiond keys rotate (--db FILE | --redis URL)
  (with --redis: [--redis-prefix P] [--redis-password-file FILE])
  walkme-sessiond version
`

// errUsage marks command-line mistakes: exit status 2.
var errUsage = errors.New("usage")

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "walkme-sessiond:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, "walkme-sessiond: user needs a subcommand: add\n"+usage)
			return errUsage
		}
		return userAdd(args[2:], stdin, stdout, stderr)
	case "keys":
		if len(args) < 2 || args[1] != "rotate" {
			fmt.Fprint(stderr, "walkme-sessiond: keys needs a subcommand: rotate\n"+usage)
			return errUsage
		}
		return keysRotate(args[2:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "walkme-sessiond", version.String())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "walkme-sessiond: unknown command %q\n%s", args[0], usage)
	return errUsage
}

// parseFlags parses fs and rejects stray arguments. Errors are printed
// by the flag package (or here) and returned as errUsage.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "walkme-sessiond %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// required reports the first empty required flag as a usage error.
func required(stderr io.Writer, cmd string, flags map[string]string) error {
	for name, v := range flags {
		if v == "" {
			fmt.Fprintf(stderr, "walkme-sessiond %s: --%s is required\n", cmd, name)
			return errUsage
		}
	}
	return nil
}
