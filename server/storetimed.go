package server

import (
	"context"
	"time"
)

// timedStore measures every store call for
// walkme_sessiond_store_duration_seconds. Written out method by method
// (no reflection), so the compiler keeps it complete.
type timedStore struct {
	st Store
	m  *metrics
}

// timed runs call, the store operation op, and observes its time.
func timed[R any](t timedStore, op string, call func() (R, error)) (R, error) {
	start := time.Now()
	r, err := call()
	t.observe(op, start, err)
	return r, err
}

// timedErr is timed for an operation that returns only an error.
func (t timedStore) timedErr(op string, call func() error) error {
	_, err := timed(t, op, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func (t timedStore) observe(op string, start time.Time, err error) {
	result := "ok"
	if err != nil && err != ErrNotFound && err != ErrCodeReused && err != ErrUserCodeTaken && err != ErrLastAdmin {
		result = "error"
	}
	t.m.storeTime.WithLabelValues(op, result).Observe(time.Since(start).Seconds())
}

func (t timedStore) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	return timed(t, "Secret", func() ([]byte, error) { return t.st.Secret(ctx, name, generate) })
}

func (t timedStore) UserByEmail(ctx context.Context, email string) (User, error) {
	return timed(t, "UserByEmail", func() (User, error) { return t.st.UserByEmail(ctx, email) })
}

func (t timedStore) User(ctx context.Context, id string) (User, error) {
	return timed(t, "User", func() (User, error) { return t.st.User(ctx, id) })
}

func (t timedStore) Account(ctx context.Context, name string) (Account, error) {
	return timed(t, "Account", func() (Account, error) { return t.st.Account(ctx, name) })
}

func (t timedStore) SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e Activity) (old time.Duration, err error) {
	return timed(t, "SetInactivityTimeout", func() (time.Duration, error) { return t.st.SetInactivityTimeout(ctx, account, d, e) })
}

func (t timedStore) AppendActivity(ctx context.Context, account string, e Activity) error {
	return t.timedErr("AppendActivity", func() error { return t.st.AppendActivity(ctx, account, e) })
}

func (t timedStore) ActivityLog(ctx context.Context, account string) ([]Activity, error) {
	return timed(t, "ActivityLog", func() ([]Activity, error) { return t.st.ActivityLog(ctx, account) })
}

func (t timedStore) Users(ctx context.Context, account string) ([]User, error) {
	return timed(t, "Users", func() ([]User, error) { return t.st.Users(ctx, account) })
}

func (t timedStore) SetAdmin(ctx context.Context, account, userID string, admin bool, e Activity) error {
	return t.timedErr("SetAdmin", func() error { return t.st.SetAdmin(ctx, account, userID, admin, e) })
}

func (t timedStore) LiveSessions(ctx context.Context, account string, now time.Time) ([]Session, error) {
	return timed(t, "LiveSessions", func() ([]Session, error) { return t.st.LiveSessions(ctx, account, now) })
}

func (t timedStore) CountLiveSessions(ctx context.Context, now time.Time) (int, error) {
	return timed(t, "CountLiveSessions", func() (int, error) { return t.st.CountLiveSessions(ctx, now) })
}

func (t timedStore) Ping(ctx context.Context) error {
	return t.timedErr("Ping", func() error { return t.st.Ping(ctx) })
}

func (t timedStore) PutCode(ctx context.Context, c AuthCode) error {
	return t.timedErr("PutCode", func() error { return t.st.PutCode(ctx, c) })
}

func (t timedStore) RedeemCode(ctx context.Context, hash string, now time.Time) (AuthCode, error) {
	return timed(t, "RedeemCode", func() (AuthCode, error) { return t.st.RedeemCode(ctx, hash, now) })
}

func (t timedStore) CreateSession(ctx context.Context, s Session, refreshHash, codeHash string) error {
	return t.timedErr("CreateSession", func() error { return t.st.CreateSession(ctx, s, refreshHash, codeHash) })
}

func (t timedStore) Session(ctx context.Context, id string) (Session, error) {
	return timed(t, "Session", func() (Session, error) { return t.st.Session(ctx, id) })
}

func (t timedStore) RefreshToken(ctx context.Context, hash string) (RefreshToken, Session, error) {
	start := time.Now()
	r0, r1, err := t.st.RefreshToken(ctx, hash)
	t.observe("RefreshToken", start, err)
	return r0, r1, err
}

func (t timedStore) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	return t.timedErr("EndSession", func() error { return t.st.EndSession(ctx, id, at, reason) })
}

func (t timedStore) Rotate(ctx context.Context, r Rotation) (RotationResult, error) {
	return timed(t, "Rotate", func() (RotationResult, error) { return t.st.Rotate(ctx, r) })
}

func (t timedStore) PutDeviceCode(ctx context.Context, d DeviceCode) error {
	return t.timedErr("PutDeviceCode", func() error { return t.st.PutDeviceCode(ctx, d) })
}

func (t timedStore) DecideDeviceCode(ctx context.Context, userCode, userID string, approve bool, now time.Time) (DeviceCode, error) {
	return timed(t, "DecideDeviceCode", func() (DeviceCode, error) { return t.st.DecideDeviceCode(ctx, userCode, userID, approve, now) })
}

func (t timedStore) PollDeviceCode(ctx context.Context, hash string, now time.Time) (DeviceCode, error) {
	return timed(t, "PollDeviceCode", func() (DeviceCode, error) { return t.st.PollDeviceCode(ctx, hash, now) })
}
