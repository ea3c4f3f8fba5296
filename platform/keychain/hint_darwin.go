package keychain

import "errors"

const osKeychainName = "macOS keychain"

// hint says how to fix a macOS keychain failure.
func hint(err error) string {
	if errors.Is(err, errTimeout) {
		return "the keychain is not answering: it may be waiting for a password prompt; " +
			"unlock the login keychain in Keychain Access"
	}
	return "check that the login keychain exists and is unlocked (Keychain Access, or `security unlock-keychain`)"
}
