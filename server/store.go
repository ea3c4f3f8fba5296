package server

import (
	"context"
	"errors"
	"time"
)

// Store is where the service keeps accounts, users, sessions and tokens.
// Every method is atomic on its own; Rotate in particular is the
// compare-and-swap that guarantees one successor per refresh token, so a
// store shared by several server instances (Redis) stays correct.
type Store interface {
	// Secret returns the named server secret, storing generate's result
	// first if there is none yet (first writer wins).
	Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)

	UserByEmail(ctx context.Context, email string) (User, error)
	User(ctx context.Context, id string) (User, error)
	Account(ctx context.Context, name string) (Account, error)

	// SetInactivityTimeout changes the account's timeout and appends e
	// (with Old filled in) to its activity log in the same transaction,
	// and moves every live session's deadline to
	// Session.DeadlineAfterChange(e.At, d).
	SetInactivityTimeout(ctx context.Context, account string, d time.Duration, e Activity) (old time.Duration, err error)
	// AppendActivity adds e to the account's activity log.
	AppendActivity(ctx context.Context, account string, e Activity) error
	// ActivityLog returns the account's log, oldest first.
	ActivityLog(ctx context.Context, account string) ([]Activity, error)

	// Users returns the account's users, ordered by email.
	Users(ctx context.Context, account string) ([]User, error)
	// SetAdmin makes the account's user userID an admin (or a member) and
	// appends e to the account's activity log, in one step. Demoting the
	// account's last admin is ErrLastAdmin and changes nothing; so does a
	// user already in that role (no entry either). A user of another
	// account is ErrNotFound.
	SetAdmin(ctx context.Context, account, userID string, admin bool, e Activity) error
	// LiveSessions returns the account's sessions that are live at now
	// (Session.Live), earliest sign-in first.
	LiveSessions(ctx context.Context, account string, now time.Time) ([]Session, error)
	// CountLiveSessions counts the sessions of every account live at now.
	CountLiveSessions(ctx context.Context, now time.Time) (int, error)
	// Ping reports whether the store answers (the readiness probe).
	Ping(ctx context.Context) error

	// PutCode stores a new authorization code.
	PutCode(ctx context.Context, c AuthCode) error
	// RedeemCode marks the code used and returns it. A code that was
	// already used returns ErrCodeReused with the code, whose SessionID
	// names the session it produced. Unknown codes return ErrNotFound.
	RedeemCode(ctx context.Context, hash string, now time.Time) (AuthCode, error)
	// CreateSession stores s, its first refresh token, and links the code
	// it came from (codeHash may be empty).
	CreateSession(ctx context.Context, s Session, refreshHash, codeHash string) error

	// Session returns the session with the account's current timeout.
	Session(ctx context.Context, id string) (Session, error)
	// RefreshToken returns the token with that hash and its session.
	RefreshToken(ctx context.Context, hash string) (RefreshToken, Session, error)
	// EndSession ends a live session; ending an ended one is a no-op.
	EndSession(ctx context.Context, id string, at time.Time, reason string) error
	// Rotate redeems a refresh token; see Rotation.
	Rotate(ctx context.Context, r Rotation) (RotationResult, error)

	// PutDeviceCode stores a new pending device authorization (RFC 8628).
	// It answers ErrUserCodeTaken when an unexpired one has the same
	// UserCode.
	PutDeviceCode(ctx context.Context, d DeviceCode) error
	// DecideDeviceCode approves (or denies) the device authorization with
	// that user code for userID, if it is DevicePending and now is before
	// its expiry; otherwise it changes nothing. Either way it returns the
	// authorization as it was before; an unknown user code is ErrNotFound.
	DecideDeviceCode(ctx context.Context, userCode, userID string, approve bool, now time.Time) (DeviceCode, error)
	// PollDeviceCode records a poll of the device code with that hash at
	// now and, if it is DeviceApproved and now is before its expiry, marks
	// it DeviceRedeemed, in one step. It returns the authorization as it
	// was before the poll; an unknown hash is ErrNotFound.
	PollDeviceCode(ctx context.Context, hash string, now time.Time) (DeviceCode, error)
}

// Errors a Store returns.
var (
	ErrNotFound   = errors.New("not found")
	ErrCodeReused = errors.New("authorization code already used")
	// ErrUserCodeTaken: another live device authorization has that user
	// code; draw another.
	ErrUserCodeTaken = errors.New("user code taken")
	// ErrLastAdmin: the change would leave the account without an admin.
	ErrLastAdmin = errors.New("the account's last admin cannot be made a member")
)

// Account is a customer account: every user and session in it shares one
// inactivity timeout (R1, R3).
type Account struct {
	Name              string
	InactivityTimeout time.Duration
}

// DefaultInactivityTimeout is the timeout of a new account (R1).
const DefaultInactivityTimeout = 24 * time.Hour

// User is a person who signs in.
type User struct {
	ID           string
	Account      string
	Email        string
	PasswordHash []byte // bcrypt
	Admin        bool
}

// Activity is one entry of an account's activity log.
type Activity struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"` // email of the admin who acted, or the address a sign-in came from
	Action string    `json:"action"`
	// Target is whom or what the action was about (a user's email, a
	// session), when not the account itself.
	Target string `json:"target,omitempty"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

// AuthCode is a pending authorization code (stored by hash).
type AuthCode struct {
	Hash        string
	ClientID    string
	RedirectURI string
	Challenge   string // PKCE S256 code_challenge
	Scope       string
	Nonce       string
	UserID      string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	SessionID   string // set once redeemed and exchanged
}

// DeviceCode is a device authorization (RFC 8628), stored by the hash of
// its device_code and found by its user code.
type DeviceCode struct {
	Hash      string
	UserCode  string // normalized: upper case, no separator
	ClientID  string
	Scope     string
	Interval  time.Duration // the polling interval the client was given
	CreatedAt time.Time
	ExpiresAt time.Time
	LastPoll  time.Time // zero before the first poll
	Status    DeviceStatus
	UserID    string // who approved or denied it
}

// DeviceStatus is where a device authorization stands.
type DeviceStatus string

// Device authorization states: pending until the user decides; approved
// until the device's next poll redeems it, once.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceRedeemed DeviceStatus = "redeemed"
)

// Session is one sign-in. It ends when revoked and lapses at Deadline.
//
// Every renewal sets Deadline = LastUse + the account's timeout, LastUse
// being the moment of last use the client reported, clamped into [previous
// renewal, now]: so a renewal sent late (a retried closing renewal, one sent
// at the next wake) still lapses one timeout after the user stopped (R10).
//
// A timeout change applies to live sessions from the moment it is saved
// (R3), without cutting off a client that is renewing on its cadence: see
// DeadlineAfterChange.
type Session struct {
	ID       string
	Account  string
	UserID   string
	ClientID string
	Scope    string
	AuthTime time.Time
	// Device says where the session was signed in, for people: the
	// client's software and address (see describeDevice).
	Device      string
	LastRenewal time.Time
	EndedAt     time.Time // zero while not revoked
	EndReason   string
	Timeout     time.Duration // the account's current inactivity timeout

	// LastUse is the moment of last use the last renewal reported (the
	// sign-in for a new session).
	LastUse time.Time
	// InUse says the last renewal (or the sign-in) reported a product open:
	// the client then renews again within one cadence.
	InUse bool
	// RenewedTimeout is the timeout the last renewal answered with; the
	// client's cadence follows it until its next renewal.
	RenewedTimeout time.Duration
	// Deadline is when the session lapses without another renewal. Zero
	// only for a session stored before deadlines were (LastRenewal+Timeout).
	Deadline time.Time
}

// MaxRenewInterval is the longest renewal cadence a client may use (the
// agent refuses a RenewInterval above it): min(MaxRenewInterval, timeout/2).
const MaxRenewInterval = 15 * time.Minute

// Cadence is the longest a client that reported a product open may take
// before its next renewal: min(MaxRenewInterval, RenewedTimeout/2).
func (s Session) Cadence() time.Duration {
	return min(MaxRenewInterval, s.RenewedTimeout/2)
}

// LapsesAt is when the session lapses without another renewal.
func (s Session) LapsesAt() time.Time {
	if s.Deadline.IsZero() {
		return s.LastRenewal.Add(s.Timeout)
	}
	return s.Deadline
}

// Live reports whether the session is neither ended nor lapsed at now.
func (s Session) Live(now time.Time) bool {
	return s.EndedAt.IsZero() && now.Before(s.LapsesAt())
}

// DeadlineAfterChange is the session's deadline after the account's timeout
// changed to d at time at. It never extends the session; it shortens it to
//
//   - for a session whose last renewal reported a product open:
//     max(at, LastRenewal + Cadence()) + d — the client's next regular
//     renewal (due by LastRenewal + Cadence() on the cadence it was given)
//     lands inside it, whatever the old and new values are;
//   - for an idle one: max(LastUse, at) + d — one new timeout after the
//     later of the last use and the change.
//
// Every store applies exactly this (the SQL and Lua mirror it); a renewal
// after the change uses the new timeout as usual.
func (s Session) DeadlineAfterChange(at time.Time, d time.Duration) time.Time {
	base := maxTime(s.LastUse, at)
	if s.InUse {
		base = maxTime(at, s.LastRenewal.Add(s.Cadence()))
	}
	if next := base.Add(d); next.Before(s.LapsesAt()) {
		return next
	}
	return s.LapsesAt()
}

// RenewedDeadline is where a renewal at now that reports lastUse (zero:
// now) puts the deadline under timeout d: lastUse clamped into
// [s.LastRenewal, now], plus d. It also returns the clamped last use.
func (s Session) RenewedDeadline(now, lastUse time.Time, d time.Duration) (deadline, use time.Time) {
	use = lastUse
	if use.IsZero() || use.After(now) {
		use = now
	}
	use = maxTime(use, s.LastRenewal)
	return use.Add(d), use
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// RefreshToken is a stored refresh token (by hash).
type RefreshToken struct {
	Hash      string
	SessionID string
	IssuedAt  time.Time
	Successor string    // hash of its successor, once rotated
	RotatedAt time.Time // when it was rotated
	RotatedBy string    // the Rotation.RequestID that rotated it ("" when none)
}

// Rotation asks a Store to redeem the refresh token Hash at Now.
//
// In one transaction the store: answers RotateUnknown for an unknown
// token; RotateEnded when the session is ended or lapsed; when the token
// has no successor yet, records SuccessorHash as its successor, stores
// the successor and renews the session (RotateRotated); when it has one
// that is unused and Now is within Grace of the rotation — or later, when
// RequestID repeats the request that rotated it — renews the session
// (RotateReplayed, same successor); otherwise ends the session with reason
// "reuse" (RotateReused).
//
// A renewal sets LastUse (clamped, see Session.RenewedDeadline), InUse,
// RenewedTimeout and Deadline. When the reported last use is a full timeout
// ago already, the session ends (reason "lapsed", RotateEnded) instead.
type Rotation struct {
	ClientID      string // the presenting client; another client's token is RotateWrongClient
	Hash          string
	SuccessorHash string
	Now           time.Time
	Grace         time.Duration
	// LastUse is the moment of last use the client reported (zero: Now).
	LastUse time.Time
	// InUse: the client reported a product open.
	InUse bool
	// RequestID identifies the client's request (hashed; "" when it sent
	// none). It is recorded with a rotation, and a repeat of that same
	// request is answered past Grace: the client is retrying an answer it
	// lost (a crash between the server's rotation and its own keychain
	// write, and a restart much later), which a thief replaying an older
	// token cannot do without the id. Unlike a longer grace, a stolen token
	// presented after the grace is still detected as reuse.
	RequestID string
}

// Retrying reports whether r repeats the request that rotated t.
func (r Rotation) Retrying(t RefreshToken) bool {
	return r.RequestID != "" && r.RequestID == t.RotatedBy
}

// RotationOutcome is what Rotate did.
type RotationOutcome int

// Outcomes of Rotate.
const (
	RotateUnknown RotationOutcome = iota
	RotateRotated
	RotateReplayed
	RotateReused
	RotateEnded
	RotateWrongClient // nothing changed
)

// RotationResult is Rotate's answer; Session is the session after the
// change (renewed on RotateRotated and RotateReplayed).
type RotationResult struct {
	Outcome   RotationOutcome
	Session   Session
	Successor string // hash of the successor on Rotated/Replayed
}
