package keychain

import (
	"context"
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// systemKeychain is the OS keychain through go-keyring.
//
// On Linux go-keyring talks to the Secret Service over godbus's shared
// session-bus connection (dbus.SessionBus), not a private one. That is fine:
// the keychain is used only in the agent process, and the tray, whose
// fyne.io/systray must not share a connection that carries foreign signals,
// runs in a process of its own (docs/design.md §3.3).
type systemKeychain struct {
	service, account string
	guard            *guard
}

func newSystem(opts Options) *systemKeychain {
	return &systemKeychain{service: opts.Service, account: opts.Account, guard: newGuard(opts.Timeout)}
}

func (s *systemKeychain) Backend() Backend { return BackendSystem }

func (s *systemKeychain) Get(ctx context.Context) ([]byte, error) {
	var secret string
	err := s.guard.do(ctx, func() error {
		v, err := keyring.Get(s.service, s.account)
		secret = v
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read the entry", err)
	}
	return []byte(secret), nil
}

func (s *systemKeychain) Set(ctx context.Context, secret []byte) error {
	if err := checkSecret(secret); err != nil {
		return err
	}
	value := string(secret)
	err := s.guard.do(ctx, func() error { return keyring.Set(s.service, s.account, value) })
	if err != nil {
		return s.fail("store the entry", err)
	}
	return nil
}

func (s *systemKeychain) Delete(ctx context.Context) error {
	err := s.guard.do(ctx, func() error { return keyring.Delete(s.service, s.account) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return s.fail("delete the entry", err)
	}
	return nil
}

// Probe reads the entry: that needs the keychain reachable and unlocked, and
// changes nothing. The value read is dropped at once.
func (s *systemKeychain) Probe(ctx context.Context) error {
	err := s.guard.do(ctx, func() error {
		_, err := keyring.Get(s.service, s.account)
		return err
	})
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return s.fail("reach the keychain", err)
	}
	return nil
}

// fail wraps err with the backend, what was being done and how to fix it.
// err never carries the secret: go-keyring's errors are the OS's.
func (s *systemKeychain) fail(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("keychain (system, %s): could not %s: %w", osKeychainName, what, err)
	}
	return fmt.Errorf("keychain (system, %s): could not %s: %w: %s", osKeychainName, what, err, hint(err))
}
