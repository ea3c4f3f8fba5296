//go:build linux

package bench

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/testenv"
	"github.com/walkme/session-agent/internal/weblogin"
	"github.com/walkme/session-agent/platform/ipc"
)

// docs/design.md §10's targets for a process at rest.
const (
	targetCPUPerHour = time.Second // agent: CPU-seconds per hour
	targetAgentMB    = 20.0        // agent RSS
	targetTrayMB     = 30.0        // tray RSS
)

const (
	settle     = 3 * time.Second  // after sign-in, before the window opens
	restWindow = 20 * time.Second // the agent's measured window
)

// agentProc is a running `walkme-agent run` with its own config and socket.
type agentProc struct {
	cmd    *exec.Cmd
	bin    string
	env    []string // private HOME/XDG dirs; tests add the bus
	args   []string // --config and --socket
	client *localapi.Client
}

// startAgent runs the agent against svc with the product's defaults
// (renewal every 15m, presence poll every 5s) and the memory keychain.
func startAgent(b *testing.B, svc *service) *agentProc {
	b.Helper()
	dir := b.TempDir()
	cfg, _ := json.Marshal(map[string]any{
		"ServerURL":         svc.URL,
		"KeychainBackend":   "memory",
		"PresenceProcesses": []string{product},
	})
	cfgFile := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		b.Fatal(err)
	}
	socket := filepath.Join(dir, "run", "agent.sock")
	a := &agentProc{
		bin:  agentBinary(b),
		env:  []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "XDG_RUNTIME_DIR=" + filepath.Join(dir, "run")},
		args: []string{"--config", cfgFile, "--socket", socket},
		client: localapi.NewClient(func(ctx context.Context) (net.Conn, error) {
			return ipc.Dial(ctx, socket)
		}),
	}
	a.cmd = testenv.StartProcess(b, "agent", a.env, a.bin, append(a.args, "run")...)
	if err := waitFor(10*time.Second, "the agent to answer", func() (bool, error) {
		_, err := a.status()
		return err == nil, err
	}); err != nil {
		b.Fatal(err)
	}
	return a
}

func (a *agentProc) status() (localapi.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.client.Status(ctx)
}

// await polls the agent's status until ok holds.
func (a *agentProc) await(b *testing.B, within time.Duration, what string, ok func(localapi.Status) bool) {
	b.Helper()
	if err := waitFor(within, what, func() (bool, error) {
		st, err := a.status()
		return err == nil && ok(st), err
	}); err != nil {
		b.Fatal(err)
	}
}

// signIn signs in through the local API and the server's login page, as
// `walkme-agent login` and a browser do.
func (a *agentProc) signIn(b *testing.B) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start, err := a.client.Login(ctx)
	if err != nil {
		b.Fatalf("login: %v", err)
	}
	if err := weblogin.SignIn(ctx, start.AuthURL, email, password); err != nil {
		b.Fatalf("sign in: %v", err)
	}
	a.await(b, 20*time.Second, "sign-in", localapi.Status.SignedIn)
}

// openProduct starts a stand-in WalkMe window: /bin/sleep under a name in
// PresenceProcesses.
func openProduct(b *testing.B) {
	b.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		b.Skip("no sleep(1) for the stand-in product process")
	}
	link := filepath.Join(b.TempDir(), product)
	if err := os.Symlink(sleep, link); err != nil {
		b.Fatal(err)
	}
	testenv.StartProcess(b, "product", nil, link, "3600")
}

// measure lets the processes sit for window (after settle) and returns
// what each cost over the same window. The benchmark timer runs for the
// window only; b.N is not used, as the quantity is a rate over wall time,
// not a cost per operation.
func measure(b *testing.B, window time.Duration, pids ...int) []rest {
	b.Helper()
	time.Sleep(settle)
	b.ResetTimer()
	before := make([]usage, len(pids))
	for i, pid := range pids {
		var err error
		if before[i], err = readUsage(pid); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(window)
	out := make([]rest, len(pids))
	for i, pid := range pids {
		after, err := readUsage(pid)
		if err != nil {
			b.Fatalf("process %d ended during the window: %v", pid, err)
		}
		out[i] = between(before[i], after)
	}
	b.StopTimer()
	return out
}

// reportFloor compares the agent's CPU with the 1 s ticker baseline
// measured over the same window.
func reportFloor(b *testing.B, agent, floor rest) {
	b.ReportMetric(floor.cpuPerHour.Seconds(), "floor-cpu-s/h")
	if floor.cpuPerHour > 0 {
		b.ReportMetric(agent.cpuPerHour.Seconds()/floor.cpuPerHour.Seconds(), "cpu/floor")
	}
}

func reportRest(b *testing.B, r rest, targetMB float64) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.cpuPerHour.Seconds(), "cpu-s/h")
	b.ReportMetric(r.ticksPerHour.Seconds(), "stat-cpu-s/h")
	b.ReportMetric(r.cpuPerHour.Seconds()/targetCPUPerHour.Seconds(), "cpu/target")
	b.ReportMetric(r.rssMB, "rss-MB")
	b.ReportMetric(r.hwmMB, "peak-rss-MB")
	b.ReportMetric(r.rssMB/targetMB, "rss/target")
}

// BenchmarkAgentIdle is the agent signed in with no WalkMe product open: it
// only polls presence (every 5 s) and waits. Target: under 1 CPU-s/h, 20 MB.
func BenchmarkAgentIdle(b *testing.B) { benchmarkAtRest(b, false, localapi.StateIdle) }

// BenchmarkAgentActive is the agent signed in with a product open: the
// renewal timer (15m) is armed and presence is polled every 5 s.
func BenchmarkAgentActive(b *testing.B) { benchmarkAtRest(b, true, localapi.StateActive) }

// benchmarkAtRest measures a signed-in agent, with a product open or not,
// over the rest window, which it must spend in state.
func benchmarkAtRest(b *testing.B, productOpen bool, state string) {
	svc := startService(b, sqliteStore(b, email))
	a := startAgent(b, svc)
	a.signIn(b)
	if productOpen {
		openProduct(b)
	}
	in := func(st localapi.Status) bool { return st.State == state }
	a.await(b, 15*time.Second, state, in)
	floor := startTicker(b)
	r := measure(b, restWindow, a.cmd.Process.Pid, floor.Process.Pid)
	a.await(b, 5*time.Second, "still "+state, in)
	reportRest(b, r[0], targetAgentMB)
	reportFloor(b, r[0], r[1])
}
