//go:build linux

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
)

// netns is a network namespace joined to this one by a veth pair: the
// agent runs inside it and reaches the server across the veth, so pulling
// the link is a real loss of network.
type netns struct {
	name, inner     string // namespace, and the veth end inside it
	hostIP, innerIP string
}

func newNetns(t *testing.T) *netns {
	t.Helper()
	testenv.Root(t)
	testenv.Command(t, "ip")
	id := os.Getpid() % 10000
	n := &netns{name: fmt.Sprintf("wme2e%d", id), inner: fmt.Sprintf("wma%d", id),
		hostIP: fmt.Sprintf("10.231.%d.1", id%250), innerIP: fmt.Sprintf("10.231.%d.2", id%250)}
	host := fmt.Sprintf("wmh%d", id)
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	exec.Command("ip", "netns", "del", n.name).Run() // a leftover from a killed run
	exec.Command("ip", "link", "del", host).Run()
	ip("netns", "add", n.name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	ip("link", "add", host, "type", "veth", "peer", "name", n.inner)
	t.Cleanup(func() { exec.Command("ip", "link", "del", host).Run() })
	ip("link", "set", n.inner, "netns", n.name)
	ip("addr", "add", n.hostIP+"/24", "dev", host)
	ip("link", "set", host, "up")
	n.exec(t, "ip", "link", "set", "lo", "up")
	n.exec(t, "ip", "addr", "add", n.innerIP+"/24", "dev", n.inner)
	n.exec(t, "ip", "link", "set", n.inner, "up")
	return n
}

// exec runs a command inside the namespace.
func (n *netns) exec(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", append([]string{"netns", "exec", n.name}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("in %s: %s: %v: %s", n.name, strings.Join(args, " "), err, out)
	}
}

// selfSigned makes a certificate for ip and writes it as a CA file.
func selfSigned(t *testing.T, ip string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "walkme-e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(ip)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

// TestNetworkLossStopsRenewalsAndReturnRenews is R7 over a real link: the
// agent in its own namespace, the server across a veth pair behind HTTPS.
func TestNetworkLossStopsRenewalsAndReturnRenews(t *testing.T) {
	n := newNetns(t)
	ln, err := net.Listen("tcp", n.hostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	cert, caFile := selfSigned(t, n.hostIP)
	f := startFrontOn(t, ln, &cert)
	a := newAgentEnv(t, f.issuer, map[string]any{"CAFile": caFile})
	// The agent and the sign-in (whose redirect comes back to the agent's
	// loopback listener) run inside the namespace.
	a.proc = testenv.StartProcess(t, "agent", a.env, "ip", "netns", "exec", n.name, a.bin, "run")
	testenv.WaitFor(t, 10*time.Second, "the agent to answer", func() bool { _, err := a.status(); return err == nil })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	login := exec.CommandContext(ctx, "ip", "netns", "exec", n.name, a.bin, "login")
	login.Env = append(os.Environ(), a.env...)
	login.Env = append(login.Env, "CURL_CA_BUNDLE="+caFile) // the browser trusts the test CA too
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("login in the namespace: %v: %s", err, out)
	}
	openProduct(t)
	a.awaitStatus(10*time.Second, "active", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && st.Renewals >= 1
	})

	n.exec(t, "ip", "link", "set", n.inner, "down")
	a.awaitStatus(10*time.Second, "offline", func(st localapi.Status) bool { return st.State == localapi.StateOffline })
	f.quietThenRenewed(t, a, "while the link was down", func() { n.exec(t, "ip", "link", "set", n.inner, "up") }, "after the link came back")
}
