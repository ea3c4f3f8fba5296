// Package storetest is the behaviour every server.Store must have, as one
// test suite that each store's tests run against their own store. The store
// model is docs/design.md §7; the rules cited (R3, R6) are its §2.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server"
	"golang.org/x/crypto/bcrypt"
)

// Store is a server.Store that can also add users, as every store's
// administration command does.
type Store interface {
	server.Store
	AddUser(ctx context.Context, account, email, password string, admin bool) (server.User, error)
}

// Run runs the suite. open returns a new, empty store for one test and
// arranges for it to be closed when that test ends; the subtests run in
// parallel.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Store)
	}{
		{"SecretFirstWriterWins", testSecret},
		{"Users", testUsers},
		{"TimeoutChangeIsLogged", testTimeoutLog},
		{"AppendActivity", testAppendActivity},
		{"UsersAndRoles", testUsersAndRoles},
		{"ConcurrentDemotionsKeepAnAdmin", testConcurrentDemotions},
		{"LiveSessions", testLiveSessions},
		{"Ping", testPing},
		{"Codes", testCodes},
		{"Sessions", testSessions},
		{"RotateOutcomes", testRotateOutcomes},
		{"RotateReuse", testRotateReuse},
		{"RotateRetry", testRotateRetry},
		{"RotateLapse", testRotateLapse},
		{"RenewalReportsLastUse", testRenewalLastUse},
		{"TimeoutChangeSparesRenewingSessions", testTimeoutChange},
		{"TimeoutChangeRaces", testTimeoutChangeRaces},
		{"ConcurrentRotateOneSuccessor", testConcurrentRotate},
		{"DeviceCodes", testDeviceCodes},
		{"DeviceCodeExpiry", testDeviceCodeExpiry},
		{"ConcurrentDevicePollRedeemsOnce", testConcurrentDevicePoll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 has nanoseconds, so a store that rounds times is caught.
var t0 = time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)

const clientID = "walkme-agent"

func testSecret(t *testing.T, st Store) {
	ctx := context.Background()
	const n = 8
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := st.Secret(ctx, "k", func() ([]byte, error) { return fmt.Appendf(nil, "value-%d", i), nil })
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for i := range got {
		if string(got[i]) != string(got[0]) || len(got[i]) == 0 {
			t.Fatalf("concurrent first writers saw %q and %q; want one winner", got[0], got[i])
		}
	}
	again, _ := st.Secret(ctx, "k", func() ([]byte, error) { return []byte("late"), nil })
	if string(again) != string(got[0]) {
		t.Errorf("later Secret = %q, want the first %q", again, got[0])
	}
	if _, err := st.Secret(ctx, "other", func() ([]byte, error) { return nil, errors.New("no entropy") }); err == nil {
		t.Error("a failing generator gave no error")
	}
}

func testUsers(t *testing.T, st Store) {
	ctx := context.Background()
	u, err := st.AddUser(ctx, "acme", "X@acme.test", "first-password", false)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := st.Account(ctx, "acme"); err != nil || a.InactivityTimeout != server.DefaultInactivityTimeout || a.Name != "acme" {
		t.Fatalf("new account: %+v %v, want the 24h default", a, err)
	}
	u2, err := st.AddUser(ctx, "acme", "x@ACME.test", "second-password", true)
	if err != nil || u2.ID != u.ID {
		t.Fatalf("re-add with other case: %+v %v, want the same id", u2, err)
	}
	got, err := st.UserByEmail(ctx, "x@acme.TEST")
	if err != nil || got.ID != u.ID || !got.Admin || got.Account != "acme" {
		t.Fatalf("UserByEmail: %+v %v", got, err)
	}
	if bcrypt.CompareHashAndPassword(got.PasswordHash, []byte("second-password")) != nil {
		t.Error("re-add did not update the password")
	}
	if string(got.PasswordHash) == "second-password" {
		t.Error("password stored in plaintext")
	}
	if byID, err := st.User(ctx, u.ID); err != nil || byID.Email != got.Email {
		t.Errorf("User(id) = %+v %v", byID, err)
	}
	if _, err := st.AddUser(ctx, "globex", "x@acme.test", "third-password", false); err == nil {
		t.Error("moving a user to another account was allowed")
	}
	for _, bad := range [][3]string{{"", "a@b.c", "password1"}, {"acme", "not-an-email", "password1"}, {"acme", "a@b.c", "short"}} {
		if _, err := st.AddUser(ctx, bad[0], bad[1], bad[2], false); err == nil {
			t.Errorf("AddUser%q accepted", bad)
		}
	}
	if _, err := st.UserByEmail(ctx, "nobody@acme.test"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown email: %v, want ErrNotFound", err)
	}
	if _, err := st.User(ctx, "u_nobody"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if _, err := st.Account(ctx, "nope"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
}

func testTimeoutLog(t *testing.T, st Store) {
	ctx := context.Background()
	mustUser(t, st, "acme", "a@acme.test")
	if log, err := st.ActivityLog(ctx, "acme"); err != nil || len(log) != 0 {
		t.Fatalf("new log: %+v %v, want empty", log, err)
	}
	old, err := st.SetInactivityTimeout(ctx, "acme", 15*time.Minute, server.Activity{At: t0, Actor: "a@acme.test", Action: "set", New: "15m"})
	if err != nil || old != 24*time.Hour {
		t.Fatalf("first change: old %v, %v", old, err)
	}
	old, err = st.SetInactivityTimeout(ctx, "acme", 2*time.Hour, server.Activity{At: t0.Add(time.Second), Actor: "a@acme.test", Action: "set", New: "2h"})
	if err != nil || old != 15*time.Minute {
		t.Fatalf("second change: old %v, %v", old, err)
	}
	if a, _ := st.Account(ctx, "acme"); a.InactivityTimeout != 2*time.Hour {
		t.Errorf("account timeout %v, want 2h", a.InactivityTimeout)
	}
	log, err := st.ActivityLog(ctx, "acme")
	if err != nil || len(log) != 2 {
		t.Fatalf("log = %+v %v", log, err)
	}
	if log[0].Old != "24h" || log[0].New != "15m" || !log[0].At.Equal(t0) || log[0].Actor != "a@acme.test" || log[1].Old != "15m" {
		t.Errorf("log = %+v", log)
	}
	if _, err := st.SetInactivityTimeout(ctx, "nope", time.Hour, server.Activity{}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown account: %v, want ErrNotFound", err)
	}
}

func testAppendActivity(t *testing.T, st Store) {
	ctx := context.Background()
	mustUser(t, st, "acme", "a@acme.test")
	if _, err := st.SetInactivityTimeout(ctx, "acme", time.Hour, server.Activity{At: t0, Actor: "a@acme.test", Action: "set", New: "1h"}); err != nil {
		t.Fatal(err)
	}
	e := server.Activity{At: t0.Add(time.Second), Actor: "192.0.2.7", Action: "throttled", Target: "a@acme.test", New: "paused"}
	if err := st.AppendActivity(ctx, "acme", e); err != nil {
		t.Fatal(err)
	}
	log, err := st.ActivityLog(ctx, "acme")
	if err != nil || len(log) != 2 {
		t.Fatalf("log = %+v %v, want the change then the appended entry", log, err)
	}
	if got := log[1]; !got.At.Equal(e.At) || got.Actor != e.Actor || got.Action != e.Action || got.Target != e.Target || got.New != e.New || got.Old != "" {
		t.Errorf("appended entry reads back as %+v, want %+v", got, e)
	}
	if other, _ := st.ActivityLog(ctx, "globex"); len(other) != 0 {
		t.Errorf("another account's log has %+v", other)
	}
}

func testCodes(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	c := server.AuthCode{Hash: "code-" + rand.Text(), ClientID: clientID, RedirectURI: "http://127.0.0.1:1/cb",
		Challenge: "chal", Scope: "openid", Nonce: "n", UserID: u.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	if err := st.PutCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.RedeemCode(ctx, c.Hash, t0.Add(time.Second))
	if err != nil || got.Hash != c.Hash || got.UserID != u.ID || got.Challenge != "chal" || got.RedirectURI != c.RedirectURI ||
		got.Nonce != "n" || got.Scope != "openid" || !got.ExpiresAt.Equal(c.ExpiresAt) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("redeem: %+v %v", got, err)
	}
	ss := newSession(u)
	if err := st.CreateSession(ctx, ss, "rt-"+rand.Text(), c.Hash); err != nil {
		t.Fatal(err)
	}
	again, err := st.RedeemCode(ctx, c.Hash, t0.Add(2*time.Second))
	if !errors.Is(err, server.ErrCodeReused) || again.SessionID != ss.ID {
		t.Fatalf("second redeem: %+v %v, want ErrCodeReused naming session %s", again, err, ss.ID)
	}
	if _, err := st.RedeemCode(ctx, "unknown", t0); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown code: %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	ss, rt := mustSession(t, st, u)
	got, err := st.Session(ctx, ss.ID)
	if err != nil || got.UserID != u.ID || got.Account != "acme" || got.ClientID != clientID || got.Scope != ss.Scope ||
		!got.AuthTime.Equal(t0) || !got.LastRenewal.Equal(t0) || !got.EndedAt.IsZero() || got.Timeout != 24*time.Hour ||
		got.Device != ss.Device {
		t.Fatalf("Session = %+v %v", got, err)
	}
	tk, tss, err := st.RefreshToken(ctx, rt)
	if err != nil || tk.Hash != rt || tk.SessionID != ss.ID || !tk.IssuedAt.Equal(t0) || tk.Successor != "" || tss.ID != ss.ID {
		t.Fatalf("RefreshToken = %+v %+v %v", tk, tss, err)
	}
	if !got.LastUse.Equal(t0) || !got.InUse || got.RenewedTimeout != 24*time.Hour || !got.LapsesAt().Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("new session: last use %v, in use %v, renewed timeout %v, lapses %v; want in use since t0, lapsing 24h later",
			got.LastUse, got.InUse, got.RenewedTimeout, got.LapsesAt())
	}
	// R3: the account's timeout applies to the live session at once, sparing
	// its next renewal on the 15-minute cadence it was given.
	if _, err := st.SetInactivityTimeout(ctx, "acme", 30*time.Minute, server.Activity{At: t0}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Session(ctx, ss.ID); got.Timeout != 30*time.Minute || !got.LapsesAt().Equal(t0.Add(45*time.Minute)) {
		t.Errorf("after the change: timeout %v lapses %v, want 30m and t0+45m", got.Timeout, got.LapsesAt().Sub(t0))
	}
	end := t0.Add(time.Minute)
	if err := st.EndSession(ctx, ss.ID, end, "revoked"); err != nil {
		t.Fatal(err)
	}
	if err := st.EndSession(ctx, ss.ID, end.Add(time.Minute), "later"); err != nil {
		t.Fatalf("ending an ended session: %v", err)
	}
	if got, _ := st.Session(ctx, ss.ID); !got.EndedAt.Equal(end) || got.EndReason != "revoked" || got.Live(end) {
		t.Errorf("ended session: %+v, want the first end kept", got)
	}
	if err := st.EndSession(ctx, "s_unknown", end, "revoked"); err != nil {
		t.Errorf("ending an unknown session: %v", err)
	}
	if _, err := st.Session(ctx, "s_unknown"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	if _, _, err := st.RefreshToken(ctx, "unknown"); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
}

func testRotateOutcomes(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	ss, rt := mustSession(t, st, u)
	rot := func(hash, next string, at time.Time, client string) server.RotationResult {
		t.Helper()
		res, err := st.Rotate(ctx, server.Rotation{ClientID: client, Hash: hash, SuccessorHash: next, Now: at, Grace: time.Minute})
		if err != nil {
			t.Fatalf("rotate: %v", err)
		}
		return res
	}
	if res := rot("unknown", "x", t0, clientID); res.Outcome != server.RotateUnknown {
		t.Errorf("unknown token: outcome %d", res.Outcome)
	}
	if res := rot(rt, "x", t0.Add(time.Second), "other-client"); res.Outcome != server.RotateWrongClient {
		t.Errorf("other client: outcome %d", res.Outcome)
	}
	if tk, _, _ := st.RefreshToken(ctx, rt); tk.Successor != "" {
		t.Fatal("another client's attempt changed the token")
	}

	at1 := t0.Add(10 * time.Minute)
	rt1 := "rt1-" + rand.Text()
	res := rot(rt, rt1, at1, clientID)
	if res.Outcome != server.RotateRotated || res.Successor != rt1 || !res.Session.LastRenewal.Equal(at1) || res.Session.ID != ss.ID {
		t.Fatalf("first rotation: %+v", res)
	}
	if tk, s, err := st.RefreshToken(ctx, rt); err != nil || tk.Successor != rt1 || !tk.RotatedAt.Equal(at1) || !s.LastRenewal.Equal(at1) {
		t.Fatalf("rotated token: %+v %+v %v", tk, s, err)
	}
	if tk, _, err := st.RefreshToken(ctx, rt1); err != nil || tk.SessionID != ss.ID || !tk.IssuedAt.Equal(at1) {
		t.Fatalf("successor: %+v %v", tk, err)
	}
	// Within the grace the old token returns the same successor and renews.
	at2 := at1.Add(59 * time.Second)
	if res := rot(rt, "ignored", at2, clientID); res.Outcome != server.RotateReplayed || res.Successor != rt1 || !res.Session.LastRenewal.Equal(at2) {
		t.Fatalf("replay within the grace: %+v", res)
	}
	if _, _, err := st.RefreshToken(ctx, "ignored"); !errors.Is(err, server.ErrNotFound) {
		t.Error("a replay stored a second successor")
	}
	// The empty client id (introspection-style callers) is not checked.
	rt2 := "rt2-" + rand.Text()
	if res := rot(rt1, rt2, at2.Add(time.Second), ""); res.Outcome != server.RotateRotated {
		t.Fatalf("rotating the successor: %+v", res)
	}
}

func testRotateReuse(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	for _, tc := range []struct {
		name string
		// after the first rotation at t0+1m, present the first token again:
		useSuccessor bool
		at           time.Duration
	}{
		{"AfterGrace", false, time.Minute + time.Minute},
		{"AfterSuccessorUsed", true, time.Minute + time.Second},
	} {
		ss, rt := mustSession(t, st, u)
		rt1, rt2 := "a-"+rand.Text(), "b-"+rand.Text()
		first := t0.Add(time.Minute)
		if res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt, SuccessorHash: rt1, Now: first, Grace: time.Minute}); err != nil || res.Outcome != server.RotateRotated {
			t.Fatalf("%s: rotate: %+v %v", tc.name, res, err)
		}
		if tc.useSuccessor {
			if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt1, SuccessorHash: rt2, Now: first, Grace: time.Minute}); res.Outcome != server.RotateRotated {
				t.Fatalf("%s: successor: %+v", tc.name, res)
			}
		}
		at := t0.Add(tc.at)
		res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt, SuccessorHash: "c", Now: at, Grace: time.Minute})
		if err != nil || res.Outcome != server.RotateReused || res.Successor != "" || res.Session.EndReason != "reuse" || !res.Session.EndedAt.Equal(at) {
			t.Fatalf("%s: reuse: %+v %v", tc.name, res, err)
		}
		if s, _ := st.Session(ctx, ss.ID); s.EndReason != "reuse" || s.Live(at) {
			t.Errorf("%s: session after reuse: %+v", tc.name, s)
		}
		// Every token of the session is dead now.
		if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt1, SuccessorHash: "d", Now: at, Grace: time.Minute}); res.Outcome != server.RotateEnded {
			t.Errorf("%s: successor after reuse: outcome %d, want ended", tc.name, res.Outcome)
		}
	}
}

// A client that lost the answer to a rotation repeats the same request (the
// same RequestID) and gets the same successor, even after the grace, as long
// as the successor was never used; any other late replay is reuse.
func testRotateRetry(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "r@acme.test")
	first := t0.Add(time.Minute)
	late := first.Add(10 * time.Minute)
	for _, tc := range []struct {
		name         string
		retryID      string
		useSuccessor bool
		want         server.RotationOutcome
	}{
		{"SameRequest", "req-1", false, server.RotateReplayed},
		{"OtherRequest", "req-2", false, server.RotateReused},
		{"NoRequestID", "", false, server.RotateReused},
		{"SuccessorUsed", "req-1", true, server.RotateReused},
	} {
		_, rt := mustSession(t, st, u)
		rt1 := "s-" + rand.Text()
		rot := func(hash, next, req string, at time.Time) server.RotationResult {
			t.Helper()
			res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: hash, SuccessorHash: next, Now: at,
				Grace: time.Minute, RequestID: req})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			return res
		}
		if res := rot(rt, rt1, "req-1", first); res.Outcome != server.RotateRotated {
			t.Fatalf("%s: rotate: %+v", tc.name, res)
		}
		if tc.useSuccessor {
			if res := rot(rt1, "u-"+rand.Text(), "req-3", first.Add(time.Second)); res.Outcome != server.RotateRotated {
				t.Fatalf("%s: successor: %+v", tc.name, res)
			}
		}
		res := rot(rt, "ignored-"+rand.Text(), tc.retryID, late)
		if res.Outcome != tc.want {
			t.Fatalf("%s: late replay: outcome %d, want %d", tc.name, res.Outcome, tc.want)
		}
		if tc.want == server.RotateReplayed {
			if res.Successor != rt1 || !res.Session.LastRenewal.Equal(late) {
				t.Fatalf("%s: retry answered %+v, want the same successor and a renewal", tc.name, res)
			}
			if res := rot(rt1, "n-"+rand.Text(), "req-4", late.Add(time.Second)); res.Outcome != server.RotateRotated {
				t.Fatalf("%s: the successor after the retry: %+v", tc.name, res)
			}
		}
	}
}

func testRotateLapse(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	if _, err := st.SetInactivityTimeout(ctx, "acme", 15*time.Minute, server.Activity{At: t0}); err != nil {
		t.Fatal(err)
	}
	_, rt := mustSession(t, st, u)
	// One nanosecond before the deadline still renews...
	rt1 := "l1-" + rand.Text()
	at := t0.Add(15*time.Minute - 1)
	if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt, SuccessorHash: rt1, Now: at, Grace: time.Minute}); res.Outcome != server.RotateRotated {
		t.Fatalf("just before the deadline: %+v", res)
	}
	// ...and at the deadline the session has lapsed (R6).
	res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt1, SuccessorHash: "l2", Now: at.Add(15 * time.Minute), Grace: time.Minute})
	if err != nil || res.Outcome != server.RotateEnded || !res.Session.EndedAt.IsZero() {
		t.Fatalf("at the deadline: %+v %v, want ended by lapse", res, err)
	}
	// R3: shortening the timeout lapses an idle session one new timeout
	// after the change.
	ss2, rt2 := mustSession(t, st, u)
	if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt2, SuccessorHash: "l2b", Now: t0, Grace: time.Minute}); res.Outcome != server.RotateRotated {
		t.Fatalf("idle renewal: %+v", res)
	}
	if _, err := st.SetInactivityTimeout(ctx, "acme", time.Second, server.Activity{At: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: "l2b", SuccessorHash: "l3", Now: t0.Add(2 * time.Second), Grace: time.Minute}); res.Outcome != server.RotateEnded || res.Session.ID != ss2.ID {
		t.Errorf("after shortening the timeout: %+v", res)
	}
	// An ended session does not rotate.
	ss3, rt3 := mustSession(t, st, u)
	st.SetInactivityTimeout(ctx, "acme", time.Hour, server.Activity{At: t0})
	st.EndSession(ctx, ss3.ID, t0, "revoked")
	if res, _ := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt3, SuccessorHash: "l4", Now: t0.Add(time.Second), Grace: time.Minute}); res.Outcome != server.RotateEnded || res.Session.EndReason != "revoked" {
		t.Errorf("revoked session: %+v", res)
	}
}

// testConcurrentRotate is the property several server instances rely
// on: however many refreshes of one token race, one successor is
// recorded and every winner-or-loser sees that same one.
func testConcurrentRotate(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	_, rt := mustSession(t, st, u)
	const n = 16
	results := make([]server.RotationResult, n)
	errs := make([]error, n)
	testenv.Race(n, func(i int) {
		// Different successor hashes, as if each caller derived its own:
		// only one may be recorded.
		results[i], errs[i] = st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt,
			SuccessorHash: fmt.Sprintf("succ-%d-%s", i, rt), Now: t0.Add(time.Second), Grace: time.Minute})
	})
	rotated := 0
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("rotate %d: %v", i, errs[i])
		}
		switch res.Outcome {
		case server.RotateRotated:
			rotated++
		case server.RotateReplayed:
		default:
			t.Fatalf("rotate %d: outcome %d", i, res.Outcome)
		}
		if res.Successor != results[0].Successor {
			t.Fatalf("rotate %d got successor %q, rotate 0 %q: the chain forked", i, res.Successor, results[0].Successor)
		}
	}
	if rotated != 1 {
		t.Fatalf("%d rotations recorded, want exactly 1", rotated)
	}
	for i := range n {
		h := fmt.Sprintf("succ-%d-%s", i, rt)
		_, _, err := st.RefreshToken(ctx, h)
		if (h == results[0].Successor) != (err == nil) {
			t.Errorf("successor candidate %d stored = %v", i, err == nil)
		}
	}
}

func mustUser(t *testing.T, st Store, account, email string) server.User {
	t.Helper()
	u, err := st.AddUser(context.Background(), account, email, "password-123", true)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newSession(u server.User) server.Session {
	return server.Session{ID: "s_" + rand.Text(), Account: u.Account, UserID: u.ID, ClientID: clientID,
		Scope: "openid offline_access", AuthTime: t0, LastRenewal: t0, InUse: true, Device: "Chrome on Linux · 192.0.2.1"}
}

func mustSession(t *testing.T, st Store, u server.User) (server.Session, string) {
	t.Helper()
	ss := newSession(u)
	rt := "rt-" + rand.Text()
	if err := st.CreateSession(context.Background(), ss, rt, ""); err != nil {
		t.Fatal(err)
	}
	return ss, rt
}

// testRenewalLastUse: a renewal's deadline counts from the last use it
// reports, clamped into [previous renewal, now]; a last use a timeout ago
// ends the session instead (R10 when the closing renewal got through late).
func testRenewalLastUse(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	if _, err := st.SetInactivityTimeout(ctx, "acme", 20*time.Second, server.Activity{At: t0}); err != nil {
		t.Fatal(err)
	}
	ss, rt := mustSession(t, st, u)
	rotate := func(from, to string, now, use time.Time, inUse bool) server.RotationResult {
		t.Helper()
		res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: from, SuccessorHash: to, Now: now,
			Grace: time.Minute, LastUse: use, InUse: inUse})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// A closing renewal retried 9 s after the close at t0+5s.
	res := rotate(rt, "u1", t0.Add(14*time.Second), t0.Add(5*time.Second), false)
	if res.Outcome != server.RotateRotated || !res.Session.LapsesAt().Equal(t0.Add(25*time.Second)) ||
		!res.Session.LastUse.Equal(t0.Add(5*time.Second)) || res.Session.InUse || res.Session.RenewedTimeout != 20*time.Second {
		t.Fatalf("late closing renewal: %+v, want lapsing at close + 20s = t0+25s", res)
	}
	if got, _ := st.Session(ctx, ss.ID); !got.LapsesAt().Equal(t0.Add(25*time.Second)) || got.InUse {
		t.Fatalf("stored: lapses %v in use %v", got.LapsesAt().Sub(t0), got.InUse)
	}
	// A last use before the previous renewal counts from that renewal; one
	// in the future from now.
	if res := rotate("u1", "u2", t0.Add(20*time.Second), t0, true); !res.Session.LapsesAt().Equal(t0.Add(34*time.Second)) || !res.Session.InUse {
		t.Fatalf("last use before the previous renewal: lapses %v, want previous renewal (14s) + 20s", res.Session.LapsesAt().Sub(t0))
	}
	if res := rotate("u2", "u3", t0.Add(21*time.Second), t0.Add(time.Hour), true); !res.Session.LapsesAt().Equal(t0.Add(41 * time.Second)) {
		t.Fatalf("last use in the future: lapses %v, want now + 20s", res.Session.LapsesAt().Sub(t0))
	}
	// The timeout drops to 5s at 35s; a closing renewal reporting the user
	// stopped at 30s gets through at 39s, before the deadline (40s) but
	// after last use + timeout: the session is over.
	if _, err := st.SetInactivityTimeout(ctx, "acme", 5*time.Second, server.Activity{At: t0.Add(35 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Session(ctx, ss.ID); !got.LapsesAt().Equal(t0.Add(40 * time.Second)) {
		t.Fatalf("after the change: lapses %v, want max(35s, 21s+10s) + 5s", got.LapsesAt().Sub(t0))
	}
	res = rotate("u3", "u4", t0.Add(39*time.Second), t0.Add(30*time.Second), false)
	if res.Outcome != server.RotateEnded || res.Session.EndReason != "lapsed" || res.Successor != "" {
		t.Fatalf("renewal a timeout after the last use: %+v, want ended (lapsed)", res)
	}
	if _, _, err := st.RefreshToken(ctx, "u4"); !errors.Is(err, server.ErrNotFound) {
		t.Error("a refused renewal stored a successor")
	}
	if got, _ := st.Session(ctx, ss.ID); got.EndReason != "lapsed" || got.Live(t0.Add(50*time.Second-1)) {
		t.Errorf("session after the refused renewal: %+v, want ended (lapsed)", got)
	}
}

// testTimeoutChange is server.Session.DeadlineAfterChange in every store:
// 24h -> 15m at t0+10m.
func testTimeoutChange(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	other := mustUser(t, st, "globex", "b@globex.test")
	renew := func(rt string, at, use time.Duration, inUse bool) (string, server.Session) {
		t.Helper()
		next := "n-" + rand.Text()
		res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt, SuccessorHash: next, Now: t0.Add(at),
			Grace: time.Minute, LastUse: t0.Add(use), InUse: inUse})
		if err != nil || res.Outcome != server.RotateRotated {
			t.Fatalf("renew: %+v %v", res, err)
		}
		return next, res.Session
	}
	// In use, renewed at 5m: its next renewal is due by 20m (15m cadence).
	// In use since its sign-in at t0, never renewed.
	open, _ := mustSession(t, st, u)
	_, rtOpen := mustSession(t, st, u)
	_, sOpen := renew(rtOpen, 5*time.Minute, 5*time.Minute, true)
	// In use, renewed just before the change.
	_, rtLate := mustSession(t, st, u)
	_, sLate := renew(rtLate, 10*time.Minute-time.Second, 10*time.Minute-time.Second, true)
	// Closed at 2m (its closing renewal).
	_, rtIdle := mustSession(t, st, u)
	_, sIdle := renew(rtIdle, 2*time.Minute, 2*time.Minute, false)
	// Revoked, and another account's session.
	ended, _ := mustSession(t, st, u)
	if err := st.EndSession(ctx, ended.ID, t0.Add(time.Minute), "revoked"); err != nil {
		t.Fatal(err)
	}
	globex, _ := mustSession(t, st, other)

	change := t0.Add(10 * time.Minute)
	if _, err := st.SetInactivityTimeout(ctx, "acme", 15*time.Minute, server.Activity{At: change}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		id   string
		want time.Duration // lapses at t0 + want
	}{
		{"sign-in at t0, in use", open.ID, 30 * time.Minute}, // max(10m, 0+15m) + 15m
		{"renewed in use at 5m", sOpen.ID, 35 * time.Minute}, // max(10m, 5m+15m) + 15m
		{"renewed in use at 9m59s", sLate.ID, 40*time.Minute - time.Second},
		{"closed at 2m", sIdle.ID, 25 * time.Minute}, // max(2m, 10m) + 15m
		{"other account", globex.ID, 24 * time.Hour},
	} {
		got, err := st.Session(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LapsesAt().Equal(t0.Add(c.want)) {
			t.Errorf("%s: lapses at %v, want %v", c.name, got.LapsesAt().Sub(t0), c.want)
		}
		if got.Account == "acme" && got.Timeout != 15*time.Minute {
			t.Errorf("%s: timeout %v, want the new 15m", c.name, got.Timeout)
		}
	}
	if got, _ := st.Session(ctx, ended.ID); got.EndReason != "revoked" || !got.LapsesAt().Equal(t0.Add(24*time.Hour)) {
		t.Errorf("revoked session changed: %+v", got)
	}
	// Raising the timeout extends nobody until their next renewal; a second
	// change counts from the cadence the client was given (15m, from 24h).
	if _, err := st.SetInactivityTimeout(ctx, "acme", 8*time.Hour, server.Activity{At: change.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Session(ctx, sOpen.ID); !got.LapsesAt().Equal(t0.Add(35 * time.Minute)) {
		t.Errorf("after raising to 8h: lapses at %v, want unchanged 35m", got.LapsesAt().Sub(t0))
	}
	if _, err := st.SetInactivityTimeout(ctx, "acme", time.Second, server.Activity{At: change.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Session(ctx, sOpen.ID); !got.LapsesAt().Equal(t0.Add(20*time.Minute + time.Second)) {
		t.Errorf("after 1s at 12m: lapses at %v, want 5m + 15m + 1s", got.LapsesAt().Sub(t0))
	}
	if got, _ := st.Session(ctx, sIdle.ID); !got.LapsesAt().Equal(t0.Add(12*time.Minute + time.Second)) {
		t.Errorf("idle after 1s at 12m: lapses at %v, want 12m + 1s", got.LapsesAt().Sub(t0))
	}
}
