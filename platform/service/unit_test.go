package service

import (
	"bufio"
	"strings"
	"testing"

	"howett.net/plist"
)

// parseUnit reads a systemd unit into section -> key -> values.
func parseUnit(t *testing.T, text string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	var sec string
	s := bufio.NewScanner(strings.NewReader(text))
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			sec = line[1 : len(line)-1]
			out[sec] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == "" {
				t.Fatalf("bad unit line %q", line)
			}
			out[sec][k] = append(out[sec][k], v)
		}
	}
	return out
}

func TestSystemdUnit(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		exec string
	}{
		{"package", Options{Executable: "/usr/bin/walkme-agent"}, "/usr/bin/walkme-agent run"},
		{"config", Options{Executable: "/usr/bin/walkme-agent", ConfigFile: "/etc/w a/c.json"},
			`/usr/bin/walkme-agent --config "/etc/w a/c.json" run`},
		{"specifiers", Options{Executable: "/opt/100%/$HOME/walkme-agent"}, "/opt/100%%/$$HOME/walkme-agent run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := SystemdUnit(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			u := parseUnit(t, text)
			want := map[string]map[string]string{
				"Service": {"ExecStart": tt.exec, "Restart": "on-failure", "Type": "simple"},
				"Install": {"WantedBy": "default.target"},
				"Unit":    {"Description": Description},
			}
			for sec, kv := range want {
				for k, v := range kv {
					if got := u[sec][k]; len(got) != 1 || got[0] != v {
						t.Errorf("[%s] %s = %q, want %q", sec, k, got, v)
					}
				}
			}
		})
	}
}

func TestLaunchAgentPlist(t *testing.T) {
	exe := "/Applications/WalkMe Agent.app/Contents/MacOS/walkme-agent"
	b, err := LaunchAgentPlist(Options{Executable: exe})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if _, err := plist.Unmarshal(b, &got); err != nil {
		t.Fatalf("parse plist: %v\n%s", err, b)
	}
	if got["Label"] != LaunchdLabel {
		t.Errorf("Label = %v", got["Label"])
	}
	args, _ := got["ProgramArguments"].([]any)
	if len(args) != 2 || args[0] != exe || args[1] != "run" {
		t.Errorf("ProgramArguments = %v", args)
	}
	ka, _ := got["KeepAlive"].(map[string]any)
	if v, ok := ka["SuccessfulExit"].(bool); !ok || v {
		t.Errorf("KeepAlive = %v, want {SuccessfulExit: false}", got["KeepAlive"])
	}
	if got["LimitLoadToSessionType"] != "Aqua" || got["RunAtLoad"] != true {
		t.Errorf("LimitLoadToSessionType = %v, RunAtLoad = %v", got["LimitLoadToSessionType"], got["RunAtLoad"])
	}
}

func TestWindowsRunCommand(t *testing.T) {
	got, err := WindowsRunCommand(Options{Executable: "/Program Files/WalkMe/walkme-agent.exe", ConfigFile: "/c d.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := `"/Program Files/WalkMe/walkme-agent.exe" --config "/c d.json" run`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
