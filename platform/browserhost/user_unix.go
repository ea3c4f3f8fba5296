//go:build !windows

package browserhost

// On Linux and macOS a user's registration is a manifest file in the
// browser's per-user folder: writeUser and removeUser work on l.Path.

func writeUser(l Location, manifest []byte) error { return writeFile(l.Path, manifest) }
func removeUser(l Location) error                 { return removeFile(l.Path) }
