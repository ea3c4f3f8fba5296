// Package extension is the reference WalkMe browser extension (Manifest V3,
// Chrome, Edge and Firefox): the files in this directory are the extension;
// this package names its IDs for packaging and tests, and the forms an
// extension ID takes, for the host and the configuration.
package extension

import (
	"path/filepath"
	"runtime"
	"strings"
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

// IsChromeID reports whether id is a Chrome/Edge extension ID: 32 letters
// from a to p.
func IsChromeID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if c < 'a' || c > 'p' {
			return false
		}
	}
	return true
}

// Origin is the origin of the Chrome/Edge extension id, as browsers name
// it to a native-messaging host and host manifests list it.
func Origin(id string) string { return "chrome-extension://" + id + "/" }

// OriginID is the extension ID of an Origin; ok is false when origin is
// not a chrome-extension:// origin (the ID is not checked: IsChromeID).
func OriginID(origin string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(origin, "chrome-extension://")
	return strings.TrimSuffix(rest, "/"), ok
}

// IsFirefoxID reports whether id has the form of a Firefox add-on ID: an
// email-like name@domain or a GUID in braces.
func IsFirefoxID(id string) bool {
	if strings.ContainsAny(id, " \t\r\n/\\") || len(id) > 255 {
		return false
	}
	if name, domain, ok := strings.Cut(id, "@"); ok {
		return name != "" && domain != "" && !strings.Contains(domain, "@")
	}
	return len(id) == 38 && id[0] == '{' && id[37] == '}' && isGUID(id[1:37])
}

func isGUID(s string) bool {
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
