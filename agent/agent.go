// Package agent is the per-user session agent: it owns the session state
// machine (package session), feeds it OS facts from platform/, carries out its
// actions (renew through OIDC, keychain writes, revocation) and serves the
// local API. Everything the machine sees passes through one goroutine, so the
// machine needs no locks. The rules it carries out (R1–R12) are
// docs/design.md §2; how it renews, §3.4.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/agent/config"
	"github.com/walkme/session-agent/agent/session"
	"github.com/walkme/session-agent/platform/keychain"
)

// Options configures an Agent. Keychain and Auth are required.
type Options struct {
	Config   config.Config
	Locked   []string // configuration keys set by managed policy
	Keychain keychain.Keychain
	Auth     *auth.Client
	// Inputs from the OS; nil channels are simply never ready.
	Presence <-chan []string   // names of WalkMe processes, on change
	Network  <-chan bool       // server reachable, on change
	Power    <-chan PowerState // sleep/lid changes and wakes
	// Now is the session clock (platform/power.Clock: it counts suspend and
	// ignores wall-clock changes); the wall clock by default. Wall and
	// FromWall convert its times for display and storage (identity when nil).
	Now            func() time.Time
	Wall, FromWall func(time.Time) time.Time
	Logger         *slog.Logger
	Version        string
}

// PowerState is a sleep/lid report. Slept > 0 marks the first report after a
// wake, with the time the machine was suspended.
type PowerState struct {
	Asleep, LidClosed bool
	Slept             time.Duration
}

// Agent runs the session. Create with New, then Run.
type Agent struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	m      *session.Machine
	keeper *keeper // keychain writes, off the loop
	snap   snapshot

	ops      chan func()   // work for the loop goroutine
	stopped  chan struct{} // closed when Run returns
	results  chan renewResult
	stored   chan storeResult // a rotated token's first keychain write
	restored chan readResult  // the keychain read at start

	// ctx is Run's context: the work the loop starts (renewals, sign-ins,
	// keychain writes) lives as long as the agent, never as long as the API
	// request that caused it. Set before the loop starts.
	ctx context.Context

	// Owned by the loop goroutine.
	starting bool         // the stored session has not been read yet
	readErr  error        // why the last read of it failed
	refresh  string       // the current refresh token (in the keychain, or owed to it)
	access   string       // the current access token, memory only
	deleted  <-chan error // the last session end's keychain delete
	// requestID is the id of the renewals of requestFor (renewRequest).
	requestID, requestFor string
	rotating              *rotation // a renewal's answer waiting for its keychain write
	login                 *pendingLogin

	checked       chan checkResult  // answers to the idle check (check.go)
	revoked       chan revokeResult // answers to a pending sign-out's revocation (signout.go)
	pendingRevoke string            // a signed-out session's token, until the server revoked it

	// accessExp is when access expires; zero when the provider did not
	// say. Loop goroutine only.
	accessExp time.Time
	accessAt  time.Time // when it was received
}

// New returns an agent ready to Run.
func New(opts Options) (*Agent, error) {
	if opts.Keychain == nil || opts.Auth == nil {
		return nil, errors.New("agent: a keychain and an OIDC client are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	same := func(t time.Time) time.Time { return t }
	if opts.Wall == nil {
		opts.Wall = same
	}
	if opts.FromWall == nil {
		opts.FromWall = same
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &Agent{
		opts:     opts,
		log:      opts.Logger,
		now:      func() time.Time { return opts.Now().Round(0) }, // never Go's monotonic reading: it stops across sleep
		ops:      make(chan func()),
		stopped:  make(chan struct{}),
		results:  make(chan renewResult, 1),
		stored:   make(chan storeResult, 1),
		restored: make(chan readResult),
		checked:  make(chan checkResult, 1),
		revoked:  make(chan revokeResult, 1),
		keeper:   newKeeper(opts.Keychain, opts.Logger),
		starting: true,
	}
	a.m = session.New(policyFor(opts.Config))
	a.snap.init()
	a.publish() // "starting": the API answers before Run has read anything
	return a, nil
}

func policyFor(cfg config.Config) session.Policy {
	return session.Policy{RenewInterval: cfg.RenewInterval, FallbackTimeout: cfg.InactivityTimeout, Jitter: jitter}
}

// Reconfigure applies a changed configuration (a managed-policy update) to
// the running agent: the renewal cadence and fallback timeout at once.
// Settings that name the server or the keychain need a new process; the
// caller restarts for those (see cmd/walkme-agent).
func (a *Agent) Reconfigure(ctx context.Context, cfg config.Config, locked []string) error {
	return a.call(ctx, func() {
		a.opts.Config, a.opts.Locked = cfg, locked
		a.carryOut(a.m.SetPolicy(a.now(), policyFor(cfg)))
	})
}

// Run restores a stored session and runs until ctx ends. The keychain is
// read and written off the loop (readStored, keeper), so the local API never
// waits behind it.
func (a *Agent) Run(ctx context.Context) error {
	defer close(a.stopped)
	defer a.snap.closeAll()
	a.ctx = ctx
	go a.keeper.run(ctx)
	go a.readStored(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		a.resetTimer(timer)
		var act session.Action
		select {
		case <-ctx.Done():
			return nil
		case f := <-a.ops:
			f()
		case r := <-a.restored:
			act = a.applyRestore(r)
		case r := <-a.results:
			act = a.finishRenewal(r)
		case r := <-a.stored:
			act = a.finishStore(r)
		case r := <-a.checked:
			act = a.finishCheck(r)
		case r := <-a.revoked:
			act = a.finishRevoke(r)
		case <-a.keeper.changed:
			// The keychain's health changed: publish it.
		case names, ok := <-a.opts.Presence:
			if !ok {
				a.opts.Presence = nil
				break
			}
			a.log.Info("presence", "open", names)
			act = a.m.SetProcesses(a.now(), names)
		case up, ok := <-a.opts.Network:
			if !ok {
				a.opts.Network = nil
				break
			}
			a.log.Info("network", "up", up)
			act = a.m.SetNetwork(a.now(), up)
		case p, ok := <-a.opts.Power:
			if !ok {
				a.opts.Power = nil
				break
			}
			a.log.Info("power", "asleep", p.Asleep, "lid_closed", p.LidClosed, "slept", p.Slept)
			act = a.m.SetPower(a.now(), p.Asleep, p.LidClosed)
		case <-timer.C:
			act = a.m.Tick(a.now())
		}
		a.carryOut(act)
		a.publish()
	}
}

// resetTimer arms the timer for the machine's next deadline. Go timers do
// not count suspended time on Linux and macOS, so the wait is capped: a wake
// normally arrives as a power event (logind, or platform/power's clock-gap
// detector), and the cap only bounds how stale a decision can get if both
// miss it.
func (a *Agent) resetTimer(t *time.Timer) {
	const maxWait = 30 * time.Second
	wait := maxWait
	if next := a.m.NextWake(); !next.IsZero() {
		wait = min(max(next.Sub(a.now()), 0), maxWait)
	}
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(wait)
}

// carryOut performs what the machine asked for. Loop goroutine only.
func (a *Agent) carryOut(act session.Action) {
	if act.End != session.NotEnded {
		a.endSession(act.End)
	}
	if act.Renew {
		a.startRenewal(act.Usage)
	}
	if act.Check {
		a.startCheck()
	}
	if act.Revoke {
		a.startRevoke()
	}
}

var errStopped = errors.New("agent: stopped")

// call runs f on the loop goroutine and waits for it. The status is
// published before call returns, so the caller's next Status sees f's effect.
func (a *Agent) call(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case a.ops <- func() { f(); a.publish(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-a.stopped:
		return errStopped
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// endSession forgets the session: the keychain entry and the tokens in
// memory. A sign-out also revokes it on the server, outside the loop (see
// Logout).
func (a *Agent) endSession(reason session.EndReason) {
	a.log.Info("session ended", "reason", reason.String())
	a.refresh, a.access, a.rotating = "", "", nil
	a.deleted = a.storePending() // retried until it lands; keeps a pending sign-out
}

// revoke ends the session on the server (RFC 7009). Not on the loop: it
// waits on the network.
func (a *Agent) revoke(ctx context.Context, token string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := a.opts.Auth.Revoke(ctx, token)
	switch {
	case errors.Is(err, auth.ErrRevocationUnsupported):
		a.log.Info("the provider offers no revocation; the token is deleted locally")
		return nil
	case err != nil:
		a.log.Warn("revoke failed; the sign-out is pending until the server can be told", "err", err)
		return fmt.Errorf("sign-out could not reach the server (%v): signed out here; the server is told when the network returns (sign-out pending)", err)
	}
	return nil
}

// awaitDelete waits for the first attempt to delete the keychain entry, so
// that a sign-out has removed the token when it returns. A failure is
// logged and shown in the status; the keeper goes on trying.
func (a *Agent) awaitDelete(ctx context.Context, deleted <-chan error) {
	if deleted == nil {
		return
	}
	select {
	case err := <-deleted:
		if err != nil && !errors.Is(err, errSuperseded) {
			a.log.Error("delete keychain entry; trying again", "err", err)
		}
	case <-ctx.Done():
	}
}

func (a *Agent) locked() []string { return slices.Clone(a.opts.Locked) }
