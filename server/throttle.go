package server

import (
	"sync"
	"time"
)

// throttle slows down password guessing on every password form (sign-in,
// device approval, and so the Admin Center). It counts wrong passwords
// under three keys at once and pauses a key, with a pause that doubles,
// once its free failures are used up (throttleRules):
//
//   - per address and account: the tight one. Whoever guesses one
//     account from one address is paused for up to 15 minutes;
//   - per account, from any address: a ceiling against guessing from
//     many addresses, with a short longest pause (a minute), so an
//     attacker elsewhere can delay the real user a little, never lock
//     them out;
//   - per address, for any account: against trying one password on many
//     accounts, short too, as many people may share one address (NAT).
//
// While any key is paused the password is not checked at all (the right
// one is refused too, and no bcrypt is spent), and parallel attempts are
// admitted only while they cannot overrun a key's free failures (begin).
// A key is forgotten an hour after its last failure; a correct password
// clears its address+account key. The counts live in this process's
// memory: several instances each throttle on their own (docs/sessiond.md,
// "Password throttling").
type throttle struct {
	mu        sync.Mutex
	entries   map[throttleKey]*strikes
	lastPrune time.Time
}

// throttleRule is one kind of key's allowance.
type throttleRule struct {
	free int           // wrong passwords before the first pause
	max  time.Duration // the pause doubles from throttleBase up to this
	what string        // for the activity log
}

type throttleKind uint8

const (
	throttlePair throttleKind = iota // (email, address)
	throttleAccount
	throttleAddress
)

// The allowances; docs/sessiond.md has the same table.
var throttleRules = [...]throttleRule{
	throttlePair:    {free: 5, max: 15 * time.Minute, what: "from this address"},
	throttleAccount: {free: 10, max: time.Minute, what: "from any address"},
	throttleAddress: {free: 30, max: time.Minute, what: "from this address for any user"},
}

const (
	throttleBase   = time.Second
	throttleForget = time.Hour
	// throttleMaxEntries bounds the memory an attacker with many
	// addresses or made-up emails can make the throttle hold.
	throttleMaxEntries = 100_000
)

type throttleKey struct {
	kind           throttleKind
	email, address string
}

type strikes struct {
	failures int
	inflight int       // attempts begun and not yet ended
	last     time.Time // of the last counted failure
	until    time.Time // paused before this
}

// pause is a pause that a failure started.
type pause struct {
	kind     throttleKind
	failures int
	wait     time.Duration
	first    bool // the first pause since the key was last forgotten
}

// attemptResult is how an attempt that begin admitted ended.
type attemptResult uint8

const (
	attemptWrong   attemptResult = iota // wrong email or password: counts
	attemptRight                        // clears the address+account count
	attemptAborted                      // the store failed: counts for nothing
)

func newThrottle() *throttle {
	return &throttle{entries: make(map[throttleKey]*strikes)}
}

func keysFor(email, address string) [3]throttleKey {
	return [3]throttleKey{
		{kind: throttlePair, email: email, address: address},
		{kind: throttleAccount, email: email},
		{kind: throttleAddress, address: address},
	}
}

// begin admits a sign-in for email from address, or says how long it
// must wait first. An admitted attempt holds a place on each of its keys
// until end: a key lets only as many attempts run at once as it has free
// failures left (at least one), so a burst of parallel guesses cannot
// all be checked before the first of them has counted.
func (t *throttle) begin(email, address string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune(now)
	keys := keysFor(email, address)
	var longest time.Duration
	for _, k := range keys {
		s := t.live(k, now)
		switch {
		case s == nil:
		case now.Before(s.until):
			longest = max(longest, s.until.Sub(now))
		case s.inflight >= max(1, throttleRules[k.kind].free-s.failures):
			longest = max(longest, throttleBase)
		}
	}
	if longest > 0 {
		return longest
	}
	for _, k := range keys {
		s := t.live(k, now)
		if s == nil {
			s = &strikes{}
			t.entries[k] = s
		}
		s.inflight++
	}
	return 0
}

// end finishes an attempt that begin admitted, and returns the pauses a
// wrong password started.
func (t *throttle) end(email, address string, now time.Time, result attemptResult) []pause {
	t.mu.Lock()
	defer t.mu.Unlock()
	var started []pause
	for _, k := range keysFor(email, address) {
		s := t.entries[k]
		if s == nil { // evicted meanwhile
			s = &strikes{inflight: 1}
			t.entries[k] = s
		}
		s.inflight--
		switch {
		case result == attemptRight && k.kind == throttlePair:
			s.failures, s.until = 0, time.Time{}
		case result == attemptWrong:
			s.failures++
			s.last = now
			rule := throttleRules[k.kind]
			if over := s.failures - rule.free; over > 0 {
				wait := rule.max
				if over <= 30 && throttleBase<<(over-1) < rule.max {
					wait = throttleBase << (over - 1)
				}
				s.until = now.Add(wait)
				started = append(started, pause{kind: k.kind, failures: s.failures, wait: wait, first: over == 1})
			}
		}
		t.live(k, now) // drops a key left with nothing to remember
	}
	return started
}

// live returns k's strikes unless there are none or they are forgotten
// (no attempt running, not paused, and no failure within throttleForget).
func (t *throttle) live(k throttleKey, now time.Time) *strikes {
	s := t.entries[k]
	if s == nil {
		return nil
	}
	if s.inflight <= 0 && !now.Before(s.until) && (s.failures == 0 || now.Sub(s.last) >= throttleForget) {
		delete(t.entries, k)
		return nil
	}
	return s
}

// prune drops forgotten keys once a minute, and any keys at all beyond
// throttleMaxEntries (the oldest are not worth finding: the map's order
// is random, and a flood that big is the attack itself).
func (t *throttle) prune(now time.Time) {
	if len(t.entries) < throttleMaxEntries && now.Sub(t.lastPrune) < time.Minute {
		return
	}
	t.lastPrune = now
	for k := range t.entries {
		t.live(k, now)
	}
	for k := range t.entries {
		if len(t.entries) < throttleMaxEntries {
			break
		}
		delete(t.entries, k)
	}
}
