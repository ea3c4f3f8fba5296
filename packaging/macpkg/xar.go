package macpkg

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// A xar archive: a 28-byte header, the table of contents (XML, zlib'd), and
// the heap. The heap starts with the SHA-1 of the compressed TOC; file data
// follows, stored as is (the Payload and Scripts are gzip'd already), each
// with SHA-1 checksums in the TOC.

const (
	xarMagic      = 0x78617221 // "xar!"
	xarHeaderSize = 28
	xarCksumSHA1  = 1
)

// XarFile is one member of a xar archive; a name with "/" is inside directories.
type XarFile struct {
	Name string
	Data []byte
	Mode uint32
}

type xarTOC struct {
	XMLName xml.Name `xml:"xar"`
	TOC     struct {
		Checksum struct {
			Style  string `xml:"style,attr"`
			Offset int64  `xml:"offset"`
			Size   int64  `xml:"size"`
		} `xml:"checksum"`
		CreationTime string     `xml:"creation-time"`
		Files        []*xarNode `xml:"file"`
	} `xml:"toc"`
}

type xarNode struct {
	ID    int        `xml:"id,attr"`
	Name  string     `xml:"name"`
	Type  string     `xml:"type"`
	Mode  string     `xml:"mode"`
	UID   int        `xml:"uid"`
	GID   int        `xml:"gid"`
	Data  *xarData   `xml:"data,omitempty"`
	Files []*xarNode `xml:"file"`
}

type xarData struct {
	Length            int64       `xml:"length"`
	Offset            int64       `xml:"offset"`
	Size              int64       `xml:"size"`
	Encoding          xarEncoding `xml:"encoding"`
	ArchivedChecksum  xarChecksum `xml:"archived-checksum"`
	ExtractedChecksum xarChecksum `xml:"extracted-checksum"`
}

type xarEncoding struct {
	Style string `xml:"style,attr"`
}

type xarChecksum struct {
	Style string `xml:"style,attr"`
	Sum   string `xml:",chardata"`
}

// WriteXar writes a xar archive of files (directories are implied by names).
func WriteXar(w io.Writer, files []XarFile, created time.Time) error {
	var toc xarTOC
	toc.TOC.Checksum.Style = "sha1"
	toc.TOC.Checksum.Size = sha1.Size
	toc.TOC.CreationTime = created.UTC().Format("2006-01-02T15:04:05Z")
	var heap bytes.Buffer
	heap.Write(make([]byte, sha1.Size)) // the TOC checksum, filled in below
	nextID := 1
	dirs := map[string]*xarNode{}
	for _, f := range files {
		parts := strings.Split(f.Name, "/")
		list := &toc.TOC.Files
		for i := range parts[:len(parts)-1] {
			dir := strings.Join(parts[:i+1], "/")
			d, ok := dirs[dir]
			if !ok {
				d = &xarNode{ID: nextID, Name: parts[i], Type: "directory", Mode: "0755"}
				nextID++
				dirs[dir] = d
				*list = append(*list, d)
			}
			list = &d.Files
		}
		sum := sha1.Sum(f.Data)
		hexSum := hex.EncodeToString(sum[:])
		n := &xarNode{ID: nextID, Name: parts[len(parts)-1], Type: "file", Mode: fmt.Sprintf("%04o", f.Mode),
			Data: &xarData{Length: int64(len(f.Data)), Offset: int64(heap.Len()), Size: int64(len(f.Data)),
				Encoding:          xarEncoding{"application/octet-stream"},
				ArchivedChecksum:  xarChecksum{"sha1", hexSum},
				ExtractedChecksum: xarChecksum{"sha1", hexSum}}}
		nextID++
		*list = append(*list, n)
		heap.Write(f.Data)
	}
	raw, err := xml.MarshalIndent(toc, "", " ")
	if err != nil {
		return fmt.Errorf("xar toc: %w", err)
	}
	raw = append([]byte(xml.Header), raw...)
	var ztoc bytes.Buffer
	zw := zlib.NewWriter(&ztoc)
	if _, err := zw.Write(raw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	tocSum := sha1.Sum(ztoc.Bytes())
	heapBytes := heap.Bytes()
	copy(heapBytes, tocSum[:])

	var hdr bytes.Buffer
	_ = binary.Write(&hdr, binary.BigEndian, struct {
		Magic      uint32
		HeaderSize uint16
		Version    uint16
		TOCLen     uint64
		TOCRawLen  uint64
		CksumAlg   uint32
	}{xarMagic, xarHeaderSize, 1, uint64(ztoc.Len()), uint64(len(raw)), xarCksumSHA1})
	for _, b := range [][]byte{hdr.Bytes(), ztoc.Bytes(), heapBytes} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
