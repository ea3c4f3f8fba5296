package server

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"
)

// Parameters of the refresh_token grant by which a client reports use (other
// providers ignore unknown parameters, RFC 6749 §3.2):
//
//   - idle_seconds: how long ago, in seconds (decimals allowed), the user
//     last used a product, measured on the client's clock that counts
//     suspend. Relative, so clock skew between client and server does not
//     move the deadline. Absent: 0.
//   - in_use: "true" while a product is open, "false" for the renewal at the
//     last window's close or one the user asked for with nothing open.
//     Absent: true.
//
// The server sets the deadline to (now - idle_seconds, clamped into [the
// previous renewal, now]) + the timeout: a renewal that got through late
// still lapses one timeout after the user stopped (R10).
//
// And one by which a client makes a refresh it may have to repeat
// idempotent:
//
//   - request_id: the client's random id for this refresh. A client that
//     lost the answer (it crashed before storing the rotated token) sends
//     the same token with the same id again, and gets the same successor
//     even after the reuse grace, as long as the successor was never used.
//     Only the hash is stored.
const (
	ParamIdleSeconds = "idle_seconds"
	ParamInUse       = "in_use"
	ParamRequestID   = "request_id"
)

// usage is what a renewal reports about its user.
type usage struct {
	idle  time.Duration // since the last use, as the client measured it
	inUse bool
	// requestID is the hash of the client's request_id ("" when none).
	requestID string
}

// lastUse is when the user last used a product, as seen at now.
func (u usage) lastUse(now time.Time) time.Time { return now.Add(-u.idle) }

func parseUsage(form url.Values) (usage, error) {
	u := usage{inUse: true}
	if v := form.Get(ParamInUse); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return u, &grantError{400, "invalid_request", fmt.Sprintf("%s must be true or false", ParamInUse)}
		}
		u.inUse = b
	}
	if v := form.Get(ParamIdleSeconds); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 100*365*24*3600 {
			return u, &grantError{400, "invalid_request", fmt.Sprintf("%s must be a number of seconds >= 0", ParamIdleSeconds)}
		}
		u.idle = time.Duration(f * float64(time.Second))
	}
	if v := form.Get(ParamRequestID); v != "" {
		if len(v) > 128 {
			return u, &grantError{400, "invalid_request", fmt.Sprintf("%s is longer than 128 characters", ParamRequestID)}
		}
		u.requestID = hashToken(v)
	}
	return u, nil
}
