//go:build linux

package bench

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/walkme/session-agent/agent/session"
	"github.com/walkme/session-agent/server"
)

// The fleet simulation: agents that speak the real protocol over HTTP to a
// real walkme-sessiond whose clock is virtual. Virtual time advances from
// event to event in steps of simStep; the server's clock stands at each
// step while that step's requests are served, concurrently, over loopback.
// So a working day takes minutes, the request rates are per virtual second,
// and the latencies are real.
//
// Two kinds of agent run side by side, each with its own sessions: the
// real agent's rules (agent/session's Machine, fed the same events the
// agent's runner feeds it), and a naive client that refreshes every 15
// minutes on a ticker and reports nothing about use.

const simStep = 100 * time.Millisecond

// vclock is the server's clock.
type vclock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *vclock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *vclock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// step rounds t up to the simulation's grid.
func step(t time.Time) time.Time {
	if r := t.Sub(t.Truncate(simStep)); r > 0 {
		return t.Truncate(simStep).Add(simStep)
	}
	return t
}

// plan is what one user does: signs in with a product open, maybe closes
// the laptop for the 8:50 meeting and opens it at 9:00, and maybe stops
// later (closes the product, or the lid) for the rest of the day.
type plan struct {
	account        string
	timeout        time.Duration
	signIn         time.Time
	meeting        bool
	lidClose, wake time.Time // the meeting
	stop           time.Time // zero: works to the end
	stopLid        bool      // the stop closes the lid (else the product)
}

// cadence is the real agent's: min(15 min, timeout/2).
func (p plan) cadence() time.Duration { return min(15*time.Minute, p.timeout/2) }

// The rules (docs/design.md §2) bound when a session may lapse: never while
// in use, nor within timeout - cadence of the last use (the agent renews
// at least once a cadence while in use, and at the close); and it must be
// over one timeout after the last use. simSlack covers the step.
const simSlack = time.Second

// mustBeLive: the session may not be over at t. The meeting is shorter
// than timeout - cadence for every user who has one (see newPlans).
func (p plan) mustBeLive(t time.Time) bool {
	if p.stop.IsZero() || t.Before(p.stop) {
		return true
	}
	return t.Before(p.stop.Add(p.timeout - p.cadence() - simSlack))
}

// mustBeOver: the session may not be live at t.
func (p plan) mustBeOver(t time.Time) bool {
	return !p.stop.IsZero() && t.After(p.stop.Add(p.timeout+simSlack))
}

// promiseOK: a renewal at t that keeps the session live until deadline
// promises nothing past one timeout after the last use.
func (p plan) promiseOK(t, deadline time.Time) bool {
	if p.stop.IsZero() || !t.After(p.stop.Add(simSlack)) {
		return true // still in use: the deadline counts from now
	}
	return !deadline.After(p.stop.Add(p.timeout + simSlack))
}

// fleetDay is the simulated morning.
type fleetDay struct {
	start, wake, end time.Time
	accounts         []fleetAccount
}

type fleetAccount struct {
	name    string
	timeout time.Duration
	share   float64
}

func newFleetDay() fleetDay {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	return fleetDay{
		start: day.Add(8*time.Hour + 30*time.Minute), wake: day.Add(9 * time.Hour), end: day.Add(10*time.Hour + 45*time.Minute),
		accounts: []fleetAccount{
			{"fleet-15m", 15 * time.Minute, 0.2}, {"fleet-30m", 30 * time.Minute, 0.3},
			{"fleet-1h", time.Hour, 0.3}, {"fleet-8h", 8 * time.Hour, 0.2},
		},
	}
}

// newPlans draws n users: sign-in between 8:30 and 8:40; everyone but the
// 15-minute account's users closes the lid for a meeting from 8:50 (within
// a minute) to 9:00 (within a minute) — the 9 a.m. wake; from 9:15 to
// 9:45, a quarter closes the product for the day and 15% the lid.
func (d fleetDay) newPlans(n int, r *mrand.Rand) []plan {
	within := func(from time.Time, span time.Duration) time.Time {
		return step(from.Add(time.Duration(r.Int64N(int64(span)))))
	}
	plans := make([]plan, n)
	for i := range plans {
		x, acct := r.Float64(), d.accounts[len(d.accounts)-1]
		for _, a := range d.accounts {
			if x < a.share {
				acct = a
				break
			}
			x -= a.share
		}
		p := plan{account: acct.name, timeout: acct.timeout, signIn: within(d.start, 10*time.Minute)}
		if acct.timeout > 15*time.Minute {
			p.meeting = true
			p.lidClose = within(d.start.Add(20*time.Minute), time.Minute)
			p.wake = within(d.wake, time.Minute)
		}
		switch x := r.Float64(); {
		case x < 0.25:
			p.stop = within(d.wake.Add(15*time.Minute), 30*time.Minute)
		case x < 0.40:
			p.stop, p.stopLid = within(d.wake.Add(15*time.Minute), 30*time.Minute), true
		}
		plans[i] = p
	}
	return plans
}

// simAgent is one simulated agent.
type simAgent struct {
	plan  plan
	naive bool
	sid   string
	token string
	m     *session.Machine // the rules; nil for a naive client
	tick  time.Time        // a naive client's next refresh (zero while asleep)
	done  bool             // signed out (refused, or lapsed locally)
	// script: the plan's events still to come, in order.
	script []simEvent
	queued time.Time // when its entry in the queue is due (zero: none)
}

type simEvent struct {
	at   time.Time
	kind int // evLidClose, evWake, evCloseProduct
}

const (
	evLidClose = iota + 1
	evWake
	evCloseProduct
)

func (a *simAgent) makeScript() {
	p := a.plan
	if p.meeting {
		a.script = append(a.script, simEvent{p.lidClose, evLidClose}, simEvent{p.wake, evWake})
	}
	if !p.stop.IsZero() {
		k := evCloseProduct
		if p.stopLid {
			k = evLidClose
		}
		a.script = append(a.script, simEvent{p.stop, k})
	}
}

// nextAt is when the agent next needs the simulation (zero: never).
func (a *simAgent) nextAt() time.Time {
	if a.done {
		return time.Time{}
	}
	var next time.Time
	if len(a.script) > 0 {
		next = a.script[0].at
	}
	timer := a.tick
	if a.m != nil {
		timer = a.m.NextWake()
	}
	if !timer.IsZero() && (next.IsZero() || timer.Before(next)) {
		next = timer
	}
	if next.IsZero() {
		return next
	}
	return step(next)
}

// simRequest is what an agent sends at a step: a refresh or (the rules'
// idle agent) an introspection.
type simRequest struct {
	a     *simAgent
	check bool
	usage session.Usage
}

// advance feeds the agent what happens at t and returns what it sends.
func (a *simAgent) advance(t time.Time) *simRequest {
	var act session.Action
	merge := func(b session.Action) {
		if b.Renew || b.Check || b.End != session.NotEnded {
			act = b
		}
	}
	for len(a.script) > 0 && !a.script[0].at.After(t) {
		ev := a.script[0]
		a.script = a.script[1:]
		if a.naive {
			switch ev.kind {
			case evLidClose:
				a.tick = time.Time{}
			case evWake: // the ticker's missed tick fires at once
				a.tick = t
			}
			continue
		}
		switch ev.kind {
		case evLidClose:
			merge(a.m.SetPower(t, true, true))
		case evWake:
			merge(a.m.SetPower(t, false, false))
		case evCloseProduct:
			merge(a.m.SetProcesses(t, nil))
		}
	}
	if a.naive {
		if !a.tick.IsZero() && !a.tick.After(t) {
			a.tick = t.Add(15 * time.Minute)
			return &simRequest{a: a}
		}
		return nil
	}
	if w := a.m.NextWake(); !w.IsZero() && !step(w).After(t) {
		merge(a.m.Tick(t))
	}
	return a.request(act)
}

func (a *simAgent) request(act session.Action) *simRequest {
	switch {
	case act.End != session.NotEnded:
		a.done = true
	case act.Renew:
		return &simRequest{a: a, usage: act.Usage}
	case act.Check:
		return &simRequest{a: a, check: true}
	}
	return nil
}

// simAnswer is the server's answer to a simRequest.
type simAnswer struct {
	status    int
	refresh   string
	ttl       time.Duration // refresh_token_expires_in (or expires_in of an introspection)
	timeout   time.Duration // inactivity_timeout
	active    bool          // introspection
	latency   time.Duration
	err       error
	errorCode string
}

// send speaks the protocol: the refresh_token grant as agent/auth sends it
// (in_use, idle_seconds, request_id), as a naive OAuth client sends it
// (neither), or the introspection of the refresh token.
func send(ctx context.Context, hc *http.Client, issuer string, r *simRequest) simAnswer {
	var form url.Values
	path := "/token"
	switch {
	case r.check:
		path = "/introspect"
		form = url.Values{"token": {r.a.token}, "token_type_hint": {"refresh_token"}, "client_id": {server.AgentClientID}}
	case r.a.naive:
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.a.token}, "client_id": {server.AgentClientID}}
	default:
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.a.token}, "client_id": {server.AgentClientID},
			"in_use": {strconv.FormatBool(r.usage.InUse)}, "idle_seconds": {strconv.FormatFloat(max(r.usage.Idle, 0).Seconds(), 'f', 3, 64)},
			"request_id": {rand.Text()}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, issuer+path, strings.NewReader(form.Encode()))
	if err != nil {
		return simAnswer{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return simAnswer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ans := simAnswer{status: resp.StatusCode, latency: time.Since(t0), err: err}
	var v struct {
		RefreshToken string          `json:"refresh_token"`
		TTL          int64           `json:"refresh_token_expires_in"`
		Timeout      int64           `json:"inactivity_timeout"`
		Error        string          `json:"error"`
		Active       bool            `json:"active"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
	}
	if err == nil {
		ans.err = json.Unmarshal(body, &v)
	}
	ans.refresh, ans.errorCode, ans.active = v.RefreshToken, v.Error, v.Active
	ans.ttl, ans.timeout = time.Duration(v.TTL)*time.Second, time.Duration(v.Timeout)*time.Second
	if r.check {
		secs, _ := strconv.ParseFloat(string(v.ExpiresIn), 64)
		ans.ttl = time.Duration(secs * float64(time.Second))
	}
	return ans
}

// fleetTally is one kind of agent's figures.
type fleetTally struct {
	requests      int
	checks        int           // of which introspections (an idle agent asking)
	perSecond     map[int64]int // requests by virtual second
	latencies     []time.Duration
	wronglyLapsed map[*simAgent]bool
	wronglyAlive  map[*simAgent]bool
	refused       int
}

func newTally() *fleetTally {
	return &fleetTally{perSecond: map[int64]int{}, wronglyLapsed: map[*simAgent]bool{}, wronglyAlive: map[*simAgent]bool{}}
}

// peakOverMean is the busiest virtual second over the mean second from
// the first request to the last.
func (f *fleetTally) peakOverMean() (peak, mean float64) {
	if len(f.perSecond) == 0 {
		return 0, 0
	}
	secs := slices.Sorted(func(yield func(int64) bool) {
		for s := range f.perSecond {
			if !yield(s) {
				return
			}
		}
	})
	for _, n := range f.perSecond {
		peak = math.Max(peak, float64(n))
	}
	span := secs[len(secs)-1] - secs[0] + 1
	return peak, float64(f.requests) / float64(span)
}

// windowPeakOverMean is the busiest second over the mean second in
// [from, from+span).
func (f *fleetTally) windowPeakOverMean(from time.Time, span time.Duration) float64 {
	peak, total := 0, 0
	for s := from.Unix(); s < from.Add(span).Unix(); s++ {
		peak = max(peak, f.perSecond[s])
		total += f.perSecond[s]
	}
	if total == 0 {
		return 0
	}
	return float64(peak) / (float64(total) / span.Seconds())
}

func (f *fleetTally) p99() time.Duration {
	if len(f.latencies) == 0 {
		return 0
	}
	l := slices.Clone(f.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, int(0.99*float64(len(l))))]
}

// observe checks what the server said of an agent's session at t against
// its plan.
func (f *fleetTally) observe(a *simAgent, t time.Time, live bool, deadline time.Time) {
	switch {
	case !live && a.plan.mustBeLive(t):
		f.wronglyLapsed[a] = true
	case live && (a.plan.mustBeOver(t) || !a.plan.promiseOK(t, deadline)):
		f.wronglyAlive[a] = true
	}
}

// settle feeds an answer back to its agent and tallies it; it returns the
// agent's next request at the same step, if any.
func (f *fleetTally) settle(r *simRequest, ans simAnswer, t time.Time) (*simRequest, error) {
	a := r.a
	f.requests++
	f.perSecond[t.Unix()]++
	f.latencies = append(f.latencies, ans.latency)
	if ans.err != nil || ans.status >= 500 {
		return nil, fmt.Errorf("%s: HTTP %d: %v", map[bool]string{true: "introspect", false: "refresh"}[r.check], ans.status, ans.err)
	}
	if r.check {
		f.checks++
		f.observe(a, t, ans.active, t.Add(ans.ttl))
		res := session.CheckEnded
		if ans.active {
			res = session.CheckLive
		}
		return a.request(a.m.CheckDone(t, res, ans.ttl)), nil
	}
	if ans.status != http.StatusOK {
		if ans.errorCode != "invalid_grant" {
			return nil, fmt.Errorf("refresh: HTTP %d %s", ans.status, ans.errorCode)
		}
		f.refused++
		f.observe(a, t, false, time.Time{})
		a.done = true
		if a.m != nil {
			a.m.RenewFailed(t, session.Rejected, "invalid_grant")
		}
		return nil, nil
	}
	a.token = ans.refresh
	f.observe(a, t, true, t.Add(ans.ttl))
	if a.m == nil {
		return nil, nil
	}
	return a.request(a.m.Renewed(t, session.Renewal{TTL: ans.ttl, Timeout: ans.timeout})), nil
}

// simQueue orders agents by when they next need the simulation.
type simQueue []*simAgent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].queued.Before(q[j].queued) }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(*simAgent)) }
func (q *simQueue) Pop() any {
	old := *q
	a := old[len(old)-1]
	*q = old[:len(old)-1]
	return a
}

// requeue puts the agent back in the queue at its next time. An agent is in
// the queue at most once: it is popped before it is advanced.
func (q *simQueue) requeue(a *simAgent) {
	a.queued = a.nextAt()
	if !a.queued.IsZero() {
		heap.Push(q, a)
	}
}
