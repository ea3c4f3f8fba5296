package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/walkme/session-agent/internal/testenv"
)

// SentinelMaster is the name the test sentinel watches its master under.
const SentinelMaster = "walkme"

// StartSentinel runs a redis-server and a sentinel (redis-server
// --sentinel) that watches it as SentinelMaster, on loopback ports, and
// returns redis+sentinel://127.0.0.1:SENTINEL-PORT?master_name=walkme once
// the sentinel names the master. Both stop when the test ends. Without
// redis-server the test skips (fails under CI=true).
func StartSentinel(t testing.TB) string {
	t.Helper()
	bin := testenv.Command(t, "redis-server")
	var u string
	if err := retried(func() (err error) { u, err = startSentinel(t, bin); return err }); err != nil {
		t.Fatalf("redis sentinel: %v", err)
	}
	return u
}

func startSentinel(t testing.TB, bin string) (string, error) {
	dir := t.TempDir()
	mport, err := freePort()
	if err != nil {
		return "", err
	}
	master, stopMaster, err := launchNode(bin, dir, mport)
	if err != nil {
		return "", err
	}
	t.Cleanup(stopMaster)
	sport, err := freePort()
	if err != nil {
		return "", err
	}
	if err := runSentinel(t, bin, dir, sport, mport); err != nil {
		return "", err
	}
	c := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(sport)})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		addr, err := c.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
		if err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == master {
			return fmt.Sprintf("redis+sentinel://127.0.0.1:%d?master_name=%s", sport, SentinelMaster), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the sentinel on port %d does not name master %s in 10s: %v %v", sport, master, addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runSentinel runs a sentinel (redis-server --sentinel) on sport, its
// files in dir, watching the master on mport as SentinelMaster, until the
// test ends; extra are more lines of its configuration.
func runSentinel(t testing.TB, bin, dir string, sport, mport int, extra ...string) error {
	conf := filepath.Join(dir, "sentinel.conf") // a sentinel rewrites its file
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\n", sport, dir, SentinelMaster, mport)
	for _, line := range extra {
		body += line + "\n"
	}
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		cancel()
		return err
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	return nil
}
