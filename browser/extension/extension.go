// Package extension is the reference WalkMe browser extension (Manifest V3,
// Chrome, Edge and Firefox): the files in this directory are the extension;
// this package only names its ID for packaging and tests.
package extension

import (
	"path/filepath"
	"runtime"
)

// ID is the Chrome/Edge extension ID that the manifest's key fixes: the
// native-messaging host manifests allow it by default.
const ID = "pjphaallaogfddomihpagleebbjnafgi"

// FirefoxID is the add-on ID of browser_specific_settings.gecko.
const FirefoxID = "walkme-agent@walkme.com"

// Dir is the extension's directory in the source tree, for tests and the
// demo ("" when the binary was built without source paths).
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(file)
}
