package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
	"github.com/walkme/session-agent/server/redisstore/redistest"
)

// TestReshardingLosesNoRotation: an operator reshards the cluster while a
// session renews: its slot moves to another master key by key, as
// `redis-cli --cluster reshard` moves it. Every renewal during the move
// is either a rotation or a store error (a 5xx: the client keeps its
// token and retries); none is refused as reuse or an unknown token, which
// would sign the user out. Once the slot has moved, the token the client
// holds renews on the new owner.
func TestReshardingLosesNoRotation(t *testing.T) {
	url := redistest.StartCluster(t)
	st := open(t, url)
	ctx := context.Background()
	ss := signIn(t, st, "r0")
	// The session's records share its id as their hash tag.
	slot, err := redistest.KeySlot(ctx, url, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := redistest.SlotOwner(ctx, url, slot)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu                 sync.Mutex
		held               = "r0" // the client's token: it takes a successor only from a rotation
		rotated, failed, n int
		wrong              []string
		firstErr           error
	)
	renew := func() {
		mu.Lock()
		defer mu.Unlock()
		n++
		next := fmt.Sprintf("r%d", n)
		now := time.Now()
		res, err := st.Rotate(ctx, server.Rotation{ClientID: "walkme-agent", Hash: held, SuccessorHash: next,
			Now: now, LastUse: now, Grace: time.Minute, InUse: true})
		switch {
		case err != nil:
			failed++
			if firstErr == nil {
				firstErr = err
			}
		case res.Outcome == server.RotateRotated && res.Successor == next:
			rotated++
			held = next
		default:
			wrong = append(wrong, fmt.Sprintf("%s → %s: %v", held, next, res.Outcome))
		}
	}
	// Renewals one after another during the whole move (a cadence far
	// shorter than any real one, so that many meet the slot half moved).
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				renew()
				time.Sleep(5 * time.Millisecond)
			}
		}
	})
	time.Sleep(100 * time.Millisecond)
	from, to, err := redistest.MoveSlot(ctx, url, slot, 40*time.Millisecond)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("moving slot %d: %v", slot, err)
	}
	if from != owner || to == owner {
		t.Fatalf("slot %d moved from %s to %s; it was on %s", slot, from, to, owner)
	}
	if now, _ := redistest.SlotOwner(ctx, url, slot); now != to {
		t.Fatalf("slot %d is served by %s after the move, want %s", slot, now, to)
	}
	t.Logf("slot %d moved from %s to %s: %d renewals during the move, %d rotated, %d store errors (the first: %v)", slot, from, to, n, rotated, failed, firstErr)
	if len(wrong) > 0 {
		t.Fatalf("renewals refused during the move (the user would be signed out): %v", wrong)
	}
	if rotated == 0 {
		t.Fatal("no renewal rotated during the move: the test did not renew while the slot moved")
	}

	before := rotated
	renew()
	if rotated != before+1 || len(wrong) > 0 {
		t.Fatalf("after the move, the client's token %s does not renew on the new owner (%d store errors, refused: %v)", held, failed, wrong)
	}
	got, err := st.Session(ctx, ss.ID)
	if err != nil || !got.Live(time.Now()) {
		t.Fatalf("the session after the move: %+v %v", got, err)
	}
}
