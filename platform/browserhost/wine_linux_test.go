package browserhost_test

import (
	"testing"

	"github.com/walkme/session-agent/internal/testenv"
)

// TestWindowsUnderWine runs this package's tests built for windows/amd64
// under Wine, where Installed reads the registry as on Windows.
func TestWindowsUnderWine(t *testing.T) {
	testenv.RunWindowsTests(t, ".", "TestInstalledReadsTheRegistry", "TestRead", "TestSetUser", "TestUserRegistrationsInTheRegistry")
}
