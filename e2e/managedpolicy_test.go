//go:build linux

package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/packaging/nativehost"
)

// chromiumPolicies is where Debian's Chromium reads machine policy, the
// place docs/deploy/browser-extension.md tells Linux admins to use.
const chromiumPolicies = "/etc/chromium/policies/managed"

// TestExtensionReadsManagedPolicyInChromium: IT sets the WalkMe host
// patterns and the heartbeat by policy, and the extension follows them.
// The extension's own defaults name a host the page is not on, so the
// page signs in and the agent turns active only if the extension read the
// policy from managed storage (chrome.storage.managed, under its schema).
//
// The policy file is machine-wide, so this copy of the extension gets an
// ID of its own (a fresh manifest key) and the policy names only that ID:
// Chromium runs of other tests, with the shipped ID, are not touched.
func TestExtensionReadsManagedPolicyInChromium(t *testing.T) {
	testenv.Root(t)
	testenv.Command(t, "chromium")
	a, pageURL, ext, host := policyRig(t)
	id := rekey(t, ext)
	if err := os.MkdirAll(chromiumPolicies, 0o755); err != nil {
		t.Fatal(err)
	}
	policy := filepath.Join(chromiumPolicies, "walkme-test-"+id+".json")
	writeJSON(t, policy, map[string]any{"3rdparty": map[string]any{"extensions": map[string]any{
		id: map[string]any{"hostPatterns": []string{pageURL + "*"}, "heartbeatSeconds": 1},
	}}})
	t.Cleanup(func() { os.Remove(policy) })

	profile := t.TempDir()
	manifest, _, err := nativehost.Manifests(host, []string{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	installHostManifest(t, filepath.Join(profile, "NativeMessagingHosts"), manifest)
	policyFollowed(t, a, launchChromium(t, pageURL, ext, profile), "browser:chromium")
}

// policyRig is a signed-in agent and the WalkMe page, with a copy of the
// extension whose own defaults name a host the page is not on (and a 30 s
// heartbeat), so that only a policy makes the page a WalkMe page.
func policyRig(t *testing.T) (a *agentEnv, pageURL, ext, host string) {
	t.Helper()
	f := startFront(t)
	a = newAgentEnv(t, f.issuer, nil)
	a.start()
	a.login()
	pageURL, ext, host = walkMeSetup(t, a, f.issuer)
	writeJSON(t, filepath.Join(ext, "defaults.json"), map[string]any{"hostPatterns": []string{"https://walkme.invalid/*"}, "heartbeatSeconds": 30})
	return a, pageURL, ext, host
}

// policyFollowed opens the WalkMe page in b: it signs in and the agent
// turns active with the extension's heartbeat (source) only if the
// extension took the page's host from the policy; and closing the tab
// makes the agent idle within the policy's 1 s heartbeat (a 3 s
// presence), not the defaults' 30 s.
func policyFollowed(t *testing.T, a *agentEnv, b walkMeBrowser, source string) {
	t.Helper()
	_, closeTab := tabSignsIn(t, a, b, source)
	defer closeTab()
	closeTab()
	a.awaitStatus(15*time.Second, "idle once the tab is closed", func(st localapi.Status) bool {
		return st.State == localapi.StateIdle
	})
}

// firefoxPolicies is the one machine-wide policy file of Firefox on Linux,
// the place docs/deploy/browser-extension.md tells Linux admins to use.
// Debian's firefox-esr reads it too (not /etc/firefox-esr/policies).
const firefoxPolicies = "/etc/firefox/policies/policies.json"

// TestExtensionReadsManagedPolicyInFirefox is
// TestExtensionReadsManagedPolicyInChromium in Firefox: the extension's
// defaults name a host the page is not on, and the policy in
// /etc/firefox/policies/policies.json ("3rdparty" → "Extensions" → the
// add-on's ID) names the page's host and a 1 s heartbeat. The page signs in
// and the agent turns active with browser:firefox only if the extension
// read them from managed storage (browser.storage.managed), which Firefox
// fills from that policy, for a temporary add-on too.
//
// Firefox has one policy file for the machine: the test adds its entry to
// whatever the file holds, under a lock other test binaries take too, and
// puts the file back as it was. This copy of the extension has a gecko ID
// of its own, so the entry reaches no other test's extension.
func TestExtensionReadsManagedPolicyInFirefox(t *testing.T) {
	testenv.Root(t)
	testenv.Command(t, "firefox-esr")
	a, pageURL, ext, host := policyRig(t)
	id := regecko(t, ext)
	addFirefoxPolicy(t, id, map[string]any{"hostPatterns": []string{pageURL + "*"}, "heartbeatSeconds": 1})
	// Firefox reads the policy file once, at its start.
	policyFollowed(t, a, launchFirefox(t, pageURL, ext, id, firefoxHome(t, host, id)), "browser:firefox")
}

// addFirefoxPolicy adds the managed storage of the add-on id to Firefox's
// machine-wide policy file, keeping what the file holds, and restores the
// file (or its absence) when the test ends.
func addFirefoxPolicy(t *testing.T, id string, storage map[string]any) {
	t.Helper()
	// First, so the file is restored before the lock goes.
	testenv.Exclusive(t, "firefox-policies")
	old, err := os.ReadFile(firefoxPolicies)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	doc := map[string]any{}
	if existed {
		if err := json.Unmarshal(old, &doc); err != nil {
			t.Fatalf("%s is not JSON, so the test leaves it alone: %v", firefoxPolicies, err)
		}
	}
	// Directories this test makes go again with the file.
	var made []string
	for d := filepath.Dir(firefoxPolicies); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append(made, d)
	}
	t.Cleanup(func() {
		if existed {
			if err := os.WriteFile(firefoxPolicies, old, 0o644); err != nil {
				t.Errorf("restore %s: %v", firefoxPolicies, err)
			}
			return
		}
		os.Remove(firefoxPolicies)
		for _, d := range made {
			os.Remove(d)
		}
	})
	if err := os.MkdirAll(filepath.Dir(firefoxPolicies), 0o755); err != nil {
		t.Fatal(err)
	}
	policies := child(doc, "policies")
	child(child(policies, "3rdparty"), "Extensions")[id] = storage
	writeJSON(t, firefoxPolicies, doc)
}

// child is m[key] as an object, made when it is missing.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// regecko gives the extension in dir a gecko ID of its own and returns it.
func regecko(t *testing.T, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "manifest.json")
	var m map[string]any
	b, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	gecko := child(child(m, "browser_specific_settings"), "gecko")
	if gecko["id"] != extension.FirefoxID {
		t.Fatalf("the manifest's gecko ID is %v, want %s", gecko["id"], extension.FirefoxID)
	}
	r := make([]byte, 8)
	rand.Read(r)
	id := "walkme-test-" + hex.EncodeToString(r) + "@walkme.com"
	gecko["id"] = id
	writeJSON(t, file, m)
	return id
}

// rekey gives the extension in dir a fresh manifest key and returns the
// extension ID that key makes.
func rekey(t *testing.T, dir string) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "manifest.json")
	var m map[string]any
	b, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	// The shipped key gives the shipped ID, or the ID below means nothing.
	if shipped, err := base64.StdEncoding.DecodeString(m["key"].(string)); err != nil || chromeID(shipped) != extension.ID {
		t.Fatalf("the manifest's key does not make the extension's ID %s (%v)", extension.ID, err)
	}
	m["key"] = base64.StdEncoding.EncodeToString(der)
	writeJSON(t, file, m)
	return chromeID(der)
}

// chromeID is the extension ID a manifest key (a DER public key) makes:
// the first 128 bits of its SHA-256, written with the letters a–p for 0–f.
func chromeID(der []byte) string {
	sum := sha256.Sum256(der)
	id := make([]byte, 32)
	for i, c := range sum[:16] {
		id[2*i], id[2*i+1] = 'a'+c>>4, 'a'+c&0xf
	}
	return string(id)
}

func writeJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(file, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}
