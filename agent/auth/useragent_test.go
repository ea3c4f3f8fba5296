package auth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/auth"
	"github.com/walkme/session-agent/server"
)

// TestUserAgentNamesTheAgent: the provider records the session as signed
// in by the agent and its version (what the Admin Center's Sessions page
// shows), and the caller's own HTTP client is left as it was.
func TestUserAgentNamesTheAgent(t *testing.T) {
	p := newProvider(t)
	hc := &http.Client{Timeout: 20 * time.Second}
	c := auth.New(auth.Options{Issuer: p.url, ClientID: server.AgentClientID, HTTPClient: hc,
		UserAgent: "walkme-agent/9.8.7 (linux)"})
	login(t, c)
	if hc.Transport != nil {
		t.Errorf("New changed the caller's HTTP client: Transport = %T", hc.Transport)
	}
	list, err := p.store.LiveSessions(context.Background(), "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !strings.HasPrefix(list[0].Device, "walkme-agent/9.8.7 · ") {
		t.Fatalf("sessions %+v, want one whose device names walkme-agent/9.8.7", list)
	}
}
