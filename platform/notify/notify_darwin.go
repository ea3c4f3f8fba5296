package notify

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// send runs osascript's `display notification`. Title and body travel as
// script arguments (argv), never spliced into the script, so no text can
// break out of its quotes. The notification shows as coming from Script
// Editor: a signed app bundle with UNUserNotificationCenter would show as
// WalkMe, but needs cgo and entitlements.
func send(ctx context.Context, n Notification) error {
	cmd := exec.CommandContext(ctx, "osascript",
		"-e", "on run argv",
		"-e", "display notification (item 2 of argv) with title (item 1 of argv)",
		"-e", "end run",
		n.Title, n.Body)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("notify: osascript: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
