package server

import (
	"net"
	"net/http"
	"net/url"
)

// client is a registered OAuth client. Only public clients exist: the
// agent, and the Admin Center, which is served by this same process.
type client struct {
	id string
	// redirectOK reports whether uri is one of the client's redirect URIs.
	redirectOK func(uri string) bool
	// deviceGrant: the client may use the device grant (RFC 8628).
	deviceGrant bool
}

func (s *Server) client(id string) (client, bool) {
	switch id {
	case AgentClientID:
		return client{id: id, redirectOK: loopbackRedirect, deviceGrant: true}, true
	case adminCenterClientID:
		return client{id: id, redirectOK: func(uri string) bool { return uri == s.endpoint(adminCallbackPath) }}, true
	}
	return client{}, false
}

// formClient parses the form of a request to an OAuth endpoint and returns
// the client it names, in the body or in HTTP Basic authentication (public
// clients send no secret). It answers the request itself with an OAuth
// error and returns false when the form is malformed or the client unknown.
func (s *Server) formClient(w http.ResponseWriter, r *http.Request) (client, bool) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form body")
		return client{}, false
	}
	clientID := r.PostForm.Get("client_id")
	if id, _, ok := r.BasicAuth(); ok {
		clientID = id
	}
	c, ok := s.client(clientID)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client_id")
	}
	return c, ok
}

// loopbackRedirect accepts the redirect URIs of a native app (RFC 8252
// §7.3): plain http to 127.0.0.1, [::1] or localhost, on any port, any
// path, no fragment.
func loopbackRedirect(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}
