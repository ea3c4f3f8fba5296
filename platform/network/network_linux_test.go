package network

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/internal/testenv"
)

// The no-route cases run in a fresh network namespace (unshare -n, as root),
// in a child process of this test binary, set up by a shell script first.

const childEnv = "WALKME_NETWORK_TEST_CHILD"

func inNetns(t *testing.T, name, setup string) {
	t.Helper()
	testenv.Root(t)
	unshare := testenv.Command(t, "unshare")
	testenv.Command(t, "ip")
	script := "set -e\n" + setup + "\nexec \"$0\" -test.run=\"^" + name + "$\" -test.v -test.count=1"
	cmd := exec.Command(unshare, "-n", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if bytes.Contains(out, []byte("Operation not permitted")) {
		testenv.Missing(t, "cannot create a network namespace here: "+strings.TrimSpace(string(out)))
	}
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+name)) {
		t.Fatalf("child %s: %v\n%s", name, err, out)
	}
}

func child(t *testing.T) {
	if os.Getenv(childEnv) != t.Name() {
		t.Skip("run in a network namespace by another test")
	}
}

func TestOnlyLoopback(t *testing.T) {
	inNetns(t, "TestChildOnlyLoopback", "ip link set lo up")
}

func TestChildOnlyLoopback(t *testing.T) {
	child(t)
	ctx := context.Background()
	st := Check(ctx, "https://198.51.100.7")
	if st.Up || !strings.Contains(st.Reason, "no route") || !strings.Contains(st.Reason, "unreachable") {
		t.Errorf("no route: %+v, want down, saying the network is unreachable", st)
	}
	st = Check(ctx, "https://walkme-agent-test.invalid")
	if st.Up || !strings.Contains(st.Reason, "no interface is up") {
		t.Errorf("DNS failure without interfaces: %+v, want down", st)
	}
	for _, server := range []string{"http://127.0.0.1:8080", "http://localhost:1", "https://[::1]:9"} {
		if st := Check(ctx, server); !st.Up {
			t.Errorf("%s: %+v, want up", server, st)
		}
	}
}

// An interface up with 10.9.9.1/24 and no default route: the /24 is
// reachable, the rest of the world is not, and a DNS failure (the resolver
// is unreachable) leaves the verdict to the renewal.
func TestInterfaceUpNoDefaultRoute(t *testing.T) {
	inNetns(t, "TestChildInterfaceUp", `ip link set lo up
ip link add wm0 type veth peer name wm1
ip addr add 10.9.9.1/24 dev wm0
ip link set wm1 up
ip link set wm0 up
# the carrier comes up asynchronously: wait for it (RUNNING)
for i in $(seq 200); do ip link show wm0 | grep -q LOWER_UP && break; sleep 0.05; done
ip link show wm0 | grep -q LOWER_UP`)
}

func TestChildInterfaceUp(t *testing.T) {
	child(t)
	ctx := context.Background()
	if st := Check(ctx, "https://10.9.9.2:8443"); !st.Up || !strings.Contains(st.Reason, "10.9.9.1") {
		t.Errorf("on-link server: %+v, want up via 10.9.9.1", st)
	}
	if st := Check(ctx, "https://198.51.100.7"); st.Up {
		t.Errorf("off-link server without a default route: %+v, want down", st)
	}
	if st := Check(ctx, "https://walkme-agent-test.invalid"); !st.Up || !strings.Contains(st.Reason, "wm0") {
		t.Errorf("DNS failure with wm0 up: %+v, want up (the renewal decides)", st)
	}
}

// Watch hears of a new route from rtnetlink at once, long before its poll.
func TestWatchHearsRouteChanges(t *testing.T) {
	inNetns(t, "TestChildWatchHearsRouteChanges", "ip link set lo up\nip link add wm0 type veth peer name wm1\nip link set wm1 up")
}

func TestChildWatchHearsRouteChanges(t *testing.T) {
	child(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const server = "https://10.9.9.7"
	updates := Watch(ctx, server, time.Hour) // only a change feed can wake it
	if st := <-updates; st.Up {
		t.Fatalf("first status %+v, want down (no route yet)", st)
	}
	for _, args := range [][]string{{"addr", "add", "10.9.9.1/24", "dev", "wm0"}, {"link", "set", "wm0", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	select {
	case st := <-updates:
		if !st.Up {
			t.Fatalf("after the route appeared: %+v, want up", st)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not report the new route (no rtnetlink notification?)")
	}
	if out, err := exec.Command("ip", "link", "set", "wm0", "down").CombinedOutput(); err != nil {
		t.Fatalf("ip link set down: %v: %s", err, out)
	}
	select {
	case st := <-updates:
		if st.Up {
			t.Fatalf("after the link went down: %+v, want down", st)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Watch did not report the link going down")
	}
}
