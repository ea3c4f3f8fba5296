package redistest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// MoveSlot reshards slot of the cluster at url (a StartCluster URL) from
// the master that serves it to another one, the way `redis-cli --cluster
// reshard` does: the target imports and the source migrates the slot, the
// keys go over with MIGRATE one at a time, step apart (so that clients
// meet the slot half moved), and then every master is told the slot's new
// owner. It returns the addresses of the old and the new owner.
func MoveSlot(ctx context.Context, url string, slot int, step time.Duration) (from, to string, err error) {
	addrs, err := clusterAddrs(url)
	if err != nil {
		return "", "", err
	}
	nodes := map[string]*redis.Client{}
	ids := map[string]string{}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		defer c.Close()
		nodes[a] = c
		if ids[a], err = c.Do(ctx, "CLUSTER", "MYID").Text(); err != nil {
			return "", "", fmt.Errorf("cluster myid %s: %w", a, err)
		}
	}
	if from, err = slotOwner(ctx, nodes[addrs[0]], slot); err != nil {
		return "", "", err
	}
	for _, a := range addrs {
		if a != from {
			to = a
			break
		}
	}
	src, dst := nodes[from], nodes[to]
	do := func(c *redis.Client, args ...any) error {
		if err := c.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("%v: %w", args, err)
		}
		return nil
	}
	if err := do(dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", ids[from]); err != nil {
		return from, to, err
	}
	if err := do(src, "CLUSTER", "SETSLOT", slot, "MIGRATING", ids[to]); err != nil {
		return from, to, err
	}
	host, port, _ := net.SplitHostPort(to)
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, 1).Result()
		if err != nil {
			return from, to, fmt.Errorf("getkeysinslot: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		if err := do(src, "MIGRATE", host, port, "", 0, 5000, "KEYS", keys[0]); err != nil {
			return from, to, err
		}
		time.Sleep(step)
	}
	// The new owner first, as redis-cli does, so the slot is never owned
	// by no one.
	for _, a := range append([]string{to, from}, addrs...) {
		if err := do(nodes[a], "CLUSTER", "SETSLOT", slot, "NODE", ids[to]); err != nil {
			return from, to, err
		}
	}
	return from, to, nil
}

// KeySlot is the slot of key, as the cluster at url computes it.
func KeySlot(ctx context.Context, url, key string) (int, error) {
	addrs, err := clusterAddrs(url)
	if err != nil {
		return 0, err
	}
	c := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer c.Close()
	slot, err := c.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("cluster keyslot: %w", err)
	}
	return int(slot), nil
}

// SlotOwner returns the address of the master that serves slot, as the
// node at the StartCluster URL sees it.
func SlotOwner(ctx context.Context, url string, slot int) (string, error) {
	addrs, err := clusterAddrs(url)
	if err != nil {
		return "", err
	}
	c := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer c.Close()
	return slotOwner(ctx, c, slot)
}

func slotOwner(ctx context.Context, c *redis.Client, slot int) (string, error) {
	shards, err := c.ClusterShards(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("cluster shards: %w", err)
	}
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if r.Start > int64(slot) || int64(slot) > r.End {
				continue
			}
			for _, n := range sh.Nodes {
				if n.Role == "master" {
					return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)), nil
				}
			}
		}
	}
	return "", fmt.Errorf("no node serves slot %d", slot)
}

// clusterAddrs reads the node addresses out of a StartCluster URL,
// redis+cluster://HOST:PORT?addr=HOST:PORT&addr=...
func clusterAddrs(s string) ([]string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	addrs := append([]string{u.Host}, u.Query()["addr"]...)
	slices.Sort(addrs)
	return slices.Compact(addrs), nil
}
