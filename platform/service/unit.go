package service

import (
	"fmt"
	"strings"

	"howett.net/plist"
)

// SystemdUnit returns the text of the systemd user unit that runs the agent.
//
// It is wanted by default.target, which every user manager reaches (the
// multi-user.target of a system unit is never reached by a user manager), and
// restarts only on failure: a user who quits the agent on purpose (exit 0)
// keeps it quit until the next logon, while a crash restarts it.
func SystemdUnit(o Options) (string, error) {
	argv, err := o.command()
	if err != nil {
		return "", err
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = systemdQuote(a)
	}
	return fmt.Sprintf(`[Unit]
Description=%s
After=dbus.socket

[Service]
Type=simple
ExecStart=%s
Restart=on-failure
RestartSec=5s

[Install]
WantedBy=default.target
`, Description, strings.Join(quoted, " ")), nil
}

// systemdQuote quotes one ExecStart word: specifiers (%) and variables ($)
// are escaped, and words with spaces or quotes are double-quoted.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	s = strings.ReplaceAll(s, "$", "$$")
	if !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// launchAgent is the LaunchAgent property list.
type launchAgent struct {
	Label                  string          `plist:"Label"`
	ProgramArguments       []string        `plist:"ProgramArguments"`
	RunAtLoad              bool            `plist:"RunAtLoad"`
	KeepAlive              map[string]bool `plist:"KeepAlive"`
	LimitLoadToSessionType string          `plist:"LimitLoadToSessionType"`
	ProcessType            string          `plist:"ProcessType"`
	ThrottleInterval       int             `plist:"ThrottleInterval"`
}

// LaunchAgentPlist returns the LaunchAgent property list (XML) that runs the
// agent in the user's GUI (Aqua) session. KeepAlive {SuccessfulExit=false}
// relaunches it after a crash but respects a deliberate quit (exit 0).
func LaunchAgentPlist(o Options) ([]byte, error) {
	argv, err := o.command()
	if err != nil {
		return nil, err
	}
	la := launchAgent{
		Label:                  LaunchdLabel,
		ProgramArguments:       argv,
		RunAtLoad:              true,
		KeepAlive:              map[string]bool{"SuccessfulExit": false},
		LimitLoadToSessionType: "Aqua",
		ProcessType:            "Interactive",
		ThrottleInterval:       10,
	}
	b, err := plist.MarshalIndent(la, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("launch agent plist: %w", err)
	}
	return append(b, '\n'), nil
}

// WindowsRunCommand returns the command line stored in the Run key: the
// executable quoted, then its arguments.
func WindowsRunCommand(o Options) (string, error) {
	argv, err := o.command()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i == 0 || strings.ContainsAny(a, " \t\"") {
			b.WriteString(`"` + strings.ReplaceAll(a, `"`, `\"`) + `"`)
		} else {
			b.WriteString(a)
		}
	}
	return b.String(), nil
}
