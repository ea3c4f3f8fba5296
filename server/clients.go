package server

import (
	"net"
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
