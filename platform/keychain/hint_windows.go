package keychain

import "errors"

const osKeychainName = "Windows Credential Manager"

// hint says how to fix a Credential Manager failure.
func hint(err error) string {
	if errors.Is(err, errTimeout) {
		return "the Credential Manager is not answering; sign out and back in to Windows"
	}
	return "run the agent in the user's own logon session (not as a service): " +
		"the Credential Manager belongs to the signed-in user"
}
