package browserhost

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows/registry"
)

// manifestFile is the manifest file that the default value of the HKLM key
// l.Path names (64-bit view, where the MSI writes); the browsers need it
// absolute.
func manifestFile(l Location) (string, bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, l.Path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf(`HKLM\%s: %w`, l.Path, err)
	}
	defer k.Close()
	file, _, err := k.GetStringValue("")
	if err != nil {
		return "", false, fmt.Errorf(`HKLM\%s: its default value: %w`, l.Path, err)
	}
	if !filepath.IsAbs(file) {
		return file, false, fmt.Errorf(`HKLM\%s names %q, not an absolute path`, l.Path, file)
	}
	return file, true, nil
}
