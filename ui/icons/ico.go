package icons

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// EncodeICO writes a Windows .ico holding one PNG per image (the
// PNG-in-ICO form Windows reads since Vista): smaller than BMP entries and
// with a real alpha channel.
func EncodeICO(imgs []image.Image) ([]byte, error) {
	pngs := make([][]byte, len(imgs))
	for i, img := range imgs {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return nil, fmt.Errorf("ico entry %d: %w", i, err)
		}
		pngs[i] = b.Bytes()
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	out.Write(le.AppendUint16(le.AppendUint16(le.AppendUint16(nil, 0), 1), uint16(len(imgs))))
	offset := 6 + 16*len(imgs)
	for i, img := range imgs {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w > 256 || h > 256 {
			return nil, fmt.Errorf("ico entry %d: %dx%d is over 256 px", i, w, h)
		}
		e := []byte{byte(w), byte(h), 0, 0} // 256 is written as 0
		e = le.AppendUint16(e, 1)           // planes
		e = le.AppendUint16(e, 32)          // bits per pixel
		e = le.AppendUint32(e, uint32(len(pngs[i])))
		e = le.AppendUint32(e, uint32(offset))
		out.Write(e)
		offset += len(pngs[i])
	}
	for _, p := range pngs {
		out.Write(p)
	}
	return out.Bytes(), nil
}

// DecodeICO reads back what EncodeICO writes (PNG entries only).
func DecodeICO(data []byte) ([]image.Image, error) {
	le := binary.LittleEndian
	if len(data) < 6 || le.Uint16(data[0:]) != 0 || le.Uint16(data[2:]) != 1 {
		return nil, errors.New("not an .ico file")
	}
	n := int(le.Uint16(data[4:]))
	if len(data) < 6+16*n {
		return nil, errors.New("ico: truncated directory")
	}
	imgs := make([]image.Image, 0, n)
	for i := 0; i < n; i++ {
		e := data[6+16*i:]
		size, off := int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
		if off+size > len(data) || off < 0 {
			return nil, fmt.Errorf("ico entry %d: out of bounds", i)
		}
		img, err := png.Decode(bytes.NewReader(data[off : off+size]))
		if err != nil {
			return nil, fmt.Errorf("ico entry %d: %w", i, err)
		}
		if w := int(e[0]); img.Bounds().Dx() != w && !(w == 0 && img.Bounds().Dx() == 256) {
			return nil, fmt.Errorf("ico entry %d: directory says %d px, image is %d", i, w, img.Bounds().Dx())
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}
