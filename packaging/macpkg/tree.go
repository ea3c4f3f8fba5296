// Package macpkg writes macOS flat installer packages (.pkg) in pure Go, so
// that they can be built on Linux: a xar archive holding a Distribution and
// one component package (PackageInfo, Bom, Payload, Scripts). The payload and
// scripts are gzip'd cpio archives in the odc format; the Bom is Apple's
// BOMStore bill of materials.
package macpkg

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Entry is one file or directory of a payload, relative to the install
// location ("Applications/WalkMe Agent.app/Contents/Info.plist").
type Entry struct {
	Path     string
	Mode     fs.FileMode // permission bits, plus fs.ModeDir for directories
	UID, GID uint32
	Data     []byte // file contents; nil for directories
}

// IsDir reports whether e is a directory.
func (e Entry) IsDir() bool { return e.Mode.IsDir() }

// Tree is a payload: every entry, parents before children, rooted at ".".
type Tree struct {
	Entries []Entry
	MTime   time.Time
}

// NewTree returns a tree of files, adding "." and every missing parent
// directory (0755 root:wheel, or as given in dirs) and sorting the result.
func NewTree(files []Entry, dirs []Entry, mtime time.Time) (*Tree, error) {
	byPath := map[string]Entry{".": {Path: ".", Mode: fs.ModeDir | 0o755}}
	for _, d := range dirs {
		d.Path = path.Clean(d.Path)
		d.Mode |= fs.ModeDir
		byPath[d.Path] = d
	}
	for _, f := range files {
		f.Path = path.Clean(f.Path)
		if f.Path == "." || strings.HasPrefix(f.Path, "../") || path.IsAbs(f.Path) {
			return nil, fmt.Errorf("macpkg: bad payload path %q", f.Path)
		}
		byPath[f.Path] = f
		for p := path.Dir(f.Path); p != "."; p = path.Dir(p) {
			if _, ok := byPath[p]; !ok {
				byPath[p] = Entry{Path: p, Mode: fs.ModeDir | 0o755}
			}
		}
	}
	t := &Tree{MTime: mtime}
	for _, e := range byPath {
		t.Entries = append(t.Entries, e)
	}
	sort.Slice(t.Entries, func(i, j int) bool { return pathLess(t.Entries[i].Path, t.Entries[j].Path) })
	return t, nil
}

// pathLess orders "." first, then by path components, so parents precede children.
func pathLess(a, b string) bool {
	if a == "." || b == "." {
		return a == "." && b != "."
	}
	return strings.ReplaceAll(a, "/", "\x00") < strings.ReplaceAll(b, "/", "\x00")
}

// unixMode returns the st_mode bits of an entry.
func unixMode(e Entry) uint32 {
	m := uint32(e.Mode.Perm())
	if e.IsDir() {
		return m | 0o040000
	}
	return m | 0o100000
}

// Size is the payload's total file size in bytes.
func (t *Tree) Size() int64 {
	var n int64
	for _, e := range t.Entries {
		n += int64(len(e.Data))
	}
	return n
}
