package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNotAnswering is returned when the agent accepted the connection but did
// not answer in time: it is wedged, or busy starting. (When nothing listens
// at all, the Dialer's error says so: platform/ipc.ErrNotRunning.)
var ErrNotAnswering = errors.New("walkme-agent is not answering")

// Every call has a deadline, so that a client never hangs on a wedged agent.
// The quick calls answer from the agent's published status and get
// QuickTimeout; the others wait for the keychain or the server, or (LoginWait)
// for the person, and get theirs below. A caller's own earlier deadline
// always wins.
const (
	QuickTimeout = 2 * time.Second  // connect, status, presence, the event stream's first answer
	loginTimeout = 45 * time.Second // the provider's discovery, or a device code
	renewTimeout = 60 * time.Second // a renewal (30 s at most) and its keychain write
	// logoutTimeout covers the keychain delete and the revocation (10 s each
	// at most).
	logoutTimeout = 30 * time.Second
)

// Client talks to a running agent.
type Client struct {
	http *http.Client
}

// Dialer opens a connection to the agent (platform/ipc.Dial with its path).
type Dialer func(ctx context.Context) (net.Conn, error)

// NewClient returns a client that reaches the agent through dial.
func NewClient(dial Dialer) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, QuickTimeout)
			defer cancel()
			return dial(ctx)
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{http: &http.Client{Transport: tr}}
}

// Status returns the agent's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, QuickTimeout, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Login starts a browser sign-in.
func (c *Client) Login(ctx context.Context) (LoginStart, error) {
	return c.LoginWith(ctx, LoginRequest{})
}

// LoginWith starts a sign-in of the kind req asks for.
func (c *Client) LoginWith(ctx context.Context, req LoginRequest) (LoginStart, error) {
	var ls LoginStart
	err := c.do(ctx, loginTimeout, http.MethodPost, "/v1/login", req, &ls)
	return ls, err
}

// LoginWait waits for the pending sign-in to end and returns the status. It
// waits for the person as long as ctx lets it.
func (c *Client) LoginWait(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, 0, http.MethodPost, "/v1/login/wait", nil, &st)
	return st, err
}

// Logout signs out: the session ends on the server and in the keychain.
func (c *Client) Logout(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, logoutTimeout, http.MethodPost, "/v1/logout", nil, &st)
	return st, err
}

// Renew renews the session now.
func (c *Client) Renew(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, renewTimeout, http.MethodPost, "/v1/renew", nil, &st)
	return st, err
}

// Presence reports that a WalkMe product is open, for ttl.
func (c *Client) Presence(ctx context.Context, source string, ttl time.Duration) error {
	return c.do(ctx, QuickTimeout, http.MethodPost, "/v1/presence",
		PresenceRequest{Source: source, TTLSeconds: int(ttl / time.Second)}, nil)
}

// Events follows the agent's status: the current status at once, then every
// change. The channel closes when ctx ends or the connection drops; the
// caller reconnects. The answer's headers must come within QuickTimeout.
func (c *Client) Events(ctx context.Context) (<-chan Status, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+Host+"/v1/events", nil)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	late := time.AfterFunc(QuickTimeout, func() { cancel(fmt.Errorf("%w within %v", ErrNotAnswering, QuickTimeout)) })
	resp, err := c.http.Do(req)
	late.Stop()
	if err != nil {
		defer cancel(nil)
		if cause := context.Cause(ctx); errors.Is(cause, ErrNotAnswering) {
			return nil, cause
		}
		return nil, unwrapURL(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel(nil)
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	out := make(chan Status, 1)
	go func() {
		defer cancel(nil)
		defer close(out)
		defer resp.Body.Close()
		readEvents(ctx, resp.Body, out)
	}()
	return out, nil
}

func readEvents(ctx context.Context, body io.Reader, out chan<- Status) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimSpace(strings.TrimPrefix(line, "data:")))
		case line == "" && data.Len() > 0:
			var st Status
			if err := json.Unmarshal([]byte(data.String()), &st); err == nil {
				select {
				case out <- st:
				case <-ctx.Done():
					return
				}
			}
			data.Reset()
		}
	}
}

// do makes one call with the given deadline (0: only ctx's).
func (c *Client) do(ctx context.Context, timeout time.Duration, method, path string, in, out any) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w within %v", ErrNotAnswering, timeout))
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+Host+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrNotAnswering) {
			return cause
		}
		return unwrapURL(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("agent answer: %w", err)
	}
	return nil
}

// unwrapURL drops net/http's "Get \"http://agent/...\":" wrapping, which
// only confuses a user reading the error.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func decodeError(resp *http.Response) error {
	var e Error
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return &APIError{Code: resp.StatusCode, Message: e.Error, Reason: e.Code, RetryAt: e.RetryAt}
	}
	return &APIError{Code: resp.StatusCode, Message: strings.TrimSpace(string(b))}
}

// APIError is a non-2xx answer from the agent.
type APIError struct {
	Code    int
	Message string
	Reason  string     // Error.Code: why the agent refused, when it says
	RetryAt *time.Time // Error.RetryAt
}

func (e *APIError) Error() string { return e.Message }
