// Package nativemsg is the browser extension's native-messaging host
// (docs/products.md): it relays the extension's messages, in the browsers'
// length-prefixed JSON framing on stdin and stdout, to the agent's local API,
// and pushes the agent's state changes back. `walkme-agent native-host` runs
// it; the browser starts that process when the extension connects.
package nativemsg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// The native-messaging host relays the browser extension's messages to the
// agent's local API (docs/products.md has the message contract):
//
//	{"id": 1, "type": "presence", "source": "...", "ttl_seconds": N}  a heartbeat; the reply carries the status
//	{"id": 2, "type": "status"}                                        the status
//	{"id": 3, "type": "token", "source": "...", "ttl_seconds": N}     the session's access token (a heartbeat when it names a source)
//	{"id": 4, "type": "subscribe"}                                     from now on, a "state" message at every change
//
// A reply echoes the request's id: {"id", "ok", "error", "code", "status",
// "token"}. A pushed state change is {"type": "state", "state", "user",
// "signed_out_reason", "status"}; while the agent cannot be reached it is
// {"type": "state", "state": "unreachable", "error"}. A frame that is too
// long, cut short, or not a JSON object ends the host with an error on
// stderr (the browser logs it and the extension sees the port disconnect).

type nativeRequest struct {
	ID         json.RawMessage `json:"id,omitempty"`
	Type       string          `json:"type"`
	Source     string          `json:"source"`
	TTLSeconds int             `json:"ttl_seconds"`
}

type nativeReply struct {
	ID     json.RawMessage         `json:"id,omitempty"`
	OK     bool                    `json:"ok"`
	Error  string                  `json:"error,omitempty"`
	Code   string                  `json:"code,omitempty"`
	Status *localapi.Status        `json:"status,omitempty"`
	Token  *localapi.TokenResponse `json:"token,omitempty"`
}

// nativeState is a pushed state change.
type nativeState struct {
	Type            string           `json:"type"` // "state"
	State           string           `json:"state"`
	User            string           `json:"user"`
	SignedOutReason string           `json:"signed_out_reason,omitempty"`
	Error           string           `json:"error,omitempty"`
	Status          *localapi.Status `json:"status,omitempty"`
}

// stateUnreachable is the pushed state while the agent does not answer.
const stateUnreachable = "unreachable"

// API is what the host needs of the agent: *localapi.Client.
type API interface {
	Status(ctx context.Context) (localapi.Status, error)
	Presence(ctx context.Context, source string, ttl time.Duration) error
	Token(ctx context.Context, req localapi.TokenRequest) (localapi.TokenResponse, error)
	Events(ctx context.Context) (<-chan localapi.Status, error)
}

// maxInFlight bounds the requests the host works on at once; more wait in
// the pipe (a token request may wait up to 20 s for a renewal).
const maxInFlight = 8

// Serve relays messages until the browser closes the port (nil) or the
// stream breaks (an error). It returns after every goroutine it started.
func Serve(ctx context.Context, api API, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	h := &nativeHost{api: api, out: &frameWriter{w: out}}
	slots := make(chan struct{}, maxInFlight)
	for {
		msg, err := readFrame(in)
		if errors.Is(err, io.EOF) {
			return nil // the browser closed the port
		}
		if err != nil {
			return err
		}
		req, err := parseNative(msg)
		if err != nil {
			return err
		}
		if req.Type == "subscribe" {
			if !h.subscribed {
				h.subscribed = true
				wg.Go(func() { h.follow(ctx) })
			}
			if err := h.out.send(nativeReply{ID: req.ID, OK: true}); err != nil {
				return err
			}
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if h.out.send(h.handle(ctx, req)) != nil {
				cancel() // the browser is gone
			}
		})
	}
}

// parseNative reads one request; anything but a JSON object is refused.
func parseNative(msg []byte) (nativeRequest, error) {
	var req nativeRequest
	if b := bytes.TrimLeft(msg, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return req, errors.New("message is not a JSON object")
	}
	if err := json.Unmarshal(msg, &req); err != nil {
		return req, fmt.Errorf("message is not a JSON object: %v", err)
	}
	return req, nil
}

type nativeHost struct {
	api        API
	out        *frameWriter
	subscribed bool // the read loop's own
}

func (h *nativeHost) handle(ctx context.Context, req nativeRequest) nativeReply {
	reply := nativeReply{ID: req.ID}
	fail := func(err error) nativeReply {
		reply.Error = err.Error()
		var ae *localapi.APIError
		if errors.As(err, &ae) {
			reply.Code = ae.Reason
		}
		return reply
	}
	switch req.Type {
	case "presence":
		if err := h.api.Presence(ctx, req.Source, time.Duration(req.TTLSeconds)*time.Second); err != nil {
			return fail(err)
		}
		fallthrough
	case "status":
		st, err := h.api.Status(ctx)
		if err != nil {
			return fail(err)
		}
		reply.OK, reply.Status = true, &st
	case "token":
		tok, err := h.api.Token(ctx, localapi.TokenRequest{Source: req.Source, TTLSeconds: req.TTLSeconds})
		if err != nil {
			return fail(err)
		}
		reply.OK, reply.Token = true, &tok
	default:
		reply.Error = fmt.Sprintf("unknown message type %q (want presence, status, token or subscribe)", req.Type)
	}
	return reply
}

// follow pushes the agent's state to the extension at every change, from
// the local API's event stream, reconnecting while the agent is away.
func (h *nativeHost) follow(ctx context.Context) {
	const minWait, maxWait = 500 * time.Millisecond, 5 * time.Second
	wait := minWait
	unreachable := false
	for ctx.Err() == nil {
		updates, err := h.api.Events(ctx)
		if err == nil {
			for st := range updates {
				wait, unreachable = minWait, false
				if h.out.send(nativeState{Type: "state", State: st.State, User: st.User,
					SignedOutReason: st.SignedOutReason, Status: &st}) != nil {
					return
				}
			}
			err = errors.New("the agent's event stream ended")
		}
		if ctx.Err() != nil {
			return
		}
		if !unreachable {
			unreachable = true
			if h.out.send(nativeState{Type: "state", State: stateUnreachable, Error: err.Error()}) != nil {
				return
			}
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, maxWait)
	}
}
