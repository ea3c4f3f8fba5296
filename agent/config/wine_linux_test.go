package config_test

import (
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine cross-compiles this package's tests for
// windows/amd64 and runs them under Wine, with Windows' paths (the machine
// registry layer is platform/policy's, and tested there).
func TestWindowsUnderWine(t *testing.T) {
	testenv.RunWindowsTests(t, ".", "TestPrecedence")
}
