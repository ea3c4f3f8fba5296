// Package linuxpkg builds the Linux packages (.deb and .rpm) of the WalkMe
// agent and of the reference session service with nfpm used as a library.
//
// The agent package installs the binary, a systemd user unit enabled for
// every user, the XDG autostart entry that is the one launcher of the tray,
// /etc/walkme-agent/config.json as a no-replace conffile, and browser
// native-messaging host manifests. walkme-sessiond is a separate package:
// employee laptops need the agent only, servers need the service only.
package linuxpkg

import (
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/goreleaser/nfpm/v2/rpm"
)

//go:embed files
var staticFiles embed.FS

const (
	maintainer = "WalkMe <support@walkme.com>"
	vendor     = "WalkMe Ltd."
	homepage   = "https://www.walkme.com/"
	license    = "Proprietary"
)

// Options describes one package build.
type Options struct {
	Format  string // "deb" or "rpm"
	Version string // any version; normalised with PackageVersion
	Arch    string // GOARCH: amd64, arm64
	Binary  string // the linux binary to package (walkme-agent or walkme-sessiond)
	// Browser extensions allowed to talk to the native-messaging host.
	ChromeExtensionIDs  []string // 32-letter Chrome/Edge extension IDs
	FirefoxExtensionIDs []string // Firefox add-on IDs
	MTime               time.Time
	Stage               string // scratch directory for generated files
}

// Agent writes the walkme-agent package to w.
func Agent(o Options, w io.Writer) error {
	info, err := agentInfo(o)
	if err != nil {
		return fmt.Errorf("walkme-agent %s: %w", o.Format, err)
	}
	return build(o.Format, info, w)
}

// Sessiond writes the walkme-sessiond package to w.
func Sessiond(o Options, w io.Writer) error {
	info, err := sessiondInfo(o)
	if err != nil {
		return fmt.Errorf("walkme-sessiond %s: %w", o.Format, err)
	}
	return build(o.Format, info, w)
}

func build(format string, info *nfpm.Info, w io.Writer) error {
	var p nfpm.Packager
	switch format {
	case "deb":
		p = deb.Default
	case "rpm":
		p = rpm.DefaultRPM
	default:
		return fmt.Errorf("unknown package format %q", format)
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return fmt.Errorf("%s %s: %w", info.Name, format, err)
	}
	if err := p.Package(info, w); err != nil {
		return fmt.Errorf("%s %s: %w", info.Name, format, err)
	}
	return nil
}

var releaseVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+`)

// PackageVersion turns a `git describe` version into one that dpkg and rpm
// order correctly: "v1.2.3" -> "1.2.3", "v1.2.3-4-gabc" -> "1.2.3+4.gabc",
// a bare commit "abc123" -> "0.0.0+abc123".
func PackageVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if !releaseVersion.MatchString(v) { // a bare commit such as "3eade56"
		v = "0.0.0-" + v
	}
	v = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".+~", r) {
			return r
		}
		if r == '-' {
			return '+'
		}
		return '.'
	}, v)
	// Only the first + separates the build suffix; later ones become dots.
	if i := strings.Index(v, "+"); i >= 0 {
		v = v[:i+1] + strings.ReplaceAll(v[i+1:], "+", ".")
	}
	return strings.TrimSuffix(v, "+")
}

// stage writes a generated or embedded file into the scratch directory and
// returns its path, for nfpm, which reads sources from disk.
func stage(dir, name string, data []byte, mode os.FileMode) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return "", err
	}
	return p, os.Chmod(p, mode)
}

func stageEmbedded(dir, name string, mode os.FileMode) (string, error) {
	b, err := staticFiles.ReadFile("files/" + name)
	if err != nil {
		return "", err
	}
	return stage(dir, name, b, mode)
}

func fileInfo(mode os.FileMode, mtime time.Time) *files.ContentFileInfo {
	return &files.ContentFileInfo{Owner: "root", Group: "root", Mode: mode, MTime: mtime}
}
