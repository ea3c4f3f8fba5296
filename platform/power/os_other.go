//go:build !linux && !windows && !darwin

package power

import "context"

func runOS(ctx context.Context, opts Options, updates chan<- update) {
	opts.Logger.Warn("power: no OS power events on this system")
	select {
	case updates <- update{initial: true}:
	case <-ctx.Done():
	}
}

func darkWakeNow() (dark, known bool) { return false, false }
