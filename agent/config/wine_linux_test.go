package config_test

import (
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine cross-compiles this package's tests for
// windows/amd64 and runs them under Wine, where the Windows machine layer
// reads the real HKLM\SOFTWARE\WalkMe\Agent of the Wine prefix.
func TestWindowsUnderWine(t *testing.T) {
	testenv.RunWindowsTests(t, ".", "TestMachineRegistry", "TestMachineFileBeatsRegistry", "TestMachineRegistryErrors", "TestPrecedence")
}
