package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestAgentLinksNoServer keeps the binary every laptop runs to what a laptop
// needs: the reference service, its stores and the test-only browser stand-in
// live in walkme-sessiond and walkme-demo, never here.
func TestAgentLinksNoServer(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		cmd := exec.Command(testenv.GoTool(), "list", "-deps", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps (%s): %v\n%s", goos, err, out)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			if forbidden(dep) {
				t.Errorf("walkme-agent (%s) links %s", goos, dep)
			}
		}
	}
}

func forbidden(dep string) bool {
	const mod = "github.com/walkme/session-agent/"
	for _, p := range []string{mod + "server", mod + "internal/weblogin", mod + "internal/testenv", "modernc.org/sqlite", "github.com/redis/"} {
		if dep == p || strings.HasPrefix(dep, p+"/") {
			return true
		}
	}
	return false
}
