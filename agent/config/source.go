package config

import "fmt"

// SourceKind is the kind of place a setting came from.
type SourceKind string

// String is the kind's name, as logs and tests print it.
func (k SourceKind) String() string { return string(k) }

// Source kinds, lowest precedence first.
const (
	KindDefault  SourceKind = "default"  // built in
	KindRegistry SourceKind = "registry" // Windows: the machine configuration the MSI writes (platform/policy.MachineKey)
	KindMachine  SourceKind = "machine"  // the machine-wide config file
	KindUser     SourceKind = "user"     // the user's config file
	KindFile     SourceKind = "file"     // a file named by --config
	KindEnv      SourceKind = "env"      // a file named by $WALKME_AGENT_CONFIG
	KindPolicy   SourceKind = "policy"   // managed policy (MDM, Group Policy): locked
)

// Source says where a value came from.
type Source struct {
	Kind SourceKind
	Path string // file path or registry key; empty for defaults
}

// String names the source the way a user or an admin reads it.
func (s Source) String() string {
	switch s.Kind {
	case KindDefault, "":
		return "default"
	case KindRegistry:
		return "machine registry " + s.Path
	case KindMachine:
		return "machine file " + s.Path
	case KindUser:
		return "user file " + s.Path
	case KindFile:
		return "config file " + s.Path
	case KindEnv:
		return "config file " + s.Path + " (from $WALKME_AGENT_CONFIG)"
	case KindPolicy:
		return "managed policy " + s.Path
	}
	return string(s.Kind) + " " + s.Path
}

// isFile reports whether the source is a config file, whose relative paths
// are resolved against the file's directory.
func (s Source) isFile() bool {
	switch s.Kind {
	case KindMachine, KindUser, KindFile, KindEnv:
		return true
	}
	return false
}

// Setting is one key of a loaded configuration, for `config show`.
type Setting struct {
	Key    string
	Value  string // display form: durations shortened ("15m"), lists comma-joined
	Source Source // where the effective value came from
	Locked bool   // set by managed policy: the user cannot change it
}

// Layer is one source of settings, with values as decoded from JSON, a
// plist or the registry: strings (durations too), []any or []string for
// lists, bool (or a 0/1 integer) for DevMode.
type Layer struct {
	Source Source
	Values map[string]any
}

// Error is a problem with one key (or, with Key empty, a whole source).
type Error struct {
	Source Source // zero when the error comes from Config.Validate alone
	Key    string
	Err    error
}

func (e *Error) Error() string {
	msg := "config: "
	if e.Source.Kind != "" {
		msg += e.Source.String() + ": "
	}
	if e.Key != "" {
		msg += e.Key + ": "
	}
	return msg + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(src Source, key, format string, args ...any) *Error {
	return &Error{Source: src, Key: key, Err: fmt.Errorf(format, args...)}
}
