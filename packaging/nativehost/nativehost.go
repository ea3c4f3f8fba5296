// Package nativehost writes the browser native-messaging host manifests that
// let the WalkMe extension reach the agent (through `walkme-agent native-host`).
package nativehost

import (
	"encoding/json"
	"fmt"

	"github.com/walkme/session-agent/browser/extension"
)

// Name is the native-messaging host name the extension connects to.
const Name = "com.walkme.agent"

// Manifest is a browser native-messaging host manifest. Chromium
// browsers use AllowedOrigins, Firefox AllowedExtensions.
type Manifest struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Path              string   `json:"path"`
	Type              string   `json:"type"`
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	AllowedExtensions []string `json:"allowed_extensions,omitempty"`
}

// Manifests returns the Chromium-family and Firefox manifests for
// a host executable at hostPath.
func Manifests(hostPath string, chromeIDs, firefoxIDs []string) (chromium, firefox []byte, err error) {
	m := Manifest{Name: Name, Description: "WalkMe Session Agent", Path: hostPath, Type: "stdio"}
	c := m
	for _, id := range chromeIDs {
		if !extension.IsChromeID(id) {
			return nil, nil, fmt.Errorf("chrome extension ID %q: want 32 letters a-p", id)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, extension.Origin(id))
	}
	f := m
	f.AllowedExtensions = firefoxIDs
	if chromium, err = json.MarshalIndent(c, "", "  "); err != nil {
		return nil, nil, err
	}
	if firefox, err = json.MarshalIndent(f, "", "  "); err != nil {
		return nil, nil, err
	}
	return append(chromium, '\n'), append(firefox, '\n'), nil
}
