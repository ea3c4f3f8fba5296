// The agent needs no GOMAXPROCS updates, and checking for them (a cgroup
// read about once a second while the runtime is awake) was a large share of
// the idle agent's CPU (docs/performance.md).
//
//go:debug updatemaxprocs=0

// Command walkme-agent is the WalkMe Session Agent: the per-user background
// agent (run), its tray icon (tray) and the command line that IT scripts and
// users drive it with (docs/design.md §5).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/walkme/session-agent/platform/ipc"
)

// Exit codes. status uses 0 (signed in), 3 (signed out) and 1 (no agent).
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitSignedOut = 3
)

const usage = `usage: walkme-agent [--config FILE] [--socket PATH] COMMAND [ARGS]

commands:
  run                      run the agent in the foreground (what the service runs)
  tray                     show the tray icon (a client of the running agent)
  login [--no-browser]     sign in through the system browser ($BROWSER is honoured)
  login --device           sign in with a code, in a browser on any other device
  logout                   sign out: the session ends on the server at once
  renew                    renew the session now
  status [--json]          show the session state (exit 0 signed in, 3 signed out, 1 no agent)
  token [--json] [--source NAME --ttl D]
                           print the session's access token (exit 3 signed out)
  doctor                   check keychain, server, socket and tray host
  config show              every setting, its value and where it came from
  service install|uninstall|start|stop|status
  native-host              browser native-messaging host (started by the browser)
  version                  print the version

environment: WALKME_AGENT_CONFIG (as --config), WALKME_AGENT_SOCKET (as --socket)
`

// globals are the options every command shares.
type globals struct {
	configFile    string
	configFromEnv bool
	socket        string
	stdin         io.Reader
	stdout        io.Writer
	stderr        io.Writer
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func runMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("walkme-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	fs.StringVar(&g.configFile, "config", "", "configuration file")
	fs.StringVar(&g.socket, "socket", "", "the agent's local API socket")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if g.configFile == "" {
		if g.configFile = os.Getenv("WALKME_AGENT_CONFIG"); g.configFile != "" {
			g.configFromEnv = true
		}
	}
	if g.socket == "" {
		g.socket = os.Getenv("WALKME_AGENT_SOCKET")
	}
	if g.socket == "" {
		g.socket = ipc.DefaultPath()
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	commands := map[string]func(context.Context, *globals, []string) int{
		"run":         cmdRun,
		"tray":        cmdTray,
		"login":       cmdLogin,
		"logout":      cmdLogout,
		"renew":       cmdRenew,
		"status":      cmdStatus,
		"token":       cmdToken,
		"doctor":      cmdDoctor,
		"config":      cmdConfig,
		"service":     cmdService,
		"native-host": cmdNativeHost,
		"version":     cmdVersion,
	}
	f, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "walkme-agent: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	return f(ctx, g, rest)
}

// fail prints an error the way every command does and returns exitFailure.
func (g *globals) fail(err error) int {
	fmt.Fprintf(g.stderr, "walkme-agent: %v\n", err)
	return exitFailure
}

// flags returns a FlagSet for a subcommand that prints its usage on error.
func (g *globals) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(g.stderr)
	fs.Usage = func() {
		fmt.Fprintf(g.stderr, "usage: walkme-agent %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a subcommand's flags; ok=false means exit with code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage, false
	}
	return 0, true
}
