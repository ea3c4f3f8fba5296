//go:build !windows

package browserhost

import (
	"errors"
	"io/fs"
	"os"
)

// manifestFile is the manifest file at l: l.Path itself, if it exists,
// for the machine's locations and the user's alike.
func manifestFile(l Location, user bool) (string, bool, error) {
	_, err := os.Stat(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return l.Path, err == nil, err
}
