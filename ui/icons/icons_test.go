package icons

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/walkme/session-agent/ui/menu"
)

// TestEmbeddedMatchGenerator checks that the checked-in files are what the
// drawing code produces, pixel by pixel (PNG bytes may differ between Go
// versions; pixels may not).
func TestEmbeddedMatchGenerator(t *testing.T) {
	for _, id := range menu.Icons {
		comparePNG(t, PNG(id), Render(id, PNGSize, false), pngPath(id))
		comparePNG(t, Template(id), Render(id, TemplateSize, true), templatePath(id))
		imgs, err := DecodeICO(ICO(id))
		if err != nil {
			t.Fatalf("%s: %v", icoPath(id), err)
		}
		if len(imgs) != len(ICOSizes) {
			t.Fatalf("%s: %d images, want %d", icoPath(id), len(imgs), len(ICOSizes))
		}
		for i, s := range ICOSizes {
			samePixels(t, imgs[i], Render(id, s, false), icoPath(id))
		}
	}
}

func comparePNG(t *testing.T, data []byte, want image.Image, name string) {
	t.Helper()
	got, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	samePixels(t, got, want, name)
}

func samePixels(t *testing.T, got, want image.Image, name string) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s: bounds %v, want %v (run go generate ./ui/icons)", name, got.Bounds(), want.Bounds())
	}
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("%s: pixel (%d,%d) differs from the generator (run go generate ./ui/icons)", name, x, y)
			}
		}
	}
}

// TestIconsDiffer guards against two states sharing a look.
func TestIconsDiffer(t *testing.T) {
	for _, template := range []bool{false, true} {
		seen := map[string]menu.Icon{}
		for _, id := range menu.Icons {
			key := string(Render(id, 16, template).Pix)
			if other, ok := seen[key]; ok {
				t.Errorf("template=%v: %s looks exactly like %s at 16 px", template, id, other)
			}
			seen[key] = id
		}
	}
}

// TestTemplateIsMonochrome: macOS tints template images using alpha only.
func TestTemplateIsMonochrome(t *testing.T) {
	for _, id := range menu.Icons {
		img := Render(id, TemplateSize, true)
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i+3] != 0 && (img.Pix[i] != 0 || img.Pix[i+1] != 0 || img.Pix[i+2] != 0) {
				t.Fatalf("%s: template pixel %d is not black", id, i/4)
			}
		}
	}
}

// TestCrispEdges: the icon fills its square (a disc edge touches the middle
// of each side) and keeps a transparent corner, at every size.
func TestCrispEdges(t *testing.T) {
	for _, s := range []int{16, 22, 24, 32} {
		for _, id := range menu.Icons {
			img := Render(id, s, false)
			if a := img.NRGBAAt(0, 0).A; a != 0 {
				t.Errorf("%s@%d: corner alpha %d, want transparent", id, s, a)
			}
			if a := img.NRGBAAt(s/2, 1).A; a < 0x80 {
				t.Errorf("%s@%d: top edge alpha %d, icon does not fill its square", id, s, a)
			}
		}
	}
}

func TestICORejectsGarbage(t *testing.T) {
	if _, err := DecodeICO([]byte("not an icon")); err == nil {
		t.Error("DecodeICO accepted garbage")
	}
}
