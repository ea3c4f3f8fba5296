//go:build linux

package e2e

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// TestSoak is the crash soak: an accelerated run of lifecycle steps —
// renewals, the agent killed with SIGKILL at a random moment of a renewal
// (within 10 ms of the request reaching the server, or while the server's
// answer, with the rotated token, is held back),
// walkme-sessiond killed with SIGKILL (also mid-renewal) and restarted on
// its database, graceful agent restarts — with the real keychain. After
// every step, once the agent has settled (a renewal completes), it checks:
//   - the session is alive: no crash ever loses it;
//   - the keychain holds a token the server accepts (the agent is signed
//     in, so "nothing" would be a lost session);
//   - the agent and the server agree that the session is alive.
//
// WALKME_SOAK_STEPS sets the number of steps (50 in make test, 1,000 in
// make soak); WALKME_SOAK_SEED replays a run.
func TestSoak(t *testing.T) {
	steps := envInt(t, "WALKME_SOAK_STEPS", 50)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WALKME_SOAK_SEED"); s != "" {
		seed = uint64(envInt(t, "WALKME_SOAK_SEED", 0))
	}
	t.Logf("soak: %d steps, WALKME_SOAK_SEED=%d", steps, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	// The front only counts the token requests that reach the server, so
	// that the kills land while a renewal is under way.
	f := startFront(t)
	srv := f.srv
	a := newAgentEnv(t, f.issuer, map[string]any{"RenewInterval": "15m"})
	a.start()
	a.login()
	counts := map[string]int{}
	start := time.Now()
	for i := 1; i <= steps; i++ {
		var step string
		switch p := rng.IntN(100); {
		case p < 40:
			step = "renewal"
			a.renewOnce()
		case p < 75:
			step = "agent killed mid-renewal"
			if rng.IntN(2) == 0 {
				// The server has rotated; its answer is held back.
				step = "agent killed with the rotated token on its way"
				f.mode.Store("slow")
				a.killDuringRenewal(f, time.Duration(rng.IntN(200))*time.Millisecond)
				f.mode.Store("pass")
			} else {
				a.killDuringRenewal(f, time.Duration(rng.IntN(10000))*time.Microsecond)
			}
			a.start()
		case p < 90:
			step = "server killed mid-renewal"
			posts := f.posts.Load()
			renew := a.renewInBackground()
			awaitPost(f, posts)
			time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
			srv.kill()
			_ = renew.Wait()
			srv.start()
		default:
			step = "agent restarted"
			a.stop()
			a.start()
		}
		counts[step]++
		a.settle(t, i, step)
		if strings.HasPrefix(step, "agent killed") && strings.Contains(a.log(), "renewal was interrupted") {
			counts["restart finished an interrupted renewal"]++
		}
		st := a.mustStatus()
		if !st.SignedIn() {
			t.Fatalf("step %d (%s): the session was lost: %s (%s), %s", i, step, st.State, st.SignedOutReason, st.LastError)
		}
		tok := a.refreshToken()
		if !srv.introspect(t, tok) {
			t.Fatalf("step %d (%s): the agent is signed in on a token the server refuses", i, step)
		}
	}
	t.Logf("soak: %d steps in %v: %v; every step ended signed in on a token the server accepts", steps, time.Since(start).Round(time.Second), counts)
}

// renewOnce runs `walkme-agent renew` and ignores its outcome (settle
// checks what came of it).
func (a *agentEnv) renewOnce() {
	cmd := exec.Command(a.bin, "renew")
	cmd.Env = append(os.Environ(), a.env...)
	_ = cmd.Run()
}

func (a *agentEnv) renewInBackground() *exec.Cmd {
	a.t.Helper()
	cmd := exec.Command(a.bin, "renew")
	cmd.Env = append(os.Environ(), a.env...)
	if err := cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	return cmd
}

// killDuringRenewal asks for a renewal and kills the agent with SIGKILL
// delay after the request reached the server: while the server rotates,
// its answer is on the way, or the keychain write is.
func (a *agentEnv) killDuringRenewal(f *front, delay time.Duration) {
	a.t.Helper()
	posts := f.posts.Load()
	renew := a.renewInBackground()
	awaitPost(f, posts)
	time.Sleep(delay)
	if err := a.proc.Process.Kill(); err != nil {
		a.t.Fatal(err)
	}
	_ = a.proc.Wait()
	_ = renew.Wait()
	a.proc = nil
}

// settle waits until a renewal completes: the agent has read its stored
// session and finished any renewal a crash interrupted.
func (a *agentEnv) settle(t *testing.T, i int, step string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command(a.bin, "renew")
		cmd.Env = append(os.Environ(), a.env...)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return
		}
		if st, serr := a.status(); serr == nil && st.State == localapi.StateSignedOut {
			t.Fatalf("step %d (%s): the session was lost: %s, %s", i, step, st.SignedOutReason, st.LastError)
		}
		if time.Now().After(deadline) {
			t.Fatalf("step %d (%s): no renewal within 20 s: %v: %s", i, step, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a number", name, s)
	}
	return n
}

// awaitPost waits (up to 2 s) until the front has seen a token request
// after the first posts.
func awaitPost(f *front, posts int64) {
	for deadline := time.Now().Add(2 * time.Second); f.posts.Load() == posts && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
