// Package service installs the per-user WalkMe agent so that it starts at
// logon: a systemd user unit on Linux, a LaunchAgent on macOS and a Run value
// on Windows. The agent runs as the signed-in user because it needs that
// user's keychain and desktop session; a system service would have neither.
//
// The unit and LaunchAgent texts are produced by SystemdUnit and
// LaunchAgentPlist, which the packages (packaging/) reuse for their
// machine-wide copies, so a package-installed agent and one installed with
// `walkme-agent service install` behave the same.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Names under which the agent is registered with the OS service managers.
const (
	UnitName      = "walkme-agent.service" // systemd user unit (Linux)
	LaunchdLabel  = "com.walkme.agent"     // LaunchAgent label (macOS)
	RunValueName  = "WalkMe Agent"         // HKCU\…\Run value (Windows)
	Description   = "WalkMe Session Agent"
	runSubcommand = "run"
)

// ErrNotInstalled is returned by Uninstall, Start and Stop when the agent is
// not installed for this user.
var ErrNotInstalled = errors.New("walkme agent service is not installed")

// Options says what to install.
type Options struct {
	// Executable is the walkme-agent binary; empty means the running one.
	Executable string
	// ConfigFile, when set, is passed as --config to the agent.
	ConfigFile string
	// Logger receives one line per action taken; nil discards.
	Logger *slog.Logger
}

// command returns the agent's argv: executable [--config FILE] run.
func (o Options) command() ([]string, error) {
	exe := o.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find own executable: %w", err)
		}
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		return nil, fmt.Errorf("executable path: %w", err)
	}
	argv := []string{exe}
	if o.ConfigFile != "" {
		cf, err := filepath.Abs(o.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("config path: %w", err)
		}
		argv = append(argv, "--config", cf)
	}
	return append(argv, runSubcommand), nil
}

// The API is here, the same on every OS; service_linux.go, service_darwin.go
// and service_windows.go implement it unexported.

// Install installs the agent for the current user so that it starts at
// logon, replacing (and so repairing) an earlier installation.
func Install(ctx context.Context, o Options) error { return install(ctx, o) }

// Uninstall removes what Install installed (ErrNotInstalled when nothing).
func Uninstall(ctx context.Context, o Options) error { return uninstall(ctx, o) }

// Start starts the installed agent now.
func Start(ctx context.Context, o Options) error { return start(ctx, o) }

// Stop stops the agent until the next logon or Start (not on Windows, which
// has no service manager for it: quit it from the tray there).
func Stop(ctx context.Context, o Options) error { return stop(ctx, o) }

// Status describes the installation in one line for `service status`.
func Status(ctx context.Context) (string, error) { return status(ctx) }

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}
