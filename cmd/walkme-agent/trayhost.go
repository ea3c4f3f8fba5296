package main

import (
	"context"

	"github.com/walkme/session-agent/ui/trayhost"
)

func checkTrayHost(ctx context.Context) check {
	ok, why := trayhost.Available(ctx)
	return check{"tray host", ok, why}
}
