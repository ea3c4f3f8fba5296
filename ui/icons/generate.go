package icons

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/walkme/session-agent/ui/menu"
)

//go:generate go run ./internal/gen

// Sizes of the images in each file.
const (
	PNGSize = 32 // Linux: one pixmap; tray hosts scale it to their panel
	// TemplateSize is 32 px: the macOS menu bar shows it at 16 pt, so 2x
	// on Retina screens.
	TemplateSize = 32
)

// ICOSizes are the images in each Windows .ico: the notification area picks
// 16 px at 100 %, 24 at 150 %, 32 at 200 %.
var ICOSizes = []int{16, 24, 32}

// Generate draws every icon file, keyed by its path under this directory
// (png/active.png, template/active.png, ico/active.ico). go generate writes
// them; TestEmbeddedMatchGenerator checks the embedded ones are current.
func Generate() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, id := range menu.Icons {
		var b bytes.Buffer
		if err := png.Encode(&b, Render(id, PNGSize, false)); err != nil {
			return nil, err
		}
		files[pngPath(id)] = b.Bytes()
		b = bytes.Buffer{}
		if err := png.Encode(&b, Render(id, TemplateSize, true)); err != nil {
			return nil, err
		}
		files[templatePath(id)] = b.Bytes()
		var imgs []image.Image
		for _, s := range ICOSizes {
			imgs = append(imgs, Render(id, s, false))
		}
		ico, err := EncodeICO(imgs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		files[icoPath(id)] = ico
	}
	return files, nil
}

func pngPath(id menu.Icon) string      { return "png/" + string(id) + ".png" }
func templatePath(id menu.Icon) string { return "template/" + string(id) + ".png" }
func icoPath(id menu.Icon) string      { return "ico/" + string(id) + ".ico" }
