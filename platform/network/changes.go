package network

import "context"

// osChanges returns a channel that fires when the OS reports a network
// change (an interface or route came or went), so Watch need not wait for its
// next tick. None is wired up yet: every OS polls. Issue 3 replaces this file
// with changes_linux.go (rtnetlink), changes_windows.go
// (NotifyIpInterfaceChange) and changes_darwin.go (route socket), keeping
// this signature, plus a stub for the rest.
func osChanges(ctx context.Context) <-chan struct{} { return nil }
