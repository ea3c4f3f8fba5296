package session

import "time"

// Policy holds the renewal settings the machine follows.
type Policy struct {
	// RenewInterval is the renewal cadence while a product is open (15m).
	RenewInterval time.Duration
	// FallbackTimeout is the session lifetime assumed when the server does not
	// say (the InactivityTimeout setting, 24h).
	FallbackTimeout time.Duration
	// RetryMin and RetryMax bound the backoff after a failed renewal.
	RetryMin, RetryMax time.Duration
	// WakeSpread bounds the jitter before the renewal that follows a wake,
	// a reconnect or a product opening (default 1.5s, at most a quarter of
	// the cadence): it keeps a fleet whose network returns at once from
	// renewing in one burst, and still renews within 2 s.
	WakeSpread time.Duration
	// Jitter returns a number in [0, 1) that spreads retries and wake
	// renewals. Nil means no jitter: tests stay exact.
	Jitter func() float64
}

func (p Policy) withDefaults() Policy {
	if p.RenewInterval <= 0 {
		p.RenewInterval = 15 * time.Minute
	}
	if p.FallbackTimeout <= 0 {
		p.FallbackTimeout = 24 * time.Hour
	}
	if p.RetryMin <= 0 {
		p.RetryMin = 2 * time.Second
	}
	if p.RetryMax <= 0 {
		p.RetryMax = 5 * time.Minute
	}
	if p.WakeSpread <= 0 {
		p.WakeSpread = 1500 * time.Millisecond
	}
	return p
}

// wakeDelay is how long after a wake or reconnect this agent renews.
func (p Policy) wakeDelay(cadence time.Duration) time.Duration {
	if p.Jitter == nil {
		return 0
	}
	return time.Duration(float64(min(p.WakeSpread, cadence/4)) * p.Jitter())
}

// backoff is the wait before retry n (n >= 1): doubling from RetryMin, capped
// at RetryMax and at the cadence, then spread by jitter over its last
// quarter, [0.75 d, d]. The jitter only ever shortens the wait, so the cap
// holds (a spread of ±25% let a retry come 25% later than RetryMax and than
// the renewal it stands in for).
func (p Policy) backoff(n int, cadence time.Duration) time.Duration {
	d := p.RetryMin
	for i := 1; i < n && d < p.RetryMax; i++ {
		d *= 2
	}
	d = min(d, p.RetryMax, max(cadence, p.RetryMin))
	if p.Jitter != nil {
		d -= time.Duration(float64(d/4) * p.Jitter())
	}
	return d
}

// Bounds of a renewal request's own timeout: at least minRequestTimeout, so
// that a short dev-mode cadence does not cut off a loaded server, and at
// most maxRequestTimeout, the HTTP client's own limit.
const (
	minRequestTimeout = 5 * time.Second
	maxRequestTimeout = 30 * time.Second
)

// requestTimeout is how long one renewal request may wait for its answer:
// a cadence, within [minRequestTimeout, maxRequestTimeout]. A server that
// stalls then costs one retry's worth of time, not a whole cadence's
// renewals.
func (p Policy) requestTimeout(cadence time.Duration) time.Duration {
	return min(max(cadence, minRequestTimeout), maxRequestTimeout)
}
