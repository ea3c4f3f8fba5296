// Command gen writes the tray icon files of ui/icons (run by go generate in
// that directory).
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/walkme/session-agent/ui/icons"
)

func main() {
	files, err := icons.Generate()
	if err != nil {
		log.Fatal(err)
	}
	for path, data := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
