package linuxpkg

import (
	"fmt"
	"os"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/walkme/session-agent/platform/service"
)

// Paths the agent package installs.
const (
	AgentBinary    = "/usr/bin/walkme-agent"
	UserUnit       = "/usr/lib/systemd/user/" + service.UnitName
	TrayAutostart  = "/etc/xdg/autostart/walkme-agent-tray.desktop"
	ConfigFile     = "/etc/walkme-agent/config.json"
	NativeHostExec = "/usr/lib/walkme-agent/native-host"
)

func agentInfo(o Options) (*nfpm.Info, error) {
	unit, err := service.SystemdUnit(service.Options{Executable: AgentBinary})
	if err != nil {
		return nil, err
	}
	c := contents{mtime: o.MTime, stage: o.Stage}
	c.add(o.Binary, AgentBinary, "", 0o755)
	c.gen("walkme-agent.service", []byte(unit), UserUnit, "", 0o644)
	c.embedded("walkme-agent-tray.desktop", TrayAutostart, files.TypeConfig, 0o644)
	c.embedded("config.json", ConfigFile, files.TypeConfigNoReplace, 0o644)
	c.embedded("native-host", NativeHostExec, "", 0o755)
	if err := c.nativeHosts(o); err != nil {
		return nil, err
	}
	c.docs(o, "walkme-agent")
	c.manPage("walkme-agent.1")
	c.lintianOverrides("walkme-agent",
		"# Chrome and Edge read system native-messaging host manifests only from",
		"# /etc/opt/<browser>/native-messaging-hosts.",
		"walkme-agent: dir-or-file-in-etc-opt [etc/opt/*]")
	if c.err != nil {
		return nil, c.err
	}
	scripts := map[string]string{}
	for _, s := range []string{"postinst", "postrm", "rpm-post", "rpm-preun"} {
		p, err := stageEmbedded(o.Stage, s, 0o755)
		if err != nil {
			return nil, err
		}
		scripts[s] = p
	}
	info := baseInfo(o, "walkme-agent", "WalkMe Session Agent: keeps the WalkMe session alive while WalkMe is open",
		"The agent runs for every signed-in user, holds the WalkMe session token in\n"+
			"the keychain, renews it while a WalkMe product is open and lets it lapse\n"+
			"when the computer sleeps or WalkMe is closed. A tray icon shows its state.")
	info.Contents = c.list
	info.Overridables.Recommends = []string{"gnome-keyring | kwalletmanager"}
	if o.Format == "deb" {
		info.Scripts = nfpm.Scripts{PostInstall: scripts["postinst"], PostRemove: scripts["postrm"]}
	} else {
		info.Scripts = nfpm.Scripts{PostInstall: scripts["rpm-post"], PreRemove: scripts["rpm-preun"]}
		info.Overridables.Recommends = []string{"gnome-keyring"}
	}
	return info, nil
}

func sessiondInfo(o Options) (*nfpm.Info, error) {
	c := contents{mtime: o.MTime, stage: o.Stage}
	c.add(o.Binary, "/usr/bin/walkme-sessiond", "", 0o755)
	c.docs(o, "walkme-sessiond")
	c.manPage("walkme-sessiond.1")
	c.lintianOverrides("walkme-sessiond")
	if c.err != nil {
		return nil, c.err
	}
	info := baseInfo(o, "walkme-sessiond", "WalkMe reference session service",
		"An OAuth 2.0 / OpenID Connect session service that implements the WalkMe\n"+
			"inactivity timeout: sign-in, 15-minute renewal, expiry and sign-out.")
	info.Contents = c.list
	return info, nil
}

func baseInfo(o Options, name, summary, long string) *nfpm.Info {
	info := &nfpm.Info{
		Name:          name,
		Arch:          o.Arch,
		Platform:      "linux",
		Version:       PackageVersion(o.Version),
		VersionSchema: "none",
		Section:       "net",
		Priority:      "optional",
		Maintainer:    maintainer,
		Vendor:        vendor,
		Homepage:      homepage,
		License:       license,
		Description:   summary + "\n" + long,
		MTime:         o.MTime,
	}
	if o.Format == "rpm" {
		info.Release = "1"
		info.RPM.Summary = summary
		info.RPM.Group = "Applications/Internet"
	}
	return info
}

// contents collects nfpm contents; the first error sticks.
type contents struct {
	list  files.Contents
	mtime time.Time
	stage string
	err   error
}

func (c *contents) add(src, dst, typ string, mode os.FileMode) {
	c.addFor("", src, dst, typ, mode)
}

func (c *contents) addFor(packager, src, dst, typ string, mode os.FileMode) {
	if c.err != nil {
		return
	}
	if _, err := os.Stat(src); err != nil {
		c.err = fmt.Errorf("%s: %w", dst, err)
		return
	}
	c.list = append(c.list, &files.Content{Source: src, Destination: dst, Type: typ, Packager: packager,
		FileInfo: fileInfo(mode, c.mtime)})
}

func (c *contents) gen(name string, data []byte, dst, typ string, mode os.FileMode) {
	c.genFor("", name, data, dst, typ, mode)
}

func (c *contents) genFor(packager, name string, data []byte, dst, typ string, mode os.FileMode) {
	if c.err != nil {
		return
	}
	src, err := stage(c.stage, name, data, mode)
	if err != nil {
		c.err = err
		return
	}
	c.addFor(packager, src, dst, typ, mode)
}

func (c *contents) embedded(name, dst, typ string, mode os.FileMode) {
	c.embeddedFor("", name, dst, mode)
	if typ != "" && c.err == nil {
		c.list[len(c.list)-1].Type = typ
	}
}

func (c *contents) embeddedFor(packager, name, dst string, mode os.FileMode) {
	if c.err != nil {
		return
	}
	b, err := staticFiles.ReadFile("files/" + name)
	if err != nil {
		c.err = err
		return
	}
	c.genFor(packager, name, b, dst, "", mode)
}
