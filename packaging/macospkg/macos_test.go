package macospkg

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/walkme/session-agent/packaging/macpkg"
)

func entry(t *testing.T, p *macpkg.Package, path string) macpkg.Entry {
	t.Helper()
	for _, e := range p.Payload.Entries {
		if e.Path == path {
			return e
		}
	}
	t.Fatalf("payload lacks %s", path)
	return macpkg.Entry{}
}

func TestAgentPackage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "walkme-agent")
	if err := os.WriteFile(bin, []byte("\xcf\xfa\xed\xfe fake mach-o"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Agent(Options{Version: "1.2.3", Binary: bin, MTime: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if e := entry(t, p, AppExecutable); e.Mode != 0o755 || !bytes.HasPrefix(e.Data, []byte("\xcf\xfa\xed\xfe")) {
		t.Errorf("executable %v", e.Mode)
	}
	var info map[string]any
	if _, err := plist.Unmarshal(entry(t, p, AppBundle+"/Contents/Info.plist").Data, &info); err != nil {
		t.Fatal(err)
	}
	if info["LSUIElement"] != true || info["CFBundleIdentifier"] != "com.walkme.agent" ||
		info["CFBundleExecutable"] != "walkme-agent" || info["CFBundleShortVersionString"] != "1.2.3" {
		t.Errorf("Info.plist = %v", info)
	}
	for path, arg := range map[string]string{AgentPlist: "run", TrayPlist: "tray"} {
		var la map[string]any
		if _, err := plist.Unmarshal(entry(t, p, path).Data, &la); err != nil {
			t.Fatal(err)
		}
		args, _ := la["ProgramArguments"].([]any)
		ka, _ := la["KeepAlive"].(map[string]any)
		if !slices.Equal(args, []any{"/" + AppExecutable, arg}) || ka["SuccessfulExit"] != false ||
			la["LimitLoadToSessionType"] != "Aqua" || la["RunAtLoad"] != true {
			t.Errorf("%s = %v", path, la)
		}
		if want := strings.TrimSuffix(filepath.Base(path), ".plist"); la["Label"] != want {
			t.Errorf("%s Label = %v, want %s", path, la["Label"], want)
		}
	}
	if e := entry(t, p, "Applications"); e.GID != 80 || e.Mode.Perm() != 0o775 {
		t.Errorf("/Applications %v gid %d, want 0775 root:admin", e.Mode, e.GID)
	}
	post := string(p.Scripts["postinstall"])
	for _, want := range []string{"stat -f %Su /dev/console", `launchctl bootstrap "gui/$uid"`, "com.walkme.agent.tray"} {
		if !strings.Contains(post, want) {
			t.Errorf("postinstall lacks %q", want)
		}
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("xar!")) {
		t.Fatalf("write: %v", err)
	}
}

func TestMobileconfig(t *testing.T) {
	b, err := Mobileconfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	var profile struct {
		PayloadType    string
		PayloadScope   string
		PayloadContent []map[string]any
	}
	if _, err := plist.Unmarshal(b, &profile); err != nil {
		t.Fatal(err)
	}
	if profile.PayloadType != "Configuration" || profile.PayloadScope != "System" || len(profile.PayloadContent) != 1 {
		t.Fatalf("profile = %+v", profile)
	}
	pl := profile.PayloadContent[0]
	if pl["PayloadType"] != "com.walkme.agent" || pl["RenewInterval"] != "15m" || pl["ServerURL"] == nil {
		t.Errorf("payload = %v", pl)
	}
	if _, ok := pl["PresenceProcesses"].([]any); !ok {
		t.Errorf("PresenceProcesses is %T, want a list", pl["PresenceProcesses"])
	}
	// The committed template is what this code writes.
	committed, err := os.ReadFile("com.walkme.agent.mobileconfig")
	if err != nil || !bytes.Equal(committed, b) {
		t.Errorf("packaging/macospkg/com.walkme.agent.mobileconfig is stale (%v): run go run ./packaging/cmd/mkpkg -format mobileconfig -bin - -o packaging/macospkg/com.walkme.agent.mobileconfig", err)
	}
}
