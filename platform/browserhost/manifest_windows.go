package browserhost

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows/registry"
)

// manifestFile is the manifest file that the default value of the HKLM key
// l.Path names (64-bit view, where the MSI writes), or with user the HKCU
// key (SetUser's); the browsers need it absolute.
func manifestFile(l Location, user bool) (string, bool, error) {
	root, name := registry.LOCAL_MACHINE, "HKLM"
	if user {
		root, name = registry.CURRENT_USER, "HKCU"
	}
	k, err := registry.OpenKey(root, l.Path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf(`%s\%s: %w`, name, l.Path, err)
	}
	defer k.Close()
	file, _, err := k.GetStringValue("")
	if err != nil {
		return "", false, fmt.Errorf(`%s\%s: its default value: %w`, name, l.Path, err)
	}
	if !filepath.IsAbs(file) {
		return file, false, fmt.Errorf(`%s\%s names %q, not an absolute path`, name, l.Path, file)
	}
	return file, true, nil
}
