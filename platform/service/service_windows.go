package service

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows the agent is started at logon from the user's Run key rather
// than as an SCM service: services run in session 0, where there is no tray
// and no access to the user's Credential Manager. The MSI uses the machine
// Run key (HKLM) for every user; this installs for the current user only.

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// install adds the Run value (replacing an earlier one).
func install(ctx context.Context, o Options) error {
	if machineRunValue() != "" {
		return fmt.Errorf("install: the WalkMe Agent MSI already starts the agent for every user (HKLM\\%s)", runKey)
	}
	cmd, err := WindowsRunCommand(o)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("install: open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.SetStringValue(RunValueName, cmd); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	o.logger().Info("service: starts at logon", "key", `HKCU\`+runKey, "value", RunValueName)
	return nil
}

// uninstall removes the Run value. A running agent keeps running until it quits.
func uninstall(ctx context.Context, o Options) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("uninstall: open HKCU\\%s: %w", runKey, err)
	}
	defer k.Close()
	if err := k.DeleteValue(RunValueName); err != nil {
		if errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("uninstall: %w", ErrNotInstalled)
		}
		return fmt.Errorf("uninstall: %w", err)
	}
	o.logger().Info("service: removed from logon", "value", RunValueName)
	return nil
}

// start starts the agent now, detached from the console, as logon would.
func start(ctx context.Context, o Options) error {
	argv, err := o.command()
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
		HideWindow:    true,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	o.logger().Info("service: started", "pid", cmd.Process.Pid)
	return cmd.Process.Release()
}

// stop is not done here on Windows: there is no service manager to ask. The
// agent is stopped through its own local API (or "Quit" in the tray).
func stop(ctx context.Context, o Options) error {
	return fmt.Errorf("stop: quit the agent from the tray or its local API on Windows: %w", errors.ErrUnsupported)
}

// status reports whether the agent starts at logon, and from which key.
func status(ctx context.Context) (string, error) {
	for _, root := range []struct {
		key  registry.Key
		name string
	}{{registry.CURRENT_USER, "HKCU"}, {registry.LOCAL_MACHINE, "HKLM"}} {
		k, err := registry.OpenKey(root.key, runKey, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		v, _, err := k.GetStringValue(RunValueName)
		k.Close()
		if err == nil {
			return fmt.Sprintf("starts at logon (%s\\%s: %s)", root.name, runKey, v), nil
		}
	}
	return "not installed", nil
}

// machineRunValue returns the MSI's HKLM Run command, or "".
func machineRunValue() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, runKey, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, _, _ := k.GetStringValue(RunValueName)
	return v
}
