//go:build !linux && !darwin && !windows

package keychain

const osKeychainName = "OS keychain"

func hint(err error) string {
	return "check that a Secret Service (gnome-keyring or KeePassXC) runs and is unlocked"
}
