package testenv

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// Active asks the walkme-sessiond at issuer whether it still accepts token;
// it works as well for a service in another process.
func Active(tb testing.TB, issuer, token string) bool {
	tb.Helper()
	resp, err := http.PostForm(issuer+"/introspect", url.Values{"token": {token}, "client_id": {"walkme-agent"}})
	if err != nil {
		tb.Fatalf("introspect: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("introspect: HTTP %d", resp.StatusCode)
	}
	var v struct {
		Active *bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Active == nil {
		tb.Fatalf("introspect: no answer with \"active\" (%v)", err)
	}
	return *v.Active
}
