// Package presence tells whether a WalkMe product is open: whether one of the
// configured process names matches a running process of the current user.
// Another user's processes never count (docs/design.md §3.3).
//
// It reads the OS directly (Linux /proc, Windows a Toolhelp32 snapshot, macOS
// sysctl kern.proc.all) because it runs every few seconds, and building a
// gopsutil Process per PID costs many times more.
package presence

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// Scanner finds running processes of the current user by name. Its methods
// are safe for concurrent use; it keeps its buffers between scans.
type Scanner struct {
	mu      sync.Mutex
	targets []target
	hits    []bool  // per target, reused by each scan
	os      osState // per-OS buffers and handles
}

// target is one configured name: the name as given, and as matched (without
// a ".exe" or ".app" suffix).
type target struct {
	name string
	base []byte
}

// NewScanner returns a scanner for names such as "WalkMe Editor",
// "walkme-editor" or "WalkMeEditor.exe". Matching is case-insensitive and
// ignores a ".exe" or ".app" suffix on either side.
func NewScanner(names []string) *Scanner {
	s := &Scanner{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || slices.ContainsFunc(s.targets, func(t target) bool { return t.name == n }) {
			continue
		}
		s.targets = append(s.targets, target{name: n, base: []byte(trimSuffix(n))})
	}
	s.hits = make([]bool, len(s.targets))
	return s
}

// Scan returns the configured names that match a running process of the
// current user, sorted and without duplicates; none when no product is open.
// Processes that exit during the scan are skipped.
func (s *Scanner) Scan() (open []string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.targets) == 0 {
		return nil, nil
	}
	clear(s.hits)
	if err := s.scan(); err != nil {
		return nil, err
	}
	for i, hit := range s.hits {
		if hit {
			open = append(open, s.targets[i].name)
		}
	}
	slices.Sort(open)
	return open, nil
}

// trimSuffix drops a ".exe" or ".app" suffix, in any case.
func trimSuffix[S ~string | ~[]byte](s S) S {
	if n := len(s); n > 4 && (strings.EqualFold(string(s[n-4:]), ".exe") || strings.EqualFold(string(s[n-4:]), ".app")) {
		return s[:n-4]
	}
	return s
}

// matches reports whether the full process name proc is target t.
func (t *target) matches(proc []byte) bool {
	return bytes.EqualFold(trimSuffix(proc), t.base)
}

// mayBe reports whether a name the OS truncated to comm (all of its limit
// bytes) may be target t: t, or t with a suffix, starts with comm.
func (t *target) mayBe(comm []byte) bool {
	n := len(comm)
	if len(t.base) >= n {
		return bytes.EqualFold(t.base[:n], comm)
	}
	// t.base is shorter: comm must be t.base plus (part of) a suffix.
	if !bytes.EqualFold(t.base, comm[:len(t.base)]) {
		return false
	}
	rest := comm[len(t.base):]
	return len(rest) <= 4 && (bytes.EqualFold(rest, []byte(".exe")[:len(rest)]) ||
		bytes.EqualFold(rest, []byte(".app")[:len(rest)]))
}

// baseName returns the last element of a slash-separated path.
func baseName(p []byte) []byte {
	if i := bytes.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
