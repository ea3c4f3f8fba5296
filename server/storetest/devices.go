package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/server"
)

func newDevice(userCode string) server.DeviceCode {
	return server.DeviceCode{Hash: "dc-" + rand.Text(), UserCode: userCode, ClientID: clientID, Scope: "openid offline_access",
		Interval: 5 * time.Second, CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute), Status: server.DevicePending}
}

// userCode is a fresh 8-letter code, so parallel tests never share one.
func userCode() string { return rand.Text()[:8] }

func mustPutDevice(t *testing.T, st Store, d server.DeviceCode) {
	t.Helper()
	if err := st.PutDeviceCode(context.Background(), d); err != nil {
		t.Fatalf("PutDeviceCode: %v", err)
	}
}

// mustNewDevice stores a new pending device authorization with a fresh
// user code.
func mustNewDevice(t *testing.T, st Store) server.DeviceCode {
	t.Helper()
	d := newDevice(userCode())
	mustPutDevice(t, st, d)
	return d
}

func testDeviceCodes(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	d := mustNewDevice(t, st)
	if err := st.PutDeviceCode(ctx, newDevice(d.UserCode)); !errors.Is(err, server.ErrUserCodeTaken) {
		t.Fatalf("second live code with user code %s: %v, want ErrUserCodeTaken", d.UserCode, err)
	}

	// Polls before the decision record their time and change nothing else.
	p1 := t0.Add(5 * time.Second)
	got, err := st.PollDeviceCode(ctx, d.Hash, p1)
	if err != nil || got.Status != server.DevicePending || !got.LastPoll.IsZero() || got.UserCode != d.UserCode ||
		got.ClientID != clientID || got.Scope != d.Scope || got.Interval != d.Interval || !got.CreatedAt.Equal(t0) ||
		!got.ExpiresAt.Equal(d.ExpiresAt) || got.Hash != d.Hash {
		t.Fatalf("first poll: %+v %v", got, err)
	}
	p2 := p1.Add(5 * time.Second)
	if got, _ := st.PollDeviceCode(ctx, d.Hash, p2); !got.LastPoll.Equal(p1) || got.Status != server.DevicePending {
		t.Fatalf("second poll: %+v, want the first poll's time", got)
	}

	// Approval: once; a second decision changes nothing.
	at := p2.Add(time.Second)
	before, err := st.DecideDeviceCode(ctx, d.UserCode, u.ID, true, at)
	if err != nil || before.Status != server.DevicePending || before.Hash != d.Hash || before.UserID != "" {
		t.Fatalf("approve: %+v %v", before, err)
	}
	if again, err := st.DecideDeviceCode(ctx, d.UserCode, "u_other", false, at); err != nil || again.Status != server.DeviceApproved || again.UserID != u.ID {
		t.Fatalf("second decision: %+v %v, want the approval unchanged", again, err)
	}
	// The next poll redeems it; the one after sees it redeemed.
	p3 := at.Add(time.Second)
	if got, err := st.PollDeviceCode(ctx, d.Hash, p3); err != nil || got.Status != server.DeviceApproved || got.UserID != u.ID || !got.LastPoll.Equal(p2) {
		t.Fatalf("poll after approval: %+v %v", got, err)
	}
	if got, _ := st.PollDeviceCode(ctx, d.Hash, p3.Add(time.Second)); got.Status != server.DeviceRedeemed || !got.LastPoll.Equal(p3) {
		t.Fatalf("poll after redemption: %+v, want redeemed", got)
	}

	// Denial.
	d2 := mustNewDevice(t, st)
	if before, err := st.DecideDeviceCode(ctx, d2.UserCode, u.ID, false, t0.Add(time.Minute)); err != nil || before.Status != server.DevicePending {
		t.Fatalf("deny: %+v %v", before, err)
	}
	for range 2 {
		if got, _ := st.PollDeviceCode(ctx, d2.Hash, t0.Add(2*time.Minute)); got.Status != server.DeviceDenied || got.UserID != u.ID {
			t.Fatalf("poll after denial: %+v", got)
		}
	}

	if _, err := st.DecideDeviceCode(ctx, "ZZZZZZZZ", u.ID, true, t0); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown user code: %v, want ErrNotFound", err)
	}
	if _, err := st.PollDeviceCode(ctx, "unknown", t0); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown device code: %v, want ErrNotFound", err)
	}
}

func testDeviceCodeExpiry(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	d := mustNewDevice(t, st)
	// At the expiry nothing can be decided any more...
	before, err := st.DecideDeviceCode(ctx, d.UserCode, u.ID, true, d.ExpiresAt)
	if err != nil || before.Status != server.DevicePending {
		t.Fatalf("decide at expiry: %+v %v", before, err)
	}
	if got, err := st.PollDeviceCode(ctx, d.Hash, d.ExpiresAt); err != nil || got.Status != server.DevicePending {
		t.Fatalf("poll at expiry: %+v %v, want still pending (the approval was refused)", got, err)
	}
	// ...an approval the device did not collect in time is not redeemed...
	d2 := mustNewDevice(t, st)
	if _, err := st.DecideDeviceCode(ctx, d2.UserCode, u.ID, true, d2.ExpiresAt.Add(-time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	st.PollDeviceCode(ctx, d2.Hash, d2.ExpiresAt)
	if got, _ := st.PollDeviceCode(ctx, d2.Hash, d2.ExpiresAt.Add(time.Second)); got.Status != server.DeviceApproved {
		t.Fatalf("late poll of an approval: %+v, want approved, never redeemed", got)
	}
	// ...and the user code of an expired authorization may be drawn again.
	d3 := newDevice(d.UserCode)
	d3.CreatedAt, d3.ExpiresAt = d.ExpiresAt, d.ExpiresAt.Add(10*time.Minute)
	mustPutDevice(t, st, d3)
	if before, err := st.DecideDeviceCode(ctx, d.UserCode, u.ID, true, d3.CreatedAt.Add(time.Second)); err != nil || before.Hash != d3.Hash {
		t.Fatalf("the reused user code names %+v %v, want the new authorization", before, err)
	}
}

// testConcurrentDevicePoll: however many polls of an approved device
// code race, exactly one redeems it (one session per approval).
func testConcurrentDevicePoll(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "acme", "a@acme.test")
	d := mustNewDevice(t, st)
	if _, err := st.DecideDeviceCode(ctx, d.UserCode, u.ID, true, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	const n = 16
	got := make([]server.DeviceCode, n)
	errs := make([]error, n)
	testenv.Race(n, func(i int) { got[i], errs[i] = st.PollDeviceCode(ctx, d.Hash, t0.Add(2*time.Second)) })
	redeemed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("poll %d: %v", i, errs[i])
		}
		if got[i].Status == server.DeviceApproved {
			redeemed++
		}
	}
	if redeemed != 1 {
		t.Fatalf("%d polls redeemed the approval, want exactly 1", redeemed)
	}
}
