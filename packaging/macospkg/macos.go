// Package macospkg assembles the macOS package of the WalkMe agent: the app
// bundle (LSUIElement, so the tray shows no Dock icon), the LaunchAgents for
// the agent and its tray, and the postinstall that starts them for the
// console user; plus the .mobileconfig template for managed policy.
package macospkg

import (
	_ "embed"
	"fmt"
	"os"
	"time"

	"howett.net/plist"

	"github.com/walkme/session-agent/packaging/macpkg"
	"github.com/walkme/session-agent/platform/service"
)

//go:embed postinstall
var postinstall []byte

// Paths the package installs (relative to /).
const (
	AppBundle     = "Applications/WalkMe Agent.app"
	AppExecutable = AppBundle + "/Contents/MacOS/walkme-agent"
	AgentPlist    = "Library/LaunchAgents/" + service.LaunchdLabel + ".plist"
	TrayLabel     = service.LaunchdLabel + ".tray"
	TrayPlist     = "Library/LaunchAgents/" + TrayLabel + ".plist"
	Identifier    = "com.walkme.agent.pkg"
	BundleID      = "com.walkme.agent"
)

// Options describes one .pkg build.
type Options struct {
	Version string // a.b.c...
	Binary  string // the darwin walkme-agent
	MTime   time.Time
	// The extensions the native-messaging host admits (see nativehost.go).
	ChromeExtensionIDs, FirefoxExtensionIDs []string
}

// Agent returns the package of the agent.
func Agent(o Options) (*macpkg.Package, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("pkg: %w", err)
	}
	info, err := infoPlist(o.Version)
	if err != nil {
		return nil, err
	}
	exe := "/" + AppExecutable
	agent, err := service.LaunchAgentPlist(service.Options{Executable: exe})
	if err != nil {
		return nil, err
	}
	tray, err := trayPlist(agent, exe)
	if err != nil {
		return nil, err
	}
	files := []macpkg.Entry{
		{Path: AppBundle + "/Contents/Info.plist", Mode: 0o644, Data: info},
		{Path: AppExecutable, Mode: 0o755, Data: bin},
		{Path: AgentPlist, Mode: 0o644, Data: agent},
		{Path: TrayPlist, Mode: 0o644, Data: tray},
	}
	hosts, err := nativeHosts(o)
	if err != nil {
		return nil, err
	}
	files = append(files, hosts...)
	dirs := []macpkg.Entry{ // as they are on a Mac, so the BOM does not change them
		{Path: "Applications", Mode: 0o775, GID: 80}, // root:admin
		{Path: "Library", Mode: 0o755},
		{Path: "Library/LaunchAgents", Mode: 0o755},
	}
	tree, err := macpkg.NewTree(files, dirs, o.MTime)
	if err != nil {
		return nil, err
	}
	return &macpkg.Package{Identifier: Identifier, Version: o.Version, Title: "WalkMe Agent",
		InstallLocation: "/", Payload: tree, Scripts: map[string][]byte{"postinstall": postinstall},
		MTime: o.MTime, HostArchitectures: "arm64,x86_64"}, nil
}

func infoPlist(version string) ([]byte, error) {
	b, err := plist.MarshalIndent(map[string]any{
		"CFBundleIdentifier":            BundleID,
		"CFBundleName":                  "WalkMe Agent",
		"CFBundleDisplayName":           "WalkMe Agent",
		"CFBundleExecutable":            "walkme-agent",
		"CFBundlePackageType":           "APPL",
		"CFBundleInfoDictionaryVersion": "6.0",
		"CFBundleShortVersionString":    version,
		"CFBundleVersion":               version,
		"LSUIElement":                   true, // a tray (menu bar) app: no Dock icon, no menu bar of its own
		"LSMinimumSystemVersion":        "11.0",
		"NSHumanReadableCopyright":      "Copyright WalkMe Ltd.",
	}, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("write Info.plist: %w", err)
	}
	return b, nil
}

// trayPlist is the agent's LaunchAgent with the tray's label and command.
func trayPlist(agent []byte, exe string) ([]byte, error) {
	var m map[string]any
	if _, err := plist.Unmarshal(agent, &m); err != nil {
		return nil, err
	}
	m["Label"] = TrayLabel
	m["ProgramArguments"] = []string{exe, "tray"}
	return plist.MarshalIndent(m, plist.XMLFormat, "\t")
}
