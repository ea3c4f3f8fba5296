// Package keychain keeps the agent's one secret (the refresh token and the
// session metadata, as one small JSON value) in the operating system's
// keychain: the Secret Service on Linux, the login keychain on macOS and the
// Credential Manager on Windows, through github.com/zalando/go-keyring.
//
// Every call is bounded by a timeout, because go-keyring has none and a
// Secret Service that never answers would block the agent forever. There is
// no plaintext fallback: without a keychain the error says so and how to fix
// it. The "memory" backend exists for tests and the demo only.
package keychain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/user"
	"time"
)

// ErrNotFound is returned by Get when the keychain holds no entry.
var ErrNotFound = errors.New("keychain: no entry")

// MaxSecretSize is the largest secret Set accepts. It is the Windows
// Credential Manager's limit, enforced on every OS so that an entry written on
// one platform never fails only on another.
const MaxSecretSize = 2560

// DefaultTimeout bounds every keychain call when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Backend is where the secret lives: the KeychainBackend setting.
type Backend string

// String is the backend's name, as the KeychainBackend setting spells it.
func (b Backend) String() string { return string(b) }

// The backends.
const (
	BackendSystem Backend = "system" // the OS keychain
	BackendMemory Backend = "memory" // the agent's memory: tests and the demo only
)

// Options configures Open.
type Options struct {
	// Backend is BackendSystem (the default, also for "") or BackendMemory.
	Backend Backend
	// Service names the entry, e.g. com.walkme.agent.
	Service string
	// Account is the OS user name; the current user's when empty.
	Account string
	// Timeout bounds every call; DefaultTimeout when zero.
	Timeout time.Duration
	// Logger receives warnings; slog.Default() when nil.
	Logger *slog.Logger
	// Memory is the store the memory backend uses, so that two Opens (an
	// agent restart inside the demo, say) can share one. A fresh, empty store
	// when nil. Ignored by the system backend.
	Memory *MemoryStore
}

// Keychain holds one secret: the entry named by Options.Service and Account.
type Keychain interface {
	// Get returns the secret, or ErrNotFound when there is none.
	Get(ctx context.Context) ([]byte, error)
	// Set stores secret, replacing any previous one.
	Set(ctx context.Context, secret []byte) error
	// Delete removes the entry; it returns nil when there is none.
	Delete(ctx context.Context) error
	// Probe reports whether the keychain is reachable and unlocked, for
	// `walkme-agent doctor`. Its error says how to fix the problem.
	Probe(ctx context.Context) error
	// Backend names the backend.
	Backend() Backend
}

// Open returns the keychain that opts describe. It does not contact the
// keychain: Probe does.
func Open(opts Options) (Keychain, error) {
	if opts.Service == "" {
		return nil, errors.New("keychain: no service name configured (KeychainService)")
	}
	if opts.Account == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("keychain: no account given and the current user is unknown: %w", err)
		}
		opts.Account = u.Username
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	switch opts.Backend {
	case "", BackendSystem:
		return newSystem(opts), nil
	case BackendMemory:
		opts.Logger.Warn("keychain: using the in-memory backend: the session is NOT stored in the OS keychain " +
			"and is lost when the agent exits; use it for tests and the demo only (KeychainBackend=system for real use)")
		store := opts.Memory
		if store == nil {
			store = NewMemoryStore()
		}
		return &memoryKeychain{store: store, key: entryKey{opts.Service, opts.Account}}, nil
	default:
		return nil, fmt.Errorf("keychain: unknown backend %q (KeychainBackend must be %q or %q)",
			opts.Backend, BackendSystem, BackendMemory)
	}
}

// checkSecret rejects what no backend may store.
func checkSecret(secret []byte) error {
	if len(secret) == 0 {
		return errors.New("keychain: refusing to store an empty secret (use Delete to remove the entry)")
	}
	if len(secret) > MaxSecretSize {
		return fmt.Errorf("keychain: secret is %d bytes, over the %d-byte limit of the Windows Credential Manager "+
			"(applied on every OS)", len(secret), MaxSecretSize)
	}
	return nil
}
