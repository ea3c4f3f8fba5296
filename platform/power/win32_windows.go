package power

import "context"

func runOS(ctx context.Context, opts Options, updates chan<- update) {
	select {
	case updates <- update{source: "win32", initial: true}:
	case <-ctx.Done():
	}
}

func darkWakeNow() (dark, known bool) { return false, false }
