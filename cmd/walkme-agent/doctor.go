package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/browserhost"
	"github.com/walkme/session-agent/platform/keychain"
)

// check is one line of `doctor`: what was checked, whether it is fine, and
// what to do when it is not.
type check struct {
	name string
	ok   bool
	info string
}

func cmdDoctor(ctx context.Context, g *globals, args []string) int {
	if code, ok := parse(g.flags("doctor", "doctor"), args); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var checks []check
	loaded, err := g.loadConfig()
	if err != nil {
		checks = append(checks, check{"configuration", false, err.Error()})
	} else {
		checks = append(checks, check{"configuration", true, "loaded (see `walkme-agent config show`)"})
		cfg := loaded.Config
		checks = append(checks, checkKeychain(ctx, cfg.KeychainBackend, cfg.KeychainService))
		checks = append(checks, checkServer(ctx, cfg.ServerURL))
		checks = append(checks, checkBrowserHost(browserhost.Installed(), cfg.BrowserExtensions))
	}
	checks = append(checks, checkAgent(ctx, g))
	checks = append(checks, checkTrayHost(ctx))
	bad := 0
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark = "FAIL"
			bad++
		}
		fmt.Fprintf(g.stdout, "%s  %-14s %s\n", mark, c.name, c.info)
	}
	if bad > 0 {
		return exitFailure
	}
	return exitOK
}

func checkKeychain(ctx context.Context, backend, service string) check {
	kc, err := keychain.Open(keychain.Options{Backend: keychain.Backend(backend), Service: service, Logger: discard()})
	if err == nil {
		err = kc.Probe(ctx)
	}
	if err != nil {
		return check{"keychain", false, err.Error()}
	}
	if kc.Backend() == keychain.BackendMemory {
		return check{"keychain", true, "memory backend: for tests and the demo only, the session is lost when the agent exits"}
	}
	return check{"keychain", true, kc.Backend().String() + " keychain reachable and unlocked"}
}

func checkServer(ctx context.Context, serverURL string) check {
	if serverURL == "" {
		return check{"server", false, "ServerURL is not set: set it in the config file or managed policy"}
	}
	u := strings.TrimSuffix(serverURL, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return check{"server", false, err.Error()}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return check{"server", false, fmt.Sprintf("%s unreachable: %v", serverURL, err)}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return check{"server", false, fmt.Sprintf("%s answers HTTP %d for OIDC discovery", serverURL, resp.StatusCode)}
	}
	return check{"server", true, serverURL + " answers OIDC discovery"}
}

func checkAgent(ctx context.Context, g *globals) check {
	st, err := g.client().Status(ctx)
	if err != nil {
		return check{"agent", false, fmt.Sprintf("not answering on %s: start it with `walkme-agent service start` (%v)", g.socket, err)}
	}
	if st.Keychain.State == localapi.KeychainFailing {
		return check{"agent", false, fmt.Sprintf("running, state %s, but its keychain fails: %s", st.State, st.Keychain.Error)}
	}
	return check{"agent", true, fmt.Sprintf("running, state %s", st.State)}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
