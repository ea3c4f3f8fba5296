package tray

import (
	"context"
	"os/exec"
)

// openURL hands the URL to the user's default browser. rundll32 with
// url.dll avoids cmd.exe's "start", which would parse & in the URL.
func openURL(ctx context.Context, u string) error {
	return exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", u).Run()
}
