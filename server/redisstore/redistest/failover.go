package redistest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
)

// Failover is a primary, its replicas and a sentinel that promotes one of
// them when the primary dies, as a Sentinel deployment runs them.
// Everyone reaches the primary through a relay (its address is the
// relay's), which the test can make hold back the replication stream, so
// a write stands on the primary alone, as it does when the primary dies
// before replication reaches the replica.
type Failover struct {
	URL      string   // redis+sentinel://…?master_name=walkme
	Primary  string   // host:port, the relay in front of it
	Replicas []string // host:port

	t        testing.TB
	sentinel *redis.SentinelClient
	stop     func() // SIGKILLs the primary
	relay    *relay
}

// StartFailover starts a primary, n replicas and the sentinel, and
// returns once the replicas are in sync and the sentinel knows them.
// Everything stops when the test ends.
func StartFailover(t testing.TB, n int) *Failover {
	t.Helper()
	bin := testenv.Command(t, "redis-server")
	dir := t.TempDir()
	f := &Failover{t: t}
	var err error
	primary, stop, err := launchNode(bin, mkdir(t, dir, "primary"), mustPort(t))
	if err != nil {
		t.Fatalf("primary: %v", err)
	}
	f.stop = stop
	t.Cleanup(f.stop)
	if f.relay, err = newRelay(primary); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.relay.close)
	f.Primary = "127.0.0.1:" + strconv.Itoa(f.relay.port())
	for i := range n {
		replica, stop, err := launchNode(bin, mkdir(t, dir, fmt.Sprint("replica", i)), mustPort(t),
			"--replicaof", "127.0.0.1", strconv.Itoa(f.relay.port()))
		if err != nil {
			t.Fatalf("replica: %v", err)
		}
		f.Replicas = append(f.Replicas, replica)
		t.Cleanup(stop)
	}
	sport := mustPort(t)
	if err := runSentinel(t, bin, dir, sport, f.relay.port(),
		"sentinel down-after-milliseconds "+SentinelMaster+" 1000", "sentinel failover-timeout "+SentinelMaster+" 5000"); err != nil {
		t.Fatal(err)
	}
	f.sentinel = redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(sport)})
	t.Cleanup(func() { f.sentinel.Close() })
	pc := redis.NewClient(&redis.Options{Addr: primary})
	defer pc.Close()
	f.await(20*time.Second, "the replicas to be in sync and the sentinel to know them", func() bool {
		info, err := pc.Info(context.Background(), "replication").Result()
		if err != nil || strings.Count(info, "state=online") != n {
			return false
		}
		reps, err := f.sentinel.Replicas(context.Background(), SentinelMaster).Result()
		return err == nil && len(reps) == n && f.master() == f.Primary
	})
	f.URL = fmt.Sprintf("redis+sentinel://127.0.0.1:%d?master_name=%s", sport, SentinelMaster)
	return f
}

// Hold stops replication: what the primary writes from now on stays on
// the primary. Other connections pass as before.
func (f *Failover) Hold() { f.relay.hold() }

// KillPrimary SIGKILLs the primary (what replication held back is lost)
// and waits until the sentinel has promoted a replica.
func (f *Failover) KillPrimary() {
	f.t.Helper()
	f.stop()
	f.relay.close()
	f.await(30*time.Second, "the sentinel to promote a replica", func() bool { return slices.Contains(f.Replicas, f.master()) })
}

func (f *Failover) master() string {
	addr, err := f.sentinel.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
	if err != nil || len(addr) != 2 {
		return ""
	}
	return addr[0] + ":" + addr[1]
}

func (f *Failover) await(within time.Duration, what string, ok func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			f.t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// relay forwards connections to the primary; held, it stops passing what
// the primary sends on a replication link (one whose client said PSYNC).
type relay struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	held  bool
	conns []net.Conn
}

// link is one relayed connection.
type link struct {
	mu          sync.Mutex
	replication bool
}

func (l *link) markIf(b []byte) {
	if bytes.Contains(bytes.ToUpper(b), []byte("PSYNC")) {
		l.mu.Lock()
		l.replication = true
		l.mu.Unlock()
	}
}

func (l *link) isReplication() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.replication
}

func newRelay(target string) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &relay{ln: ln, target: target}
	go r.serve()
	return r, nil
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *relay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			in.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, in, out)
		r.mu.Unlock()
		l := &link{}
		go r.up(l, in, out)
		go r.down(l, out, in)
	}
}

// up copies what the client sends to the primary.
func (r *relay) up(l *link, from, to net.Conn) {
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			l.markIf(buf[:n])
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// down copies what the primary sends to the client; on a replication
// link, once held, it reads and drops it, as a network that lost the
// packets would.
func (r *relay) down(l *link, from, to net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		r.mu.Lock()
		held := r.held && l.isReplication()
		r.mu.Unlock()
		if n > 0 && !held {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			to.Close()
			return
		}
	}
}

func (r *relay) hold() {
	r.mu.Lock()
	r.held = true
	r.mu.Unlock()
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

func mkdir(t testing.TB, dir, name string) string {
	p := filepath.Join(dir, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPort(t testing.TB) int {
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
