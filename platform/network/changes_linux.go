package network

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// osChanges subscribes to rtnetlink's link, address and route groups: any
// message means the route to the server may have changed, so Watch re-checks
// at once instead of at its next tick. Nil when the socket cannot be opened
// (Watch then polls).
func osChanges(ctx context.Context) <-chan struct{} {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil
	}
	groups := uint32(unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR |
		unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil
	}
	// A non-blocking fd in an os.File goes through the runtime poller, so
	// Close wakes a pending Read when ctx ends.
	f := os.NewFile(uintptr(fd), "rtnetlink")
	go func() { <-ctx.Done(); f.Close() }()
	return notifyOnRead(ctx, f)
}
