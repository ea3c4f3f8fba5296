package agent

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/walkme/session-agent/agent/session"
)

// record is the one keychain entry per user: the refresh token and the
// session's metadata as one small JSON value (Windows refuses secrets over
// 2,560 bytes; access and ID tokens stay in memory only).
type record struct {
	Version        int       `json:"v"`
	RefreshToken   string    `json:"refresh_token"`
	User           string    `json:"user"`
	ServerURL      string    `json:"server_url"`
	LastRenewal    time.Time `json:"last_renewal"`
	TimeoutSeconds float64   `json:"timeout_seconds"`
	LapsesAt       time.Time `json:"lapses_at"`
	// RenewingSince marks a renewal sent and not yet stored. If the agent
	// dies before storing the rotated token, the next start renews at once
	// with the same token and RenewingRequest: the server answers the old
	// token with the same successor for a short grace (60 s), and past it
	// when the request repeats the one that rotated it (see renewRequest),
	// so a crash in that window loses nothing, however late the restart.
	RenewingSince   *time.Time `json:"renewing_since,omitempty"`
	RenewingRequest string     `json:"renewing_request,omitempty"`
	// PendingRevocation is the token of a signed-out session whose
	// revocation has not reached the server yet; it is used for nothing
	// else. A record may hold only it (RefreshToken "": no session).
	PendingRevocation string `json:"pending_revocation,omitempty"`
}

const recordVersion = 1

// newRecord is the entry for a session, carrying a pending revocation
// along. Its times are stored on the wall clock, which the next run
// anchors its session clock to (restoredSession converts back).
func (a *Agent) newRecord(refresh string, s session.Session) record {
	s.LastRenewal = a.opts.Wall(s.LastRenewal)
	if !s.Deadline.IsZero() {
		s.Deadline = a.opts.Wall(s.Deadline)
	}
	r := newRecord(refresh, s)
	r.PendingRevocation = a.pendingRevoke
	return r
}

// restoredSession is the stored session on the session clock.
func (a *Agent) restoredSession(r record) session.Session {
	s := r.session()
	s.LastRenewal = a.opts.FromWall(s.LastRenewal)
	if !s.Deadline.IsZero() {
		s.Deadline = a.opts.FromWall(s.Deadline)
	}
	return s
}

func newRecord(refresh string, s session.Session) record {
	return record{
		Version:        recordVersion,
		RefreshToken:   refresh,
		User:           s.User,
		ServerURL:      s.ServerURL,
		LastRenewal:    s.LastRenewal.UTC(),
		TimeoutSeconds: s.Timeout.Seconds(),
		LapsesAt:       s.LapsesAt().UTC(),
	}
}

func (r record) session() session.Session {
	return session.Session{
		User:        r.User,
		ServerURL:   r.ServerURL,
		LastRenewal: r.LastRenewal,
		Timeout:     time.Duration(r.TimeoutSeconds * float64(time.Second)),
		Deadline:    r.LapsesAt,
	}
}

func (r record) marshal() ([]byte, error) { return json.Marshal(r) }

func parseRecord(b []byte) (record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		// Never echo the value: it holds a token.
		return record{}, fmt.Errorf("keychain entry is not a WalkMe session record (%d bytes)", len(b))
	}
	if r.Version != recordVersion || (r.RefreshToken == "" && r.PendingRevocation == "") {
		return record{}, fmt.Errorf("keychain entry has version %d or no token; expected version %d", r.Version, recordVersion)
	}
	return r, nil
}
