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

func (t timedStore) observe(op string, start time.Time, err error) {
	result := "ok"
	if err != nil && err != ErrNotFound && err != ErrCodeReused && err != ErrUserCodeTaken && err != ErrLastAdmin {
		result = "error"
	}
	t.m.storeTime.WithLabelValues(op, result).Observe(time.Since(start).Seconds())
}

func (t timedStore) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	start := time.Now()
	r0, err := t.st.Secret(ctx, name, generate)
	t.observe("Secret", start, err)
	return r0, err
}

func (t timedStore) UserByEmail(ctx context.Context, email string) (User, error) {
	start := time.Now()
	r0, err := t.st.UserByEmail(ctx, email)
	t.observe("UserByEmail", start, err)
	return r0, err
}

func (t timedStore) User(ctx context.Context, id string) (User, error) {
	start := time.Now()
	r0, err := t.st.User(ctx, id)
	t.observe("User", start, err)
	return r0, err
}

func (t timedStore) Account(ctx context.Context, name string) (Account, error) {
	start := time.Now()
	r0, err := t.st.Account(ctx, name)
	t.observe("Account", start, err)
	return r0, err
}

func (t timedStore) SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e Activity) (old time.Duration, err error) {
	start := time.Now()
	r0, err := t.st.SetInactivityTimeout(ctx, account, d, e)
	t.observe("SetInactivityTimeout", start, err)
	return r0, err
}

func (t timedStore) AppendActivity(ctx context.Context, account string, e Activity) error {
	start := time.Now()
	err := t.st.AppendActivity(ctx, account, e)
	t.observe("AppendActivity", start, err)
	return err
}

func (t timedStore) ActivityLog(ctx context.Context, account string) ([]Activity, error) {
	start := time.Now()
	r0, err := t.st.ActivityLog(ctx, account)
	t.observe("ActivityLog", start, err)
	return r0, err
}

func (t timedStore) Users(ctx context.Context, account string) ([]User, error) {
	start := time.Now()
	r0, err := t.st.Users(ctx, account)
	t.observe("Users", start, err)
	return r0, err
}

func (t timedStore) SetAdmin(ctx context.Context, account, userID string, admin bool, e Activity) error {
	start := time.Now()
	err := t.st.SetAdmin(ctx, account, userID, admin, e)
	t.observe("SetAdmin", start, err)
	return err
}

func (t timedStore) LiveSessions(ctx context.Context, account string, now time.Time) ([]Session, error) {
	start := time.Now()
	r0, err := t.st.LiveSessions(ctx, account, now)
	t.observe("LiveSessions", start, err)
	return r0, err
}

func (t timedStore) CountLiveSessions(ctx context.Context, now time.Time) (int, error) {
	start := time.Now()
	r0, err := t.st.CountLiveSessions(ctx, now)
	t.observe("CountLiveSessions", start, err)
	return r0, err
}

func (t timedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := t.st.Ping(ctx)
	t.observe("Ping", start, err)
	return err
}

func (t timedStore) PutCode(ctx context.Context, c AuthCode) error {
	start := time.Now()
	err := t.st.PutCode(ctx, c)
	t.observe("PutCode", start, err)
	return err
}

func (t timedStore) RedeemCode(ctx context.Context, hash string, now time.Time) (AuthCode, error) {
	start := time.Now()
	r0, err := t.st.RedeemCode(ctx, hash, now)
	t.observe("RedeemCode", start, err)
	return r0, err
}

func (t timedStore) CreateSession(ctx context.Context, s Session, refreshHash, codeHash string) error {
	start := time.Now()
	err := t.st.CreateSession(ctx, s, refreshHash, codeHash)
	t.observe("CreateSession", start, err)
	return err
}

func (t timedStore) Session(ctx context.Context, id string) (Session, error) {
	start := time.Now()
	r0, err := t.st.Session(ctx, id)
	t.observe("Session", start, err)
	return r0, err
}

func (t timedStore) RefreshToken(ctx context.Context, hash string) (RefreshToken, Session, error) {
	start := time.Now()
	r0, r1, err := t.st.RefreshToken(ctx, hash)
	t.observe("RefreshToken", start, err)
	return r0, r1, err
}

func (t timedStore) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	start := time.Now()
	err := t.st.EndSession(ctx, id, at, reason)
	t.observe("EndSession", start, err)
	return err
}

func (t timedStore) Rotate(ctx context.Context, r Rotation) (RotationResult, error) {
	start := time.Now()
	r0, err := t.st.Rotate(ctx, r)
	t.observe("Rotate", start, err)
	return r0, err
}

func (t timedStore) PutDeviceCode(ctx context.Context, d DeviceCode) error {
	start := time.Now()
	err := t.st.PutDeviceCode(ctx, d)
	t.observe("PutDeviceCode", start, err)
	return err
}

func (t timedStore) DecideDeviceCode(ctx context.Context, userCode, userID string, approve bool, now time.Time) (DeviceCode, error) {
	start := time.Now()
	r0, err := t.st.DecideDeviceCode(ctx, userCode, userID, approve, now)
	t.observe("DecideDeviceCode", start, err)
	return r0, err
}

func (t timedStore) PollDeviceCode(ctx context.Context, hash string, now time.Time) (DeviceCode, error) {
	start := time.Now()
	r0, err := t.st.PollDeviceCode(ctx, hash, now)
	t.observe("PollDeviceCode", start, err)
	return r0, err
}
