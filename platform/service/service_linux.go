package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// On Linux the unit is written and enabled with systemctl --user directly
// rather than through kardianos/service: kardianos only picks systemd when it
// is PID 1 (not so in containers or WSL), writes to $HOME/.config even when
// $XDG_CONFIG_HOME says otherwise, and refuses to overwrite an existing unit,
// which makes a reinstall after an upgrade fail. `systemctl --user enable`
// works offline (no user manager running), so installing from a root shell
// or a provisioning script works too.

// systemUnitPath is where the .deb/.rpm put the machine-wide user unit.
const systemUnitPath = "/usr/lib/systemd/user/" + UnitName

func userUnitPath() (string, error) {
	dir, err := os.UserConfigDir() // $XDG_CONFIG_HOME or ~/.config
	if err != nil {
		return "", fmt.Errorf("user config dir: %w", err)
	}
	return filepath.Join(dir, "systemd", "user", UnitName), nil
}

// install writes the user unit and enables it so that it starts at logon.
// It replaces an earlier unit, so it also repairs one.
func install(ctx context.Context, o Options) error {
	unit, err := SystemdUnit(o)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	path, err := userUnitPath()
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if err := writeFileAtomic(path, []byte(unit), 0o644); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	o.logger().Info("service: wrote user unit", "path", path)
	reload(ctx, o)
	if _, err := systemctl(ctx, "enable", UnitName); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	o.logger().Info("service: enabled at logon", "unit", UnitName)
	return nil
}

// uninstall stops and disables the user unit and removes it.
func uninstall(ctx context.Context, o Options) error {
	path, err := userUnitPath()
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("uninstall %s: %w", path, ErrNotInstalled)
	}
	_, _ = systemctl(ctx, "stop", UnitName) // fails when no user manager runs: nothing to stop
	if _, err := systemctl(ctx, "disable", UnitName); err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	reload(ctx, o)
	o.logger().Info("service: removed user unit", "path", path)
	return nil
}

// start starts the agent now through the user's systemd manager.
func start(ctx context.Context, o Options) error { return control(ctx, o, "start", "started") }

// stop stops the agent until the next logon or Start.
func stop(ctx context.Context, o Options) error { return control(ctx, o, "stop", "stopped") }

// control runs `systemctl --user verb` on the installed unit and logs done.
func control(ctx context.Context, o Options, verb, done string) error {
	if err := requireInstalled(); err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if _, err := systemctl(ctx, verb, UnitName); err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	o.logger().Info("service: "+done, "unit", UnitName)
	return nil
}

// status describes the installation in one line, such as
// "enabled, active (/home/u/.config/systemd/user/walkme-agent.service)".
func status(ctx context.Context) (string, error) {
	path, err := installedUnit()
	if err != nil {
		return "not installed", nil
	}
	enabled, _ := systemctl(ctx, "is-enabled", UnitName) // prints "disabled" with exit 1
	active, err := systemctl(ctx, "is-active", UnitName)
	if active == "" && err != nil {
		active = "unknown (no systemd user manager)"
	}
	if enabled == "" {
		enabled = "unknown"
	}
	return fmt.Sprintf("%s, %s (%s)", enabled, active, path), nil
}

// installedUnit returns the unit file the user manager would load: the
// user's own, else the one a package installed.
func installedUnit() (string, error) {
	user, err := userUnitPath()
	if err != nil {
		return "", err
	}
	for _, p := range []string{user, systemUnitPath} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

func requireInstalled() error {
	_, err := installedUnit()
	return err
}

// reload tells a running user manager about the new unit; without one there
// is nothing to tell, and the next logon reads the unit anyway.
func reload(ctx context.Context, o Options) {
	if _, err := systemctl(ctx, "daemon-reload"); err != nil {
		o.logger().Debug("service: no user manager to reload", "err", err)
	}
}

// systemctl runs `systemctl --user ARGS` and returns its trimmed stdout.
func systemctl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "systemctl", append([]string{"--user"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := strings.TrimSpace(stdout.String())
	if err != nil {
		return out, fmt.Errorf("systemctl --user %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
