package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// Browser native messaging (Chrome, Edge, Firefox): each message is a 32-bit
// length in native byte order (little-endian on every platform we ship) and
// that many bytes of JSON. The host is a thin relay to the agent's local API.
const maxNativeMessage = 1 << 20

type nativeRequest struct {
	Type       string `json:"type"` // "presence" or "status"
	Source     string `json:"source"`
	TTLSeconds int    `json:"ttl_seconds"`
}

type nativeReply struct {
	OK     bool             `json:"ok"`
	Error  string           `json:"error,omitempty"`
	Status *localapi.Status `json:"status,omitempty"`
}

func cmdNativeHost(ctx context.Context, g *globals, args []string) int {
	// Browsers pass the caller's origin (and on Windows a window handle) as
	// arguments: accept and ignore them.
	if err := serveNative(ctx, g.client(), bufio.NewReader(os.Stdin), g.stdout); err != nil {
		return g.fail(fmt.Errorf("native-host: %w", err))
	}
	return exitOK
}

func serveNative(ctx context.Context, c *localapi.Client, in io.Reader, out io.Writer) error {
	for {
		var n uint32
		if err := binary.Read(in, binary.LittleEndian, &n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the browser closed the port
			}
			return err
		}
		if n > maxNativeMessage {
			return fmt.Errorf("message of %d bytes is over the %d limit", n, maxNativeMessage)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(in, buf); err != nil {
			return err
		}
		reply := handleNative(ctx, c, buf)
		b, err := json.Marshal(reply)
		if err != nil {
			return err
		}
		if err := binary.Write(out, binary.LittleEndian, uint32(len(b))); err != nil {
			return err
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
}

func handleNative(ctx context.Context, c *localapi.Client, msg []byte) nativeReply {
	var req nativeRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		return nativeReply{Error: "message is not JSON"}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	switch req.Type {
	case "presence":
		if err := c.Presence(ctx, req.Source, time.Duration(req.TTLSeconds)*time.Second); err != nil {
			return nativeReply{Error: err.Error()}
		}
		fallthrough
	case "status":
		st, err := c.Status(ctx)
		if err != nil {
			return nativeReply{Error: err.Error()}
		}
		return nativeReply{OK: true, Status: &st}
	}
	return nativeReply{Error: fmt.Sprintf("unknown message type %q (want presence or status)", req.Type)}
}
