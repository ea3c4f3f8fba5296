package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/walkme/session-agent/platform/keychain"
)

// keeper writes the keychain entry off the loop goroutine, so that a
// keychain that is slow, locked or hanging never holds up the local API.
//
// The loop says what the entry must hold (put); the keeper writes the latest
// such wish. A write that fails is retried with backoff, from the keeper's
// own timer (no other input re-arms it), until it lands or a newer wish
// replaces it. So a rotated token the keychain refused is never dropped in
// favour of the superseded one still stored there, and a failed delete of an
// ended session is tried again until the entry is gone.
type keeper struct {
	kc  keychain.Keychain
	log *slog.Logger
	// minBackoff and maxBackoff bound the wait between failed attempts.
	minBackoff, maxBackoff time.Duration

	// changed wakes the loop after every attempt, to publish the health.
	changed chan struct{}

	mu      sync.Mutex
	next    *wish         // the newest wish not yet taken by the keeper goroutine
	wake    chan struct{} // capacity 1: a wish was put
	failing error         // the last attempt's error; nil once one succeeded
	pending bool          // a wish is not written yet
}

// wish is one state of the entry: a record to store, or none (delete).
type wish struct {
	secret []byte     // nil: delete the entry
	done   chan error // capacity 1: the outcome of the first attempt
}

// errSuperseded answers a wish that a newer one replaced before it was tried.
var errSuperseded = errors.New("keychain: replaced by a newer write before it was tried")

func newKeeper(kc keychain.Keychain, log *slog.Logger) *keeper {
	return &keeper{
		kc: kc, log: log, minBackoff: time.Second, maxBackoff: 10 * time.Second,
		changed: make(chan struct{}, 1), wake: make(chan struct{}, 1),
	}
}

// put asks for the entry to hold secret (nil: no entry) and returns a
// channel that receives the outcome of the first attempt to write it. The
// keeper goes on retrying a failed write; the caller decides what the first
// failure means (a sign-in is undone, a rotated token is kept in memory).
func (k *keeper) put(secret []byte) <-chan error {
	done := make(chan error, 1)
	w := &wish{secret: secret, done: done}
	k.mu.Lock()
	if k.next != nil {
		k.next.done <- errSuperseded
	}
	k.next = w
	k.pending = true
	k.mu.Unlock()
	signal(k.wake)
	return done
}

// health reports whether the keychain is failing and whether a write is
// still owed to it. Safe from any goroutine.
func (k *keeper) health() (failing error, pending bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.failing, k.pending
}

// run writes wishes until ctx ends.
func (k *keeper) run(ctx context.Context) {
	var cur *wish
	failures := 0
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		case <-retry.C:
		}
		k.mu.Lock()
		if k.next != nil {
			cur, k.next, failures = k.next, nil, 0
		}
		k.mu.Unlock()
		if cur == nil {
			continue
		}
		err := k.write(ctx, cur)
		if cur.done != nil {
			cur.done <- err
			cur.done = nil
		}
		k.mu.Lock()
		k.failing = err
		if err == nil {
			cur = nil
			k.pending = k.next != nil
		}
		k.mu.Unlock()
		signal(k.changed)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := k.backoff(failures)
			k.log.Error("keychain write failed; keeping the session in memory and trying again",
				"in", wait, "err", err)
			retry.Reset(wait)
		}
	}
}

func (k *keeper) write(ctx context.Context, w *wish) error {
	if w.secret == nil {
		return k.kc.Delete(ctx)
	}
	return k.kc.Set(ctx, w.secret)
}

// backoff doubles from minBackoff up to maxBackoff.
func (k *keeper) backoff(failures int) time.Duration {
	d := k.minBackoff
	for i := 1; i < failures && d < k.maxBackoff; i++ {
		d *= 2
	}
	return min(d, k.maxBackoff)
}

// signal wakes whoever waits on ch (capacity 1) without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
