// Package network tells whether the session server is reachable in
// principle: whether this machine has a route to it (docs/design.md §3.3).
// It sends nothing to the server; the renewal itself is the real test, and a renewal
// that fails with a network error marks the network down in the agent core.
package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Status is the network as seen from the agent.
type Status struct {
	Up     bool
	Reason string // why, in words for `status` and logs
}

// lookupTimeout bounds the DNS lookup in Check.
const lookupTimeout = 3 * time.Second

// Check reports whether server (the ServerURL) is reachable in principle:
//   - a loopback server (127.0.0.0/8, ::1, localhost) is always up;
//   - otherwise the host is resolved and a UDP socket "connected" to each
//     address (no packet is sent: the kernel only picks a route); a route to
//     any address means up;
//   - a DNS failure means down only when no interface but loopback is up;
//     with an interface up the renewal itself decides.
func Check(ctx context.Context, server string) Status {
	host, port, err := hostPort(server)
	if err != nil {
		return Status{Reason: err.Error()}
	}
	if isLoopbackName(host) {
		return Status{Up: true, Reason: "the server is on this machine (loopback)"}
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		if ifname, ok := interfaceUp(); ok {
			return Status{Up: true, Reason: fmt.Sprintf("cannot resolve %s (%v), but %s is up: the renewal will tell", host, err, ifname)}
		}
		return Status{Reason: fmt.Sprintf("no network: no interface is up and %s does not resolve", host)}
	}
	var routeErr error
	for _, a := range addrs {
		if a.IsLoopback() {
			return Status{Up: true, Reason: fmt.Sprintf("%s is on this machine (%s)", host, a)}
		}
		local, err := route(netip.AddrPortFrom(a, port))
		if err == nil {
			return Status{Up: true, Reason: fmt.Sprintf("route to %s from %s", a, local)}
		}
		routeErr = err
	}
	return Status{Reason: fmt.Sprintf("no route to %s (%s): %v", host, joinAddrs(addrs), routeErr)}
}

// hostPort extracts the host and port of a server URL, with the scheme's
// default port.
func hostPort(server string) (string, uint16, error) {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return "", 0, fmt.Errorf("bad server URL %q", server)
	}
	host := u.Hostname()
	var port uint16 = 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscan(p, &n); err != nil || n <= 0 || n > 65535 {
			return "", 0, fmt.Errorf("bad port in server URL %q", server)
		}
		port = uint16(n)
	}
	return host, port, nil
}

// isLoopbackName reports whether host is a loopback address or name.
func isLoopbackName(host string) bool {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().IsLoopback()
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// resolve returns host's addresses; an IP literal is its own.
func resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, err
}

// route asks the kernel for a route to dst by connecting a UDP socket to it,
// which sends nothing. It returns the local address the route would use.
func route(dst netip.AddrPort) (net.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.LocalAddr(), nil
}

// interfaceUp returns the name of an interface, other than loopback, that is
// up, has a carrier and a usable (not link-local) address.
func interfaceUp() (string, bool) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", false
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 || ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagRunning == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().IsGlobalUnicast() {
				return ifc.Name, true
			}
		}
	}
	return "", false
}

func joinAddrs(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
