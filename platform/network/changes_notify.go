//go:build linux || darwin

package network

import (
	"context"
	"io"
)

// notifyOnRead signals once per burst of messages read from r; the messages
// themselves do not matter, only that the network changed.
func notifyOnRead(ctx context.Context, r io.Reader) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		buf := make([]byte, 64<<10)
		for {
			if _, err := r.Read(buf); err != nil {
				if ctx.Err() != nil {
					return
				}
				// ENOBUFS: the kernel dropped messages; the network
				// changed all the same.
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out
}
