package network

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// osChanges reads the routing socket: the kernel writes a message there for
// every interface, address and route change. Nil when it cannot be opened.
func osChanges(ctx context.Context) <-chan struct{} {
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil
	}
	f := os.NewFile(uintptr(fd), "route")
	go func() { <-ctx.Done(); f.Close() }()
	return notifyOnRead(ctx, f)
}
