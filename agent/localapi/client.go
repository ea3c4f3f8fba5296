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
	"strings"
	"time"
)

// ErrAgentNotRunning is returned when nothing answers on the agent's socket.
var ErrAgentNotRunning = errors.New("walkme-agent is not running")

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
			c, err := dial(ctx)
			if err != nil {
				return nil, fmt.Errorf("%w (%v)", ErrAgentNotRunning, err)
			}
			return c, nil
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{http: &http.Client{Transport: tr}}
}

// Status returns the agent's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Login starts a browser sign-in.
func (c *Client) Login(ctx context.Context) (LoginStart, error) {
	return c.LoginWith(ctx, LoginRequest{})
}

// LoginWith starts a sign-in of the kind req asks for.
func (c *Client) LoginWith(ctx context.Context, req LoginRequest) (LoginStart, error) {
	var ls LoginStart
	err := c.do(ctx, http.MethodPost, "/v1/login", req, &ls)
	return ls, err
}

// LoginWait waits for the pending sign-in to end and returns the status.
func (c *Client) LoginWait(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/v1/login/wait", nil, &st)
	return st, err
}

// Logout signs out: the session ends on the server and in the keychain.
func (c *Client) Logout(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/v1/logout", nil, &st)
	return st, err
}

// Renew renews the session now.
func (c *Client) Renew(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/v1/renew", nil, &st)
	return st, err
}

// Presence reports that a WalkMe product is open, for ttl.
func (c *Client) Presence(ctx context.Context, source string, ttl time.Duration) error {
	return c.do(ctx, http.MethodPost, "/v1/presence",
		PresenceRequest{Source: source, TTLSeconds: int(ttl / time.Second)}, nil)
}

// Events follows the agent's status: the current status at once, then every
// change. The channel closes when ctx ends or the connection drops; the
// caller reconnects.
func (c *Client) Events(ctx context.Context) (<-chan Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://agent/v1/events", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, unwrapURL(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	out := make(chan Status, 1)
	go func() {
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

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://agent"+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
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
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && errors.Is(err, ErrAgentNotRunning) {
		return ErrAgentNotRunning
	}
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func decodeError(resp *http.Response) error {
	var e Error
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return &APIError{Code: resp.StatusCode, Message: e.Error}
	}
	return &APIError{Code: resp.StatusCode, Message: strings.TrimSpace(string(b))}
}

// APIError is a non-2xx answer from the agent.
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string { return e.Message }
