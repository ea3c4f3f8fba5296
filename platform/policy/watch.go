package policy

import (
	"context"
	"time"
)

// poll calls state every interval and signals on the returned channel when
// the result differs from the last one. The first state is taken before
// poll returns, so a change made after Watch returns is never missed. The
// channel holds at most one pending signal (several changes between reads
// are one "read again") and is closed when ctx ends.
func poll(ctx context.Context, every time.Duration, state func() string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	last := state()
	go func() {
		defer close(ch)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if s := state(); s != last {
				last = s
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}()
	return ch
}
