package keychain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errTimeout marks a call that the keychain did not answer in time.
var errTimeout = errors.New("the keychain did not answer")

// guard bounds OS keychain calls, which cannot be cancelled: each runs in a
// goroutine and the caller gives up after the timeout. Calls go one at a time,
// so that a keychain that hangs strands at most one goroutine: later calls
// wait for the stuck one (up to their own timeout) instead of piling up.
type guard struct {
	timeout time.Duration
	slot    chan struct{} // capacity 1: held while a call runs
}

func newGuard(timeout time.Duration) *guard {
	return &guard{timeout: timeout, slot: make(chan struct{}, 1)}
}

// do runs fn with the timeout and ctx. fn must not touch the caller's
// variables except through what it returns before do does.
func (g *guard) do(ctx context.Context, fn func() error) error {
	tctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	select {
	case g.slot <- struct{}{}:
	case <-tctx.Done():
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w: an earlier call has still not returned after %v", errTimeout, g.timeout)
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-g.slot }()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-tctx.Done():
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w within %v", errTimeout, g.timeout)
	}
}
