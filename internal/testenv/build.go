package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
)

// BuildOptions says how Build builds.
type BuildOptions struct {
	// Release builds as `make build` does: no cgo, -trimpath, stripped.
	Release bool
	// Race builds with the race detector.
	Race bool
	// GOOS and GOARCH cross-compile; empty means this machine's.
	GOOS, GOARCH string
}

// Build builds the module's commands (names under ./cmd, such as
// "walkme-agent", or a test tool's path from the module root, such as
// "e2e/wintool") into dir with the go tool, and returns each binary's path
// by name. Tests build once per run (a sync.Once, or TestMain) and share the
// binaries.
func Build(dir string, o BuildOptions, names ...string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"build", "-o", dir}
	if o.Release {
		args = append(args, "-trimpath", "-ldflags", "-s -w")
	}
	if o.Race {
		args = append(args, "-race")
	}
	paths := make(map[string]string, len(names))
	for _, name := range names {
		pkg := "github.com/walkme/session-agent/cmd/" + name
		if strings.Contains(name, "/") {
			pkg = "github.com/walkme/session-agent/" + name
		}
		args = append(args, pkg)
		paths[name] = filepath.Join(dir, path.Base(name))
		if o.GOOS == "windows" || (o.GOOS == "" && runtime.GOOS == "windows") {
			paths[name] += ".exe"
		}
	}
	cmd := exec.Command(GoTool(), args...)
	cmd.Env = os.Environ()
	if o.Release {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if o.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+o.GOOS)
	}
	if o.GOARCH != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+o.GOARCH)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %v: %v\n%s", names, err, out)
	}
	return paths, nil
}
