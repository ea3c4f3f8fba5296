// Package config is the agent's configuration model: the settings, their
// defaults, the layers they come from (defaults, machine file, user file,
// managed policy) and the rules a merged configuration must satisfy
// (docs/design.md §6; the session rules cited, R9 and R11, are its §2).
//
// Every key has one PascalCase name used everywhere: the JSON files, macOS
// managed preferences, the Windows registry and the Linux policy file.
package config

import (
	"fmt"
	"reflect"
	"time"
)

// Config is one merged configuration. The field names are the keys.
type Config struct {
	// ServerURL is the OIDC issuer the agent signs in to. Empty means not
	// configured yet: login says so.
	ServerURL string
	// ClientID is the OAuth2 client the agent presents.
	ClientID string
	// RenewInterval is the cadence of renewals while a WalkMe product is open
	// (the core renews every min(RenewInterval, timeout/2), R9).
	RenewInterval time.Duration
	// PresenceProcesses are the process names that count as "a WalkMe
	// product is open".
	PresenceProcesses []string
	// BrowserExtensions are the browser extensions the native-messaging
	// host serves: Chrome/Edge extension IDs and Firefox add-on IDs. Empty
	// serves every extension the installed host manifests admit (the
	// browser checks those first); a list narrows that by policy.
	BrowserExtensions []string
	// PresencePollInterval is how often the process list is scanned.
	PresencePollInterval time.Duration
	// InactivityTimeout is the fallback lapse time when the server does not
	// say how long a session lives without renewal (R11).
	InactivityTimeout time.Duration
	// KeychainService is the service name of the keychain entry.
	KeychainService string
	// KeychainBackend is "system" (the OS keychain) or "memory" (tests and
	// the demo only: nothing survives a restart).
	KeychainBackend string
	// CAFile is an extra PEM bundle of CAs trusted for ServerURL.
	CAFile string
	// AdminCenterURL is where the tray's "Admin Center" item points.
	AdminCenterURL string
	// IdleWarning is how long before an idle session lapses the tray warns
	// the user with a notification; 0 turns the warning off.
	IdleWarning time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// DevMode allows intervals under a minute, for tests and the demo.
	DevMode bool
}

// Default returns the built-in configuration. Each call returns fresh slices.
func Default() Config {
	return Config{
		ClientID:             "walkme-agent",
		RenewInterval:        15 * time.Minute,
		PresenceProcesses:    DefaultPresenceProcesses(),
		PresencePollInterval: 5 * time.Second,
		InactivityTimeout:    24 * time.Hour,
		KeychainService:      "com.walkme.agent",
		KeychainBackend:      "system",
		IdleWarning:          2 * time.Minute,
		LogLevel:             "info",
	}
}

// DefaultPresenceProcesses are the names the WalkMe desktop products run
// under on macOS, Windows (without ".exe") and Linux. The browser-based
// products report presence through the native-messaging host instead.
func DefaultPresenceProcesses() []string {
	return []string{
		"WalkMe Editor", "WalkMeEditor", "walkme-editor",
		"WalkMe Workstation", "WalkMeWorkstation", "walkme-workstation",
	}
}

// Keys returns every key in display order: the order of Config's fields.
func Keys() []string {
	t := reflect.TypeFor[Config]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Name
	}
	return keys
}

// kind is how a key's value is written in a file or policy.
type kind int

const (
	kindString   kind = iota // a string
	kindDuration             // a string holding a Go duration
	kindList                 // an array of strings
	kindBool                 // true or false (or a 0/1 integer from the registry)
)

// String names the kind as error messages say it.
func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindDuration:
		return "duration"
	case kindList:
		return "list of strings"
	case kindBool:
		return "boolean"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

var durationType = reflect.TypeFor[time.Duration]()

func kindOf(t reflect.Type) kind {
	switch {
	case t == durationType:
		return kindDuration
	case t.Kind() == reflect.String:
		return kindString
	case t.Kind() == reflect.Bool:
		return kindBool
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return kindList
	}
	panic("config: unsupported field type " + t.String())
}

// field returns the addressable field of c named key, and its kind.
func field(c *Config, key string) (reflect.Value, kind, bool) {
	v := reflect.ValueOf(c).Elem().FieldByName(key)
	if !v.IsValid() {
		return reflect.Value{}, 0, false
	}
	return v, kindOf(v.Type()), true
}
