package workflows

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

const root = "../.."

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflow files (%v)", err)
	}
	return files
}

// TestActionlint checks the workflows against GitHub Actions' schema and
// semantics (keys, runner labels, expressions, needs, action inputs).
func TestActionlint(t *testing.T) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range workflowFiles(t) {
		errs, err := l.LintFile(f, nil)
		if err != nil {
			t.Fatalf("actionlint %s: %v", f, err)
		}
		for _, e := range errs {
			t.Error(e)
		}
	}
}

// workflow is the part of a workflow file the checks below read.
type workflow struct {
	Jobs map[string]struct {
		RunsOn string `yaml:"runs-on"`
		Steps  []struct {
			Run string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestPlatformsWorkflow checks that the hosted-runner workflow runs on a
// real Mac and a real Windows machine, and that every make target and Go
// package its steps name exists in this tree.
func TestPlatformsWorkflow(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "platforms.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	var runners []string
	var scripts strings.Builder
	for name, job := range wf.Jobs {
		runners = append(runners, job.RunsOn)
		if len(job.Steps) == 0 {
			t.Errorf("job %s has no steps", name)
		}
		for _, s := range job.Steps {
			scripts.WriteString(s.Run + "\n")
		}
	}
	for _, want := range []string{"macos-latest", "windows-latest"} {
		if !slices.Contains(runners, want) {
			t.Errorf("no job runs on %s (runners %q)", want, runners)
		}
	}
	targets := makeTargets(t)
	for _, m := range regexp.MustCompile(`\bmake\s+([a-z][\w-]*)`).FindAllStringSubmatch(scripts.String(), -1) {
		if !targets[m[1]] {
			t.Errorf("the workflow runs `make %s`, which no makefile defines", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?:^|\s)(\./[\w./-]*)`).FindAllStringSubmatch(scripts.String(), -1) {
		if !hasGoFiles(m[1]) {
			t.Errorf("the workflow names the Go package %s, which has no Go files", m[1])
		}
	}
}

// makeTargets returns the targets the Makefile and the makefiles it
// includes define.
func makeTargets(t *testing.T) map[string]bool {
	t.Helper()
	files := []string{filepath.Join(root, "Makefile")}
	more, _ := filepath.Glob(filepath.Join(root, "*", "*.mk"))
	files = append(files, more...)
	rule := regexp.MustCompile(`(?m)^([\w.-]+(?:[ \t]+[\w.-]+)*)[ \t]*:(?:[^=]|$)`)
	targets := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range rule.FindAllStringSubmatch(string(b), -1) {
			for _, name := range strings.Fields(m[1]) {
				targets[name] = true
			}
		}
	}
	if !targets["test"] {
		t.Fatalf("found no rules in %v", files)
	}
	return targets
}

// hasGoFiles reports whether the package pattern ./dir or ./dir/... names
// Go files.
func hasGoFiles(pattern string) bool {
	dir, tree := strings.CutSuffix(pattern, "...")
	dir = filepath.Join(root, dir)
	if !tree {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		return len(files) > 0
	}
	found := false
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
