package server

import (
	"encoding/json"
	"net/http"

	"github.com/go-jose/go-jose/v4"
)

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                        s.issuer,
		"authorization_endpoint":                        s.endpoint("/authorize"),
		"token_endpoint":                                s.endpoint("/token"),
		"device_authorization_endpoint":                 s.endpoint("/device_authorization"),
		"jwks_uri":                                      s.endpoint("/jwks"),
		"userinfo_endpoint":                             s.endpoint("/userinfo"),
		"revocation_endpoint":                           s.endpoint("/revoke"),
		"introspection_endpoint":                        s.endpoint("/introspect"),
		"response_types_supported":                      []string{"code"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token", DeviceCodeGrantType},
		"code_challenge_methods_supported":              []string{"S256"},
		"scopes_supported":                              []string{"openid", "email", "profile", "offline_access"},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{string(signingAlg)},
		"token_endpoint_auth_methods_supported":         []string{"none"},
		"revocation_endpoint_auth_methods_supported":    []string{"none"},
		"introspection_endpoint_auth_methods_supported": []string{"none"},
		"claims_supported":                              []string{"iss", "sub", "aud", "exp", "iat", "email", "email_verified", "sid", "auth_time", "nonce"},
	})
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: s.keys.current().public})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// oauthError writes an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, code int, kind, desc string) {
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="walkme-sessiond"`)
	}
	writeJSON(w, code, map[string]string{"error": kind, "error_description": desc})
}
