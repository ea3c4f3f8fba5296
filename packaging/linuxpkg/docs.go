package linuxpkg

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"time"
)

// docs adds the copyright file and (for .deb, which lintian checks) a
// gzip'd Debian changelog for a native package.
func (c *contents) docs(o Options, name string) {
	c.embeddedFor("", "copyright", "/usr/share/doc/"+name+"/copyright", 0o644)
	cl, err := changelog(name, PackageVersion(o.Version), o.MTime)
	if err != nil {
		c.err = err
		return
	}
	c.genFor("deb", name+"-changelog.gz", cl, "/usr/share/doc/"+name+"/changelog.gz", "", 0o644)
}

// lintianOverrides adds the package's lintian overrides: the Go binary is
// statically linked on purpose (no cgo on Linux), plus any extra lines.
func (c *contents) lintianOverrides(name string, extra ...string) {
	lines := append([]string{
		"# Go binaries are statically linked on purpose.",
		name + ": statically-linked-binary [usr/bin/" + name + "]",
	}, extra...)
	c.genFor("deb", name+".lintian-overrides", []byte(strings.Join(lines, "\n")+"\n"),
		"/usr/share/lintian/overrides/"+name, "", 0o644)
}

// manPage adds an embedded man page, gzip'd, to section 1.
func (c *contents) manPage(name string) {
	if c.err != nil {
		return
	}
	b, err := staticFiles.ReadFile("files/" + name)
	if err == nil {
		b, err = gzipBytes(b)
	}
	if err != nil {
		c.err = err
		return
	}
	c.gen(name+".gz", b, "/usr/share/man/man1/"+name+".gz", "", 0o644)
}

// changelog returns a one-entry Debian changelog, gzip'd with no name or
// time stamp so that builds are reproducible.
func changelog(name, version string, when time.Time) ([]byte, error) {
	text := fmt.Sprintf("%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n",
		name, version, version, maintainer, when.UTC().Format(time.RFC1123Z))
	return gzipBytes([]byte(text))
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
