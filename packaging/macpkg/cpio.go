package macpkg

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// WriteCpio writes the tree as a cpio archive in the portable "odc" format
// (magic 070707, octal fields), which is what macOS Installer reads, with
// entries named "./path".
func WriteCpio(w io.Writer, t *Tree) error {
	mtime := t.MTime.Unix()
	for i, e := range t.Entries {
		name := "./" + e.Path
		if e.Path == "." {
			name = "."
		}
		if err := cpioEntry(w, uint32(i+1), unixMode(e), e.UID, e.GID, mtime, name, e.Data); err != nil {
			return err
		}
	}
	return cpioEntry(w, 0, 0, 0, 0, 0, "TRAILER!!!", nil)
}

func cpioEntry(w io.Writer, ino, mode, uid, gid uint32, mtime int64, name string, data []byte) error {
	nlink := 1
	if mode&0o040000 != 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070707%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o",
		0, ino&0o777777, mode, uid, gid, nlink, 0, mtime, len(name)+1, len(data))
	if _, err := io.WriteString(w, hdr+name+"\x00"); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// GzipCpio returns the tree as a gzip'd odc cpio archive (a Payload or Scripts).
func GzipCpio(t *Tree) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := WriteCpio(zw, t); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
