package storetest

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/walkme/session-agent/server"
)

// testTimeoutChangeRaces: sessions created and renewed while an admin
// changes the timeout again and again all end on the last value, with a
// deadline the last change allows. A store that applies a change to each
// session apart from saving it (Redis on a cluster) must not leave behind
// a session that was being created or renewed meanwhile.
func testTimeoutChangeRaces(t *testing.T, st Store) {
	ctx := context.Background()
	u := mustUser(t, st, "race", "r@race.test")
	at := t0.Add(time.Minute)
	const workers, changes = 8, 12
	const last = 15 * time.Minute
	var (
		mu  sync.Mutex
		ids []string
		wg  sync.WaitGroup
	)
	done := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				ss := newSession(u)
				rt := "race-" + rand.Text()
				if err := st.CreateSession(ctx, ss, rt, ""); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, ss.ID)
				mu.Unlock()
				if (w+i)%2 == 0 { // and half renew in use, at the moment of the changes
					res, err := st.Rotate(ctx, server.Rotation{ClientID: clientID, Hash: rt, SuccessorHash: "race-n-" + rand.Text(),
						Now: at, Grace: time.Minute, InUse: true})
					if err != nil || res.Outcome != server.RotateRotated {
						t.Errorf("renew: %+v %v", res, err)
						return
					}
				}
			}
		})
	}
	// The changes start once every worker is creating sessions.
	for n := 0; n < workers && !t.Failed(); time.Sleep(time.Millisecond) {
		mu.Lock()
		n = len(ids)
		mu.Unlock()
	}
	for i := range changes {
		d := []time.Duration{time.Hour, 30 * time.Minute, 8 * time.Hour}[i%3]
		if i == changes-1 {
			d = last
		}
		if _, err := st.SetInactivityTimeout(ctx, "race", d, server.Activity{At: at}); err != nil {
			t.Error(err)
		}
	}
	close(done)
	wg.Wait()
	// The latest a live session may lapse: the last change's deadline for a
	// client renewing in use on a cadence of at most 15 minutes.
	bound := at.Add(server.MaxRenewInterval + last)
	for _, id := range ids {
		got, err := st.Session(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Timeout != last || got.LapsesAt().After(bound) {
			t.Errorf("session %s: timeout %v, lapses %v after the changes; want %v and at most %v",
				id, got.Timeout, got.LapsesAt().Sub(at), last, bound.Sub(at))
		}
	}
}
