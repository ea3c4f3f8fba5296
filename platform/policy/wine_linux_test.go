package policy_test

import (
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine cross-compiles this package's tests for
// windows/amd64 and runs them under Wine: the registry policy reader and
// the machine configuration key the MSI writes, against real registry keys.
func TestWindowsUnderWine(t *testing.T) {
	testenv.RunWindowsTests(t, ".", "TestRegistryPolicy", "TestRegistryValueTypes", "TestRegistryWatchState",
		"TestMachineRegistry", "TestMachineFileBeatsRegistry", "TestMachineRegistryErrors")
}
