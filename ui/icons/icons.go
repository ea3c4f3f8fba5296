// Package icons holds the tray icons, one per menu.Icon: PNG for Linux,
// black-and-alpha template PNG for the macOS menu bar, ICO for Windows. They
// are drawn by this package's own code (draw.go) and embedded; no binary of
// unknown origin is checked in.
package icons

import (
	"embed"

	"github.com/walkme/session-agent/ui/menu"
)

//go:embed png/*.png template/*.png ico/*.ico
var files embed.FS

func mustRead(path string) []byte {
	b, err := files.ReadFile(path)
	if err != nil {
		panic("icons: missing embedded " + path + ": run go generate ./ui/icons") // a build defect
	}
	return b
}

// PNG returns the colour PNG of id (Linux).
func PNG(id menu.Icon) []byte { return mustRead(pngPath(id)) }

// Template returns the template PNG of id (macOS).
func Template(id menu.Icon) []byte { return mustRead(templatePath(id)) }

// ICO returns the .ico of id (Windows).
func ICO(id menu.Icon) []byte { return mustRead(icoPath(id)) }
