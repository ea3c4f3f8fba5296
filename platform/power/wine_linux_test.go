package power

import (
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine cross-compiles this package's tests for
// windows/amd64 and runs them under Wine: the clock pair, and the
// message-only window fed real WM_POWERBROADCAST messages.
func TestWindowsUnderWine(t *testing.T) {
	testenv.RunWindowsTests(t, ".", "TestSuspendedTotalIsSteadyWhileAwake", "TestWin32PowerBroadcasts", "TestWin32DarkWake")
}
