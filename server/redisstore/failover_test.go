package redisstore_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore"
	"github.com/walkme/session-agent/server/redisstore/redistest"
	"github.com/walkme/session-agent/server/storetest"
)

// TestFailoverKeepsTheLastRotation: a Sentinel deployment with two
// replicas whose primary dies right after a rotation that replication had
// not yet carried to them (the test holds replication back), and the
// sentinel promotes a replica. The renewal that follows, with the token the client holds,
// must still work on the new primary.
//   - Without WaitReplicas the store answers the rotation from the
//     primary alone, the successor dies with it, and the client's token is
//     unknown after the failover: the hole this option closes.
//   - With WaitReplicas 1 the rotation is answered as a store error (a
//     5xx: the client keeps its token), and that token renews after the
//     failover, once the other replica follows the new primary.
func TestFailoverKeepsTheLastRotation(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait int
	}{{"without waiting", 0}, {"waiting for one replica", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := redistest.StartFailover(t, 2)
			ctx := context.Background()
			st, err := redisstore.Open(ctx, f.URL, redisstore.Options{Prefix: "f:", WaitReplicas: tc.wait, WaitTimeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			now := signIn(t, st, "r1").AuthTime
			rotate := func(from, to string, at time.Duration) (server.RotationResult, error) {
				return st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: from, SuccessorHash: to,
					Now: now.Add(at), LastUse: now.Add(at), Grace: time.Minute, InUse: true})
			}
			if res, err := rotate("r1", "r2", time.Minute); err != nil || res.Outcome != server.RotateRotated {
				t.Fatalf("a rotation with replication running: %+v %v", res, err)
			}

			f.Hold()
			held := "r2" // the token the client holds: it takes a successor only from a 200
			res, err := rotate("r2", "r3", 2*time.Minute)
			switch {
			case tc.wait == 0 && (err != nil || res.Outcome != server.RotateRotated):
				t.Fatalf("rotation on the primary alone: %+v %v", res, err)
			case tc.wait == 0:
				held = "r3"
			case err == nil || !strings.Contains(err.Error(), "0 of 1 acknowledged"):
				t.Fatalf("rotation no replica acknowledged: %+v %v; want a store error", res, err)
			}

			f.KillPrimary()
			// The store finds the new primary through the sentinel; until
			// it does, renewals fail as store errors.
			deadline := time.Now().Add(30 * time.Second)
			for {
				res, err = rotate(held, "r4", 3*time.Minute)
				if err == nil || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("no renewal on the new primary in 30 s: %v", err)
			}
			lost := res.Outcome == server.RotateUnknown
			if tc.wait == 0 && !lost {
				t.Fatalf("without waiting, the token rotated on the dead primary alone still works (%v): the test no longer holds replication back", res.Outcome)
			}
			if tc.wait > 0 && (lost || res.Successor != "r4") {
				t.Fatalf("after the failover the client's token %s: %+v; want it renewed", held, res)
			}
		})
	}
}

// TestConformanceWaitingForReplicas: the store as a whole, with every
// session write waiting for a replica, through the sentinel. (A generous
// wait: the suite checks what the store does, not how fast a loaded
// machine replicates.)
func TestConformanceWaitingForReplicas(t *testing.T) {
	f := redistest.StartFailover(t, 1)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		st, err := redisstore.Open(context.Background(), f.URL, redisstore.Options{Prefix: "t" + rand.Text() + ":", WaitReplicas: 1, WaitTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// TestWaitRefusedOnCluster: Redis Cluster spreads one write over several
// shards, so waiting for replicas there is refused at start, with why.
func TestWaitRefusedOnCluster(t *testing.T) {
	_, err := redisstore.Open(context.Background(), redistest.StartCluster(t), redisstore.Options{WaitReplicas: 1})
	if err == nil || !strings.Contains(err.Error(), "not Redis Cluster") {
		t.Fatalf("Open on a cluster with WaitReplicas 1: %v", err)
	}
}
