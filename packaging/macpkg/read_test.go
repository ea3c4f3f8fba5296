package macpkg

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// Independent readers for what this package writes, used by the tests to
// parse every structure back.

// readXar returns the members of a xar archive by path, checking the header,
// the TOC checksum and every file's SHA-1.
func readXar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	var h struct {
		Magic      uint32
		HeaderSize uint16
		Version    uint16
		TOCLen     uint64
		TOCRawLen  uint64
		CksumAlg   uint32
	}
	if err := binary.Read(bytes.NewReader(b), binary.BigEndian, &h); err != nil {
		t.Fatal(err)
	}
	if h.Magic != 0x78617221 || h.HeaderSize != 28 || h.Version != 1 || h.CksumAlg != 1 {
		t.Fatalf("xar header %+v", h)
	}
	ztoc := b[28 : 28+h.TOCLen]
	heap := b[28+h.TOCLen:]
	zr, err := zlib.NewReader(bytes.NewReader(ztoc))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil || uint64(len(raw)) != h.TOCRawLen {
		t.Fatalf("toc: %v, %d bytes, header says %d", err, len(raw), h.TOCRawLen)
	}
	var toc struct {
		Checksum struct {
			Style  string `xml:"style,attr"`
			Offset int    `xml:"offset"`
			Size   int    `xml:"size"`
		} `xml:"toc>checksum"`
		Files []rxNode `xml:"toc>file"`
	}
	if err := xml.Unmarshal(raw, &toc); err != nil {
		t.Fatalf("toc xml: %v\n%s", err, raw)
	}
	sum := sha1.Sum(ztoc)
	if toc.Checksum.Style != "sha1" || !bytes.Equal(heap[toc.Checksum.Offset:toc.Checksum.Offset+toc.Checksum.Size], sum[:]) {
		t.Fatal("xar TOC checksum does not match")
	}
	out := map[string][]byte{}
	var walk func(prefix string, nodes []rxNode)
	walk = func(prefix string, nodes []rxNode) {
		for _, n := range nodes {
			name := prefix + n.Name
			if n.Type == "directory" {
				walk(name+"/", n.Files)
				continue
			}
			d := heap[n.Data.Offset : n.Data.Offset+n.Data.Length]
			s := sha1.Sum(d)
			if n.Data.Encoding.Style != "application/octet-stream" || n.Data.Archived.Sum != hex.EncodeToString(s[:]) ||
				n.Data.Extracted.Sum != n.Data.Archived.Sum || n.Data.Size != n.Data.Length {
				t.Errorf("xar member %s: bad data record %+v", name, n.Data)
			}
			out[name] = d
		}
	}
	walk("", toc.Files)
	return out
}

type rxNode struct {
	Name string `xml:"name"`
	Type string `xml:"type"`
	Data struct {
		Offset   int `xml:"offset"`
		Length   int `xml:"length"`
		Size     int `xml:"size"`
		Encoding struct {
			Style string `xml:"style,attr"`
		} `xml:"encoding"`
		Archived struct {
			Sum string `xml:",chardata"`
		} `xml:"archived-checksum"`
		Extracted struct {
			Sum string `xml:",chardata"`
		} `xml:"extracted-checksum"`
	} `xml:"data"`
	Files []rxNode `xml:"file"`
}

// cpioMember is one member of an odc cpio archive.
type cpioMember struct {
	Name           string
	Mode, UID, GID uint32
	MTime          int64
	Data           []byte
}

// readCpio parses a gzip'd odc cpio archive up to its trailer.
func readCpio(t *testing.T, gz []byte) []cpioMember {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var out []cpioMember
	for {
		if len(b) < 76 || string(b[:6]) != "070707" {
			t.Fatalf("cpio: bad header at %q", b[:min(len(b), 76)])
		}
		f := func(off, n int) int64 {
			v, err := strconv.ParseInt(string(b[off:off+n]), 8, 64)
			if err != nil {
				t.Fatalf("cpio field %q: %v", b[off:off+n], err)
			}
			return v
		}
		mode, uid, gid, mtime := f(18, 6), f(24, 6), f(30, 6), f(48, 11)
		nameLen, size := int(f(59, 6)), int(f(65, 11))
		name := string(b[76 : 76+nameLen-1])
		if b[76+nameLen-1] != 0 {
			t.Fatalf("cpio name %q not NUL-terminated", name)
		}
		data := b[76+nameLen : 76+nameLen+size]
		b = b[76+nameLen+size:]
		if name == "TRAILER!!!" {
			return out
		}
		out = append(out, cpioMember{name, uint32(mode), uint32(uid), uint32(gid), mtime, data})
	}
}

// bomPath is one path read back from a BOM.
type bomPath struct {
	Path                  string
	Type                  uint8
	Mode                  uint16
	UID, GID, MTime, Size uint32
	Checksum              uint32
}

// readBOM parses a BOMStore and returns its Paths (with full paths) and the
// BomInfo path count and total size.
func readBOM(t *testing.T, b []byte) (paths []bomPath, infoPaths, infoSize uint32) {
	t.Helper()
	u32 := func(off uint32) uint32 { return binary.BigEndian.Uint32(b[off:]) }
	if string(b[:8]) != "BOMStore" || u32(8) != 1 {
		t.Fatalf("BOM magic/version: %q %d", b[:8], u32(8))
	}
	tableOff, varsOff := u32(16), u32(24)
	nBlocks := u32(tableOff)
	block := func(i uint32) []byte {
		if i >= nBlocks {
			t.Fatalf("block %d out of %d", i, nBlocks)
		}
		off, n := u32(tableOff+4+8*i), u32(tableOff+8+8*i)
		return b[off : off+n]
	}
	nonNull := uint32(0)
	for i := range nBlocks {
		if u32(tableOff+4+8*i) != 0 || u32(tableOff+8+8*i) != 0 {
			nonNull++
		}
	}
	if nonNull != u32(12) {
		t.Errorf("header says %d non-null blocks, table has %d", u32(12), nonNull)
	}
	vars := map[string]uint32{}
	p := varsOff + 4
	for range u32(varsOff) {
		idx, n := u32(p), uint32(b[p+4])
		vars[string(b[p+5:p+5+n])] = idx
		p += 5 + n
	}
	for _, want := range []string{"BomInfo", "Paths", "HLIndex", "VIndex", "Size64"} {
		if _, ok := vars[want]; !ok {
			t.Errorf("BOM has no %s variable (has %v)", want, vars)
		}
	}
	info := block(vars["BomInfo"])
	infoPaths = binary.BigEndian.Uint32(info[4:])
	infoSize = binary.BigEndian.Uint32(info[20:])

	tree := block(vars["Paths"])
	if string(tree[:4]) != "tree" {
		t.Fatalf("Paths is not a tree: %q", tree[:4])
	}
	leaf := block(binary.BigEndian.Uint32(tree[8:]))
	if binary.BigEndian.Uint16(leaf) != 1 {
		t.Fatal("Paths root is not a leaf")
	}
	count := binary.BigEndian.Uint16(leaf[2:])
	if uint32(count) != binary.BigEndian.Uint32(tree[16:]) {
		t.Errorf("leaf has %d entries, tree header says %d", count, binary.BigEndian.Uint32(tree[16:]))
	}
	names := map[uint32]string{}
	for i := range uint32(count) {
		key := block(binary.BigEndian.Uint32(leaf[12+8*i:]))
		val := block(binary.BigEndian.Uint32(leaf[16+8*i:]))
		id := binary.BigEndian.Uint32(key)
		meta := block(binary.BigEndian.Uint32(key[4:]))
		parent := binary.BigEndian.Uint32(val)
		name := strings.TrimSuffix(string(val[4:]), "\x00")
		full := name
		if parent != 0 {
			pn, ok := names[parent]
			if !ok {
				t.Fatalf("BOM path %q: parent %d not seen yet", name, parent)
			}
			full = pn + "/" + name
		}
		names[id] = full
		bp := bomPath{Path: full, Type: meta[0], Mode: binary.BigEndian.Uint16(meta[4:]),
			UID: binary.BigEndian.Uint32(meta[6:]), GID: binary.BigEndian.Uint32(meta[10:]),
			MTime: binary.BigEndian.Uint32(meta[14:]), Size: binary.BigEndian.Uint32(meta[18:])}
		if meta[1] != 1 || binary.BigEndian.Uint16(meta[2:]) != 0x000f || meta[22] != 1 {
			t.Errorf("BOM %s: unexpected metadata prefix % x", full, meta[:4])
		}
		if bp.Type == 1 {
			bp.Checksum = binary.BigEndian.Uint32(meta[23:])
		}
		paths = append(paths, bp)
	}
	return paths, infoPaths, infoSize
}

func (p bomPath) String() string {
	return fmt.Sprintf("%s %o %d/%d %d", p.Path, p.Mode, p.UID, p.GID, p.Size)
}
