// Package localapi is the agent's local HTTP/JSON API (docs/design.md §4): the
// server side mounted on the agent's unix socket or named pipe, and the client
// the CLI, the tray and the native-messaging host use. The transport (socket,
// peer check) is platform/ipc's job; this package only speaks HTTP over it.
package localapi

import "time"

// States, in the order of precedence in which they hold (docs/design.md §3.1).
// StateStarting comes before all of them: the agent has not read the stored
// session from the keychain yet, so it cannot say whether one is live.
const (
	StateStarting  = "starting"
	StateSignedOut = "signed_out"
	StateAsleep    = "asleep"
	StateOffline   = "offline"
	StateIdle      = "idle"
	StateActive    = "active"
)

// Reasons a session ended (Status.SignedOutReason).
const (
	ReasonNone     = ""
	ReasonLogout   = "logout"
	ReasonExpired  = "expired"
	ReasonRejected = "rejected"
)

// Status is the agent's state as `status --json` prints it and as
// GET /v1/status and every /v1/events message carry it. Its JSON form is a
// contract with IT scripts: add fields, never rename them.
type Status struct {
	State                    string     `json:"state"`
	User                     string     `json:"user"`
	ServerURL                string     `json:"server_url"`
	SignedOutReason          string     `json:"signed_out_reason"`
	LastRenewal              *time.Time `json:"last_renewal"`
	NextRenewal              *time.Time `json:"next_renewal"`
	LapsesAt                 *time.Time `json:"lapses_at"`
	InactivityTimeoutSeconds int64      `json:"inactivity_timeout_seconds"`
	RenewIntervalSeconds     int64      `json:"renew_interval_seconds"`
	Renewals                 int        `json:"renewals"`
	// Renewing: a renewal is under way (sent, not yet answered). One
	// sent before the machine slept or went offline still completes;
	// none starts after.
	Renewing bool     `json:"renewing"`
	Presence Presence `json:"presence"`
	Network  Network  `json:"network"`
	Power    Power    `json:"power"`
	// LastError is the last renewal or keychain problem, "" when none. It
	// never contains a token.
	LastError string `json:"last_error"`
	// Keychain says whether the OS keychain answers. While it fails, a live
	// session is held in memory and the write retried.
	Keychain     Keychain `json:"keychain"`
	LoginPending bool     `json:"login_pending"`
	// SignOutPending: the user signed out while the server could not be
	// reached; the revocation is sent when the network returns.
	SignOutPending bool     `json:"signout_pending"`
	AdminCenterURL string   `json:"admin_center_url"`
	Locked         []string `json:"locked"` // configuration keys set by managed policy
	Version        string   `json:"version"`
}

// Keychain states (Status.Keychain.State).
const (
	KeychainOK      = "ok"
	KeychainReading = "reading" // the stored session is being read at start
	KeychainFailing = "failing" // the last read or write failed; retried
)

// Keychain is the OS keychain's health as the agent last saw it.
type Keychain struct {
	State string `json:"state"`
	Error string `json:"error,omitempty"` // why it fails; never a token
}

// Presence says whether a WalkMe product is open, and what shows it.
type Presence struct {
	Open    bool     `json:"open"`
	Sources []string `json:"sources"`
}

// Network says whether the server is reachable in principle.
type Network struct {
	Up bool `json:"up"`
}

// Power says whether the machine sleeps or its lid is closed.
type Power struct {
	Asleep    bool `json:"asleep"`
	LidClosed bool `json:"lid_closed"`
}

// SignedIn reports whether the status describes a live session.
// A starting agent does not know yet.
func (s Status) SignedIn() bool {
	return s.State != StateSignedOut && s.State != StateStarting && s.State != ""
}

// LoginRequest is the body of POST /v1/login (optional).
type LoginRequest struct {
	// Device asks for the device grant (RFC 8628): the user signs in on
	// another device's browser with a code, for machines without one.
	Device bool `json:"device,omitempty"`
}

// LoginStart is the answer to POST /v1/login: where the user signs in.
type LoginStart struct {
	AuthURL string `json:"auth_url,omitempty"` // browser sign-in: open this URL
	// Device sign-in: open VerificationURI anywhere and enter UserCode
	// (VerificationURIComplete carries the code, when the provider sends it).
	UserCode                string     `json:"user_code,omitempty"`
	VerificationURI         string     `json:"verification_uri,omitempty"`
	VerificationURIComplete string     `json:"verification_uri_complete,omitempty"`
	ExpiresAt               *time.Time `json:"expires_at,omitempty"`
}

// PresenceRequest is the body of POST /v1/presence: a heartbeat from a
// WalkMe product (the browser extension's native-messaging host) that counts
// as "open" for TTLSeconds.
type PresenceRequest struct {
	Source     string `json:"source"`
	TTLSeconds int    `json:"ttl_seconds"`
}

// Error is the JSON body of every non-2xx answer.
type Error struct {
	Error string `json:"error"`
	// Code says why a request was refused, for programs (POST /v1/token's
	// Refused* codes); absent on other errors.
	Code string `json:"code,omitempty"`
	// RetryAt is when asking again may succeed, when the agent knows.
	RetryAt *time.Time `json:"retry_at,omitempty"`
}
