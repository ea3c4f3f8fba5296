package network

import (
	"context"
	"time"
)

// Watch checks the route to server every interval, and also at once when the
// OS reports a network change (where osChanges supports it). The channel gets
// the first Status at once, then a Status only when Up changes; it is closed
// when ctx ends.
func Watch(ctx context.Context, server string, every time.Duration) <-chan Status {
	check := func(ctx context.Context) Status { return Check(ctx, server) }
	return watch(ctx, every, check, osChanges(ctx))
}

// watch is Watch with the check and the OS change feed injected. A nil
// changes channel never fires.
func watch(ctx context.Context, every time.Duration, check func(context.Context) Status, changes <-chan struct{}) <-chan Status {
	out := make(chan Status, 1)
	go func() {
		defer close(out)
		last := check(ctx)
		if !send(ctx, out, last) {
			return
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-changes:
			}
			st := check(ctx)
			if ctx.Err() != nil {
				return
			}
			if st.Up == last.Up {
				continue
			}
			last = st
			if !send(ctx, out, st) {
				return
			}
		}
	}()
	return out
}

func send(ctx context.Context, out chan<- Status, st Status) bool {
	select {
	case out <- st:
		return true
	case <-ctx.Done():
		return false
	}
}
