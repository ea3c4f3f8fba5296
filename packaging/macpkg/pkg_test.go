package macpkg

import (
	"bytes"
	"encoding/xml"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

var mtime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func testTree(t *testing.T) *Tree {
	t.Helper()
	tree, err := NewTree([]Entry{
		{Path: "Applications/My App.app/Contents/MacOS/tool", Mode: 0o755, Data: []byte("binary\x00data")},
		{Path: "Applications/My App.app/Contents/Info.plist", Mode: 0o644, Data: []byte("<plist/>")},
		{Path: "Library/LaunchAgents/x.plist", Mode: 0o644, Data: []byte("agent")},
	}, []Entry{{Path: "Applications", Mode: 0o775, GID: 80}}, mtime)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestCksumMatchesPOSIX(t *testing.T) {
	cksum := testenv.Command(t, "cksum")
	for _, in := range []string{"", "a", "123456789", strings.Repeat("walkme", 1000)} {
		cmd := exec.Command(cksum)
		cmd.Stdin = strings.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Fields(string(out))[0]
		if got := Cksum([]byte(in)); strconv.FormatUint(uint64(got), 10) != want {
			t.Errorf("Cksum(%d bytes) = %d, cksum(1) says %s", len(in), got, want)
		}
	}
}

func TestPackageRoundTrip(t *testing.T) {
	tree := testTree(t)
	p := &Package{Identifier: "com.example.pkg", Version: "1.2.3", Title: "Example", InstallLocation: "/",
		Payload: tree, Scripts: map[string][]byte{"postinstall": []byte("#!/bin/sh\nexit 0\n")}, MTime: mtime}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	members := readXar(t, buf.Bytes())
	for _, name := range []string{"Distribution", "com.example.pkg/PackageInfo", "com.example.pkg/Bom",
		"com.example.pkg/Payload", "com.example.pkg/Scripts"} {
		if _, ok := members[name]; !ok {
			t.Errorf("xar lacks %s (has %v)", name, keys(members))
		}
	}

	// Payload: every entry of the tree, in order, with mode, owner and data.
	payload := readCpio(t, members["com.example.pkg/Payload"])
	if len(payload) != len(tree.Entries) {
		t.Fatalf("payload has %d entries, tree %d", len(payload), len(tree.Entries))
	}
	for i, e := range tree.Entries {
		got, want := payload[i], "./"+e.Path
		if e.Path == "." {
			want = "."
		}
		if got.Name != want || got.Mode != unixMode(e) || got.UID != e.UID || got.GID != e.GID ||
			got.MTime != mtime.Unix() || !bytes.Equal(got.Data, e.Data) {
			t.Errorf("payload[%d] = %s %o %d/%d, want %s %o %d/%d", i, got.Name, got.Mode, got.UID, got.GID,
				want, unixMode(e), e.UID, e.GID)
		}
	}
	if payload[0].Name != "." || payload[1].Name != "./Applications" || payload[1].Mode != 0o40775 || payload[1].GID != 80 {
		t.Errorf("payload starts %v %v", payload[0].Name, payload[1])
	}

	// Bom: the same paths with the same metadata and POSIX checksums.
	paths, nPaths, size := readBOM(t, members["com.example.pkg/Bom"])
	if int(nPaths) != len(tree.Entries) || int64(size) != tree.Size() {
		t.Errorf("BomInfo: %d paths, %d bytes; want %d, %d", nPaths, size, len(tree.Entries), tree.Size())
	}
	if len(paths) != len(tree.Entries) {
		t.Fatalf("BOM has %d paths, want %d", len(paths), len(tree.Entries))
	}
	for i, e := range tree.Entries {
		bp := paths[i]
		wantType := uint8(1)
		if e.IsDir() {
			wantType = 2
		}
		wantPath := "./" + e.Path // lsbom style
		if e.Path == "." {
			wantPath = "."
		}
		if bp.Path != wantPath || bp.Type != wantType || uint32(bp.Mode) != unixMode(e) || bp.UID != e.UID ||
			bp.GID != e.GID || bp.MTime != uint32(mtime.Unix()) || bp.Size != uint32(len(e.Data)) {
			t.Errorf("BOM[%d] = %v, want %s", i, bp, e.Path)
		}
		if !e.IsDir() && bp.Checksum != Cksum(e.Data) {
			t.Errorf("BOM %s checksum %d, want %d", e.Path, bp.Checksum, Cksum(e.Data))
		}
	}

	// Scripts: the postinstall, executable.
	scripts := readCpio(t, members["com.example.pkg/Scripts"])
	if len(scripts) != 2 || scripts[1].Name != "./postinstall" || scripts[1].Mode != 0o100755 ||
		string(scripts[1].Data) != "#!/bin/sh\nexit 0\n" {
		t.Errorf("Scripts = %+v", scripts)
	}

	// PackageInfo and Distribution agree with each other and the payload.
	var pi PackageInfo
	if err := xml.Unmarshal(members["com.example.pkg/PackageInfo"], &pi); err != nil {
		t.Fatal(err)
	}
	if pi.Identifier != "com.example.pkg" || pi.Version != "1.2.3" || pi.InstallLocation != "/" ||
		pi.Payload.NumberOfFiles != len(tree.Entries) || pi.Scripts.Postinstall == nil || pi.Scripts.Postinstall.File != "./postinstall" {
		t.Errorf("PackageInfo = %+v", pi)
	}
	var dist struct {
		PkgRefs []struct {
			ID  string `xml:"id,attr"`
			Ref string `xml:",chardata"`
		} `xml:"pkg-ref"`
		Lines []struct {
			Choice string `xml:"choice,attr"`
		} `xml:"choices-outline>line>line"`
	}
	if err := xml.Unmarshal(members["Distribution"], &dist); err != nil {
		t.Fatal(err)
	}
	if len(dist.PkgRefs) != 1 || dist.PkgRefs[0].Ref != "#com.example.pkg" || len(dist.Lines) != 1 || dist.Lines[0].Choice != "com.example.pkg" {
		t.Errorf("Distribution = %+v\n%s", dist, members["Distribution"])
	}
}

func TestNewTreeRejectsEscapes(t *testing.T) {
	for _, p := range []string{"../etc/passwd", "/abs", "."} {
		if _, err := NewTree([]Entry{{Path: p, Mode: 0o644}}, nil, mtime); err == nil {
			t.Errorf("NewTree accepted %q", p)
		}
	}
	tree, err := NewTree([]Entry{{Path: "a/b/c", Mode: 0o600}}, nil, mtime)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tree.Entries {
		got = append(got, e.Path)
		if e.Path == "a/b" && e.Mode != fs.ModeDir|0o755 {
			t.Errorf("implicit dir mode %v", e.Mode)
		}
	}
	if strings.Join(got, ",") != ".,a,a/b,a/b/c" {
		t.Errorf("tree = %v", got)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
