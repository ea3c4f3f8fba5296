//go:build !linux && !windows && !darwin

package power

import (
	"errors"
	"time"
)

// SuspendedTotal is not implemented on this OS.
func SuspendedTotal() (time.Duration, error) {
	return 0, errors.ErrUnsupported
}

// BootTime is not implemented on this OS.
func BootTime() (time.Duration, error) {
	return 0, errors.ErrUnsupported
}
