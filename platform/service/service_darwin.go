package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	kservice "github.com/kardianos/service"
)

// On macOS kardianos/service writes ~/Library/LaunchAgents/com.walkme.agent.plist
// and loads it with launchctl. Its own plist would relaunch a user's
// deliberate quit (KeepAlive true) and load in every session type, so it gets
// ours (LaunchAgentPlist) as its template: KeepAlive {SuccessfulExit=false},
// LimitLoadToSessionType Aqua.

// packageAgent is the LaunchAgent the .pkg installs for every user.
const packageAgent = "/Library/LaunchAgents/" + LaunchdLabel + ".plist"

type noopProgram struct{}

func (noopProgram) Start(kservice.Service) error { return nil }
func (noopProgram) Stop(kservice.Service) error  { return nil }

func newService(o Options) (kservice.Service, error) {
	argv, err := o.command()
	if err != nil {
		return nil, err
	}
	pl, err := LaunchAgentPlist(o)
	if err != nil {
		return nil, err
	}
	if strings.Contains(string(pl), "{{") {
		return nil, fmt.Errorf("path %q contains {{, which the service template cannot hold", argv[0])
	}
	return kservice.New(noopProgram{}, &kservice.Config{
		Name:        LaunchdLabel,
		DisplayName: Description,
		Description: Description,
		Executable:  argv[0],
		Arguments:   argv[1:],
		Option: kservice.KeyValue{
			"UserService":   true,
			"LaunchdConfig": string(pl),
		},
	})
}

// install writes the user's LaunchAgent (replacing an earlier one) and loads it.
func install(ctx context.Context, o Options) error {
	if _, err := os.Stat(packageAgent); err == nil {
		return fmt.Errorf("install: the WalkMe Agent package already starts the agent for every user (%s)", packageAgent)
	}
	s, err := newService(o)
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if st, err := s.Status(); err == nil && st != kservice.StatusUnknown {
		if err := s.Uninstall(); err != nil {
			return fmt.Errorf("install: replace earlier agent: %w", err)
		}
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	o.logger().Info("service: wrote LaunchAgent", "label", LaunchdLabel)
	if err := s.Start(); err != nil {
		return fmt.Errorf("install: load: %w", err)
	}
	return nil
}

// uninstall unloads and removes the user's LaunchAgent.
func uninstall(ctx context.Context, o Options) error {
	s, err := newService(o)
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	if err := s.Uninstall(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("uninstall: %w", ErrNotInstalled)
		}
		return fmt.Errorf("uninstall: %w", err)
	}
	o.logger().Info("service: removed LaunchAgent", "label", LaunchdLabel)
	return nil
}

// start loads the LaunchAgent, which starts the agent.
func start(ctx context.Context, o Options) error { return control(o, "start", kservice.Service.Start) }

// stop unloads the LaunchAgent until the next logon or Start.
func stop(ctx context.Context, o Options) error { return control(o, "stop", kservice.Service.Stop) }

// control does act (verb, for errors) on the user's LaunchAgent.
func control(o Options, verb string, act func(kservice.Service) error) error {
	s, err := newService(o)
	if err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	if err := act(s); err != nil {
		return fmt.Errorf("%s: %w", verb, err)
	}
	return nil
}

// status describes the installation in one line.
func status(ctx context.Context) (string, error) {
	s, err := newService(Options{})
	if err != nil {
		return "", fmt.Errorf("status: %w", err)
	}
	st, err := s.Status()
	switch {
	case errors.Is(err, kservice.ErrNotInstalled):
		if _, err := os.Stat(packageAgent); err == nil {
			return "installed for all users (" + packageAgent + ")", nil
		}
		return "not installed", nil
	case err != nil:
		return "", fmt.Errorf("status: %w", err)
	case st == kservice.StatusRunning:
		return "running", nil
	case st == kservice.StatusStopped:
		return "stopped", nil
	}
	return "unknown", nil
}
