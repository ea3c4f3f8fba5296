package network

import (
	"context"
	"unsafe"

	"golang.org/x/sys/windows"
)

// osChanges asks Windows for IP interface and route change notifications
// (NotifyIpInterfaceChange, NotifyRouteChange2). The callbacks run on a
// system thread, so they only poke a channel. Nil when registration fails.
func osChanges(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	poke := windows.NewCallback(func(callerContext, row uintptr, notificationType uint32) uintptr {
		select {
		case out <- struct{}{}:
		default:
		}
		return 0
	})
	var ifHandle, routeHandle windows.Handle
	if err := windows.NotifyIpInterfaceChange(windows.AF_UNSPEC, poke, unsafe.Pointer(nil), false, &ifHandle); err != nil {
		return nil
	}
	if err := windows.NotifyRouteChange2(windows.AF_UNSPEC, poke, unsafe.Pointer(nil), false, &routeHandle); err != nil {
		routeHandle = 0
	}
	go func() {
		<-ctx.Done()
		windows.CancelMibChangeNotify2(ifHandle)
		if routeHandle != 0 {
			windows.CancelMibChangeNotify2(routeHandle)
		}
	}()
	return out
}
