package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterNodes is the size of the test cluster: three masters, no
// replicas, the smallest cluster redis-cli creates.
const clusterNodes = 3

// StartCluster runs a Redis Cluster of three masters (redis-server with
// cluster-enabled, on loopback ports, joined by `redis-cli --cluster
// create`) and returns its URL, redis+cluster://127.0.0.1:PORT?addr=...,
// once every node reports cluster_state:ok. It stops when the test ends.
// Without redis-server or redis-cli the test skips (fails under CI=true).
func StartCluster(t testing.TB) string {
	t.Helper()
	return started(t, LaunchCluster, "redis-server", "redis-cli")
}

// LaunchCluster is StartCluster for a TestMain: it runs the cluster in
// dir and returns its URL and how to stop it.
func LaunchCluster(dir string) (url string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", nil, err
	}
	if err := retried(func() (err error) { url, stop, err = launchCluster(bin, cli, dir); return err }); err != nil {
		return "", nil, fmt.Errorf("redis cluster: %w", err)
	}
	return url, stop, nil
}

func launchCluster(bin, cli, dir string) (string, func(), error) {
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	addrs := make([]string, clusterNodes)
	for i := range addrs {
		port, err := freePort()
		if err != nil {
			stopAll()
			return "", nil, err
		}
		bus, err := freePort()
		if err != nil {
			stopAll()
			return "", nil, err
		}
		node := filepath.Join(dir, fmt.Sprintf("node-%d-%d", i, port))
		if err := os.MkdirAll(node, 0o700); err != nil {
			stopAll()
			return "", nil, err
		}
		_, stop, err := launchNode(bin, node, port, "--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus),
			"--cluster-config-file", filepath.Join(node, "nodes.conf"), "--cluster-node-timeout", "5000")
		if err != nil {
			stopAll()
			return "", nil, err
		}
		stops = append(stops, stop)
		addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	out, err := exec.CommandContext(ctx, cli, append(args, "--cluster-yes")...).CombinedOutput()
	if err != nil {
		stopAll()
		return "", nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	if err := waitClusterOK(ctx, addrs); err != nil {
		stopAll()
		return "", nil, err
	}
	u := "redis+cluster://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	return u, stopAll, nil
}

// waitClusterOK waits until every node sees all slots served.
func waitClusterOK(ctx context.Context, addrs []string) error {
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			select {
			case <-ctx.Done():
				c.Close()
				return errors.Join(fmt.Errorf("node %s: no cluster_state:ok", a), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
		c.Close()
	}
	return nil
}

// launchNode runs one redis-server on port, its files in dir, and waits
// for its first answer.
func launchNode(bin, dir string, port int, extra ...string) (string, func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cancel(); <-exited }
	addr := "127.0.0.1:" + strconv.Itoa(port)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			cancel()
			return "", nil, fmt.Errorf("exited at start: %s", out.String())
		default:
		}
		if c.Ping(context.Background()).Err() == nil {
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("no answer on port %d in 10s: %s", port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
