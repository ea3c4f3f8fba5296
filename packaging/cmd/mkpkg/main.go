// Command mkpkg builds the WalkMe packages from already-built binaries:
//
//	mkpkg -format deb|rpm -name walkme-agent|walkme-sessiond -bin FILE -version V -arch amd64 -o OUT
//	mkpkg -format pkg -bin FILE -version V -o OUT
//
// `make packages` drives it; see packaging/packaging.mk.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/packaging/linuxpkg"
	"github.com/walkme/session-agent/packaging/macospkg"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/packaging/winpkg"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkpkg: ")
	var (
		format  = flag.String("format", "", "deb, rpm, msi, pkg or mobileconfig")
		name    = flag.String("name", "walkme-agent", "package: walkme-agent or walkme-sessiond")
		bin     = flag.String("bin", "", "binary to package")
		version = flag.String("version", "0.0.0", "version (git describe style is normalised)")
		arch    = flag.String("arch", "amd64", "GOARCH of the binary")
		out     = flag.String("o", "", "output file")
		chrome  = flag.String("chrome-extension-ids", extension.ID, "comma-separated Chrome/Edge extension IDs for the native-messaging host")
		firefox = flag.String("firefox-extension-ids", "walkme-agent@walkme.com", "comma-separated Firefox add-on IDs")
		printV  = flag.String("print-version", "", "print the package version for a git describe version and exit")
	)
	flag.Parse()
	if *printV != "" {
		fmt.Println(linuxpkg.PackageVersion(*printV))
		return
	}
	if *format == "" || *bin == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*format, *name, *bin, *version, *arch, *out, split(*chrome), split(*firefox)); err != nil {
		log.Fatal(err)
	}
}

func run(format, name, bin, version, arch, out string, chrome, firefox []string) error {
	stage, err := os.MkdirTemp("", "mkpkg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	mtime := buildTime()
	switch format {
	case "deb", "rpm":
		o := linuxpkg.Options{Format: format, Version: version, Arch: arch, Binary: bin,
			ChromeExtensionIDs: chrome, FirefoxExtensionIDs: firefox, MTime: mtime, Stage: stage}
		if name == "walkme-sessiond" {
			err = linuxpkg.Sessiond(o, f)
		} else {
			err = linuxpkg.Agent(o, f)
		}
	case "pkg":
		err = buildPkg(version, bin, f, mtime, chrome, firefox)
	case "mobileconfig":
		var b []byte
		if b, err = macospkg.Mobileconfig(nil); err == nil {
			_, err = f.Write(b)
		}
	case "msi":
		err = buildMSI(version, bin, out, stage, chrome, firefox)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return err
	}
	fmt.Println(out)
	return nil
}

func buildPkg(version, bin string, w io.Writer, mtime time.Time, chrome, firefox []string) error {
	p, err := macospkg.Agent(macospkg.Options{Version: linuxpkg.PackageVersion(version), Binary: bin, MTime: mtime,
		ChromeExtensionIDs: chrome, FirefoxExtensionIDs: firefox})
	if err != nil {
		return err
	}
	return p.Write(w)
}

func buildMSI(version, bin, out, stage string, chrome, firefox []string) error {
	chromium, ff, err := nativehost.Manifests("native-host.cmd", chrome, firefox)
	if err != nil {
		return err
	}
	return winpkg.Build(context.Background(), winpkg.Options{
		Version: winpkg.MSIVersion(linuxpkg.PackageVersion(version)), AgentExe: bin,
		ChromiumManifest: chromium, FirefoxManifest: ff, Out: out, Stage: stage,
		SignCert: os.Getenv("SIGN_CERT"), SignKey: os.Getenv("SIGN_KEY"),
	})
}

// buildTime is SOURCE_DATE_EPOCH when set (reproducible builds), else now.
func buildTime() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

func split(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(s, ",", "\n")))
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); v != "" {
			out = append(out, v)
		}
	}
	return out
}
