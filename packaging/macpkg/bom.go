package macpkg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path"
)

// The BOM ("bill of materials") lists every path of a payload with its mode,
// owner, mtime, size and checksum. Installer records it as the receipt, and
// pkgutil/lsbom read it. Layout (all integers big-endian), after bomutils'
// mkbom and the stuckliste format notes:
//
//	header (512 bytes): "BOMStore", version 1, non-null block count,
//	    block table offset/length, variables offset/length
//	blocks: the data, addressed by index through the block table
//	block table: count, (offset, length) per block (index 0 is null),
//	    then a free list
//	variables: count, then (block index, name length, name) per variable:
//	    BomInfo, Paths, HLIndex, VIndex, Size64
//
// Paths is a "tree": a header pointing at one leaf node whose entries pair a
// key block (path id, metadata block) with a value block (parent id, name).

const (
	bomHeaderSize    = 512
	pathsNodeSize    = 4096 // leaf node size of the Paths tree
	smallNodeSize    = 128  // leaf node size of the empty trees
	maxPathsPerLeaf  = (pathsNodeSize - 12) / 8
	bomEntryFile     = 1
	bomEntryDir      = 2
	bomFlagsFullInfo = 0x000f // not a path-only BOM, plain (non-Mach-O-annotated) entry
)

type bomWriter struct {
	buf    bytes.Buffer
	blocks [][2]uint32 // offset, length; [0] is the null block
}

func (b *bomWriter) add(data []byte) uint32 {
	b.blocks = append(b.blocks, [2]uint32{uint32(b.buf.Len()), uint32(len(data))})
	b.buf.Write(data)
	return uint32(len(b.blocks) - 1)
}

type be struct{ bytes.Buffer }

func (w *be) u8(v uint8)   { w.WriteByte(v) }
func (w *be) u16(v uint16) { _ = binary.Write(w, binary.BigEndian, v) }
func (w *be) u32(v uint32) { _ = binary.Write(w, binary.BigEndian, v) }

// padded returns w's bytes zero-padded to n.
func (w *be) padded(n int) []byte {
	b := w.Bytes()
	if len(b) < n {
		b = append(b, make([]byte, n-len(b))...)
	}
	return b
}

// WriteBOM returns the BOM of a payload tree.
func WriteBOM(t *Tree) ([]byte, error) {
	if len(t.Entries) > maxPathsPerLeaf {
		return nil, fmt.Errorf("macpkg: %d paths do not fit one BOM leaf (max %d)", len(t.Entries), maxPathsPerLeaf)
	}
	b := &bomWriter{blocks: [][2]uint32{{0, 0}}}
	b.buf.Write(make([]byte, bomHeaderSize))

	// BomInfo: one entry (cpu type 0: plain files) with the total size.
	var info be
	info.u32(1)
	info.u32(uint32(len(t.Entries)))
	info.u32(1)
	info.u32(0)
	info.u32(0)
	info.u32(uint32(t.Size()))
	info.u32(0)
	bomInfo := b.add(info.Bytes())

	paths, err := b.pathsTree(t)
	if err != nil {
		return nil, err
	}
	hlIndex := b.emptyTree()
	size64 := b.emptyTree()
	var vindex be
	vindex.u32(1)
	vindex.u32(b.emptyTree())
	vindex.u32(0)
	vindex.u8(1)
	vIndex := b.add(vindex.Bytes())

	return b.finish(map[string]uint32{"BomInfo": bomInfo, "Paths": paths, "HLIndex": hlIndex,
		"VIndex": vIndex, "Size64": size64})
}

// pathsTree writes the metadata, keys and names of every path, one leaf node
// and the tree header; it returns the header's block.
func (b *bomWriter) pathsTree(t *Tree) (uint32, error) {
	ids := map[string]uint32{}
	var leaf be
	leaf.u16(1) // leaf
	leaf.u16(uint16(len(t.Entries)))
	leaf.u32(0) // forward
	leaf.u32(0) // backward
	mtime := uint32(t.MTime.Unix())
	for i, e := range t.Entries {
		id := uint32(i + 1)
		ids[e.Path] = id
		var meta be
		typ := uint8(bomEntryFile)
		if e.IsDir() {
			typ = bomEntryDir
		}
		meta.u8(typ)
		meta.u8(1)
		meta.u16(bomFlagsFullInfo)
		meta.u16(uint16(unixMode(e)))
		meta.u32(e.UID)
		meta.u32(e.GID)
		meta.u32(mtime)
		meta.u32(uint32(len(e.Data)))
		meta.u8(1)
		if !e.IsDir() {
			meta.u32(Cksum(e.Data))
		}
		meta.Write(make([]byte, 8))
		var key be
		key.u32(id)
		key.u32(b.add(meta.Bytes()))
		var val be
		parent, name := uint32(0), e.Path
		if e.Path != "." {
			parent = ids[path.Dir(e.Path)]
			name = path.Base(e.Path)
			if parent == 0 {
				return 0, fmt.Errorf("macpkg: %s listed before its parent", e.Path)
			}
		}
		val.u32(parent)
		val.WriteString(name + "\x00")
		leaf.u32(b.add(key.Bytes()))
		leaf.u32(b.add(val.Bytes()))
	}
	node := b.add(leaf.padded(pathsNodeSize))
	return b.treeHeader(node, pathsNodeSize, uint32(len(t.Entries))), nil
}

func (b *bomWriter) emptyTree() uint32 {
	var leaf be
	leaf.u16(1)
	leaf.u16(0)
	leaf.u32(0)
	leaf.u32(0)
	return b.treeHeader(b.add(leaf.padded(smallNodeSize)), smallNodeSize, 0)
}

func (b *bomWriter) treeHeader(root, nodeSize, count uint32) uint32 {
	var h be
	h.WriteString("tree")
	h.u32(1)
	h.u32(root)
	h.u32(nodeSize)
	h.u32(count)
	h.u8(0)
	return b.add(h.Bytes())
}

// finish appends the block table and the variables and fills in the header.
func (b *bomWriter) finish(vars map[string]uint32) ([]byte, error) {
	var table be
	table.u32(uint32(len(b.blocks)))
	nonNull := uint32(0)
	for _, bl := range b.blocks {
		table.u32(bl[0])
		table.u32(bl[1])
		if bl != [2]uint32{} {
			nonNull++
		}
	}
	table.u32(0) // empty free list
	tableOff := uint32(b.buf.Len())
	b.buf.Write(table.Bytes())

	var v be
	order := []string{"BomInfo", "Paths", "HLIndex", "VIndex", "Size64"}
	v.u32(uint32(len(order)))
	for _, name := range order {
		v.u32(vars[name])
		v.u8(uint8(len(name)))
		v.WriteString(name)
	}
	varsOff := uint32(b.buf.Len())
	b.buf.Write(v.Bytes())

	var h be
	h.WriteString("BOMStore")
	h.u32(1)
	h.u32(nonNull)
	h.u32(tableOff)
	h.u32(uint32(table.Len()))
	h.u32(varsOff)
	h.u32(uint32(v.Len()))
	out := b.buf.Bytes()
	copy(out, h.Bytes())
	return out, nil
}

// cksumTable is the CRC-32 (polynomial 0x04C11DB7, MSB first) of POSIX cksum.
var cksumTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// Cksum is the checksum of POSIX cksum(1), which BOMs record per file.
func Cksum(data []byte) uint32 {
	var crc uint32
	for _, c := range data {
		crc = crc<<8 ^ cksumTable[byte(crc>>24)^c]
	}
	for n := len(data); n > 0; n >>= 8 {
		crc = crc<<8 ^ cksumTable[byte(crc>>24)^byte(n)]
	}
	return ^crc
}
