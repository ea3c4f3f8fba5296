// Package standin is a stand-in WalkMe web product for tests and the demo:
// one page that draws its sign-in from the WalkMe extension (the page
// contract of docs/products.md) and a backend that checks the token with
// the session service, as a real WalkMe product's backend does.
package standin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

//go:embed page.html
var page []byte

// Handler serves the page at / and, at /api/me, the signed-in user of the
// Bearer token the page sends, as the issuer's userinfo endpoint says.
func Handler(issuer string) http.Handler {
	client := &http.Client{Timeout: 10 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		email, status, err := userinfo(r, client, issuer)
		if err != nil {
			http.Error(w, err.Error(), status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"email": email})
	})
	return mux
}

// userinfo asks the issuer who the request's Bearer token speaks for.
func userinfo(r *http.Request, client *http.Client, issuer string) (string, int, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, issuer+"/userinfo", nil)
	if err != nil {
		return "", http.StatusInternalServerError, err
	}
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	resp, err := client.Do(req)
	if err != nil {
		return "", http.StatusBadGateway, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", http.StatusUnauthorized, fmt.Errorf("userinfo: HTTP %d", resp.StatusCode)
	}
	var v struct {
		Email string `json:"email"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&v); err != nil || v.Email == "" {
		return "", http.StatusBadGateway, fmt.Errorf("userinfo: no email in the answer")
	}
	return v.Email, http.StatusOK, nil
}
