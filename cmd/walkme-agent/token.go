package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// cmdToken prints the current session's access token, as `gh auth token`
// does, for scripts and products that call WalkMe APIs (docs/products.md).
// It never prints the refresh token: the agent does not hand that out.
func cmdToken(ctx context.Context, g *globals, args []string) int {
	fs := g.flags("token", "token [--json] [--source NAME --ttl DURATION]")
	asJSON := fs.Bool("json", false, "print the whole answer (token, expires_at, user, state) as JSON")
	source := fs.String("source", "", "count this request as a heartbeat from the product NAME")
	ttl := fs.Duration("ttl", 0, "how long the heartbeat counts (with --source; at most 1h)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *source != "" && *ttl == 0 {
		*ttl = time.Minute
	}
	req := localapi.TokenRequest{Source: *source, TTLSeconds: int(ttl.Seconds())}
	resp, err := g.client().Token(ctx, req)
	var ae *localapi.APIError
	if errors.As(err, &ae) && ae.Reason == localapi.RefusedSignedOut {
		fmt.Fprintf(g.stderr, "walkme-agent: %v\n", err)
		return exitSignedOut
	}
	if err != nil {
		return g.fail(err)
	}
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(resp); err != nil {
			return g.fail(err)
		}
		return exitOK
	}
	fmt.Fprintln(g.stdout, resp.AccessToken)
	return exitOK
}
