package nativemsg

import (
	"errors"
	"fmt"
	"strings"

	"github.com/walkme/session-agent/browser/extension"
)

// Caller names the extension that made the browser start the host, from
// the arguments the browser passes it:
//
//   - Chrome, Chromium and Edge pass the extension's origin,
//     chrome-extension://ID/ (on Windows followed by --parent-window=N);
//     Caller returns the 32-letter ID.
//   - Firefox passes the path of the host manifest and the add-on's ID;
//     Caller returns the add-on ID.
//
// The browser starts the host only for an extension its host manifest
// admits; Caller lets the host narrow that further by policy
// (BrowserExtensions, docs/products.md).
func Caller(args []string) (string, error) {
	for _, a := range args {
		if id, ok := extension.OriginID(a); ok {
			if !extension.IsChromeID(id) {
				return "", fmt.Errorf("caller %q is not a chrome-extension://ID/ origin", a)
			}
			return id, nil
		}
	}
	// Firefox: the manifest's path, then the add-on ID.
	if len(args) == 2 && strings.HasSuffix(args[0], ".json") && extension.IsFirefoxID(args[1]) {
		return args[1], nil
	}
	if len(args) == 0 {
		return "", errors.New("the browser named no calling extension (no arguments)")
	}
	return "", fmt.Errorf("no calling extension in the arguments %q", args)
}
