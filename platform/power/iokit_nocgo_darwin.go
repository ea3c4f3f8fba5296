//go:build darwin && !cgo

package power

import "context"

// runOS: IOKit's notifications need cgo. Built without it, the agent
// learns of sleeps from the clock gap only.
func runOS(ctx context.Context, opts Options, updates chan<- update) {
	opts.Logger.Warn("power: built without cgo, so IOKit power events are off: sleep is detected by the clock gap only, the lid and dark wakes are not seen")
	select {
	case updates <- update{source: "iokit", initial: true}:
	case <-ctx.Done():
	}
}

func darkWakeNow() (dark, known bool) { return false, false }
