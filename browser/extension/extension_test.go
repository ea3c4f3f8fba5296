package extension

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The manifest's key fixes the extension ID that the native-messaging host
// manifests allow; the Firefox ID and every file the manifest names are
// there; the managed-storage schema and the defaults parse.
func TestManifest(t *testing.T) {
	dir := Dir()
	var m struct {
		ManifestVersion int    `json:"manifest_version"`
		Key             string `json:"key"`
		Background      struct {
			ServiceWorker string   `json:"service_worker"`
			Scripts       []string `json:"scripts"`
		} `json:"background"`
		Permissions []string `json:"permissions"`
		Storage     struct {
			ManagedSchema string `json:"managed_schema"`
		} `json:"storage"`
		Specific struct {
			Gecko struct {
				ID string `json:"id"`
			} `json:"gecko"`
		} `json:"browser_specific_settings"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &m)
	der, err := base64.StdEncoding.DecodeString(m.Key)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	if _, err := x509.ParsePKIXPublicKey(der); err != nil {
		t.Fatalf("key is not a public key: %v", err)
	}
	sum := sha256.Sum256(der)
	id := make([]byte, 32)
	for i, b := range sum[:16] {
		id[2*i], id[2*i+1] = 'a'+b>>4, 'a'+b&0xf
	}
	if string(id) != ID {
		t.Fatalf("the manifest's key makes the ID %s, want %s", id, ID)
	}
	if m.ManifestVersion != 3 || m.Specific.Gecko.ID != FirefoxID {
		t.Fatalf("manifest_version %d, gecko id %q", m.ManifestVersion, m.Specific.Gecko.ID)
	}
	for _, f := range append([]string{m.Background.ServiceWorker, m.Storage.ManagedSchema, "content.js", "defaults.json"}, m.Background.Scripts...) {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the manifest names %q: %v", f, err)
		}
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	readJSON(t, filepath.Join(dir, m.Storage.ManagedSchema), &schema)
	var defaults map[string]any
	readJSON(t, filepath.Join(dir, "defaults.json"), &defaults)
	for k := range defaults {
		if schema.Properties[k] == nil {
			t.Errorf("defaults.json sets %q, which the managed schema does not define", k)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
