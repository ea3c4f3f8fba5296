package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Waiting for replicas. Redis replicates asynchronously: a primary that
// dies right after answering a write can take the write with it, and
// Sentinel promotes a replica that never saw it. For a rotation that
// loses the successor the agent now holds, so the agent's next renewal
// is refused for good and its user is signed out while working. With
// Options.WaitReplicas the store answers a session write (sign-in,
// rotation, end) only once that many replicas have it (Redis WAIT); when
// they do not within WaitTimeout, the write fails as a store error, the
// client keeps its old token (a 5xx is never final), and its retry inside
// the rotation grace gets the same successor (docs/design.md §9).
//
// WAIT counts the writes of the connection it runs on, so the write and
// the WAIT share one connection. Redis Cluster spreads one write over
// several shards' connections, so there it is refused.

// DefaultWaitTimeout bounds the wait for replicas when
// Options.WaitTimeout is 0.
const DefaultWaitTimeout = 500 * time.Millisecond

// errClusterWait: see above.
var errClusterWait = errors.New("waiting for replicas works with one primary (redis:// or redis+sentinel://), not Redis Cluster, where one write spans several shards")

func (s *Store) setWait(n int, timeout time.Duration) error {
	if n <= 0 {
		return nil
	}
	single, ok := s.rdb.(*redis.Client)
	if !ok {
		return errClusterWait
	}
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	s.single, s.waitReplicas, s.waitTimeout = single, n, timeout
	return nil
}

// durable runs write and, when the store waits for replicas, returns
// only once they have what it wrote.
func (s *Store) durable(ctx context.Context, write func(db redis.Cmdable) error) error {
	if s.waitReplicas == 0 {
		return write(s.rdb)
	}
	conn := s.single.Conn()
	defer conn.Close()
	if err := write(conn); err != nil {
		return err
	}
	n, err := conn.Wait(ctx, s.waitReplicas, s.waitTimeout).Result()
	if err != nil {
		return fmt.Errorf("wait for replicas: %w", err)
	}
	if n < int64(s.waitReplicas) {
		return fmt.Errorf("wait for replicas: %d of %d acknowledged the write within %v", n, s.waitReplicas, s.waitTimeout)
	}
	return nil
}
