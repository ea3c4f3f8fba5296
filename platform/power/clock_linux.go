package power

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// SuspendedTotal returns how long the machine has been suspended since
// boot: CLOCK_BOOTTIME counts suspended time, CLOCK_MONOTONIC does not.
func SuspendedTotal() (time.Duration, error) {
	var mono, boot unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono); err != nil {
		return 0, fmt.Errorf("CLOCK_MONOTONIC: %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot); err != nil {
		return 0, fmt.Errorf("CLOCK_BOOTTIME: %w", err)
	}
	return time.Duration(boot.Nano() - mono.Nano()), nil
}

// BootTime is the time since boot, counting suspend (CLOCK_BOOTTIME) and
// never following wall-clock changes.
func BootTime() (time.Duration, error) {
	var boot unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot); err != nil {
		return 0, fmt.Errorf("CLOCK_BOOTTIME: %w", err)
	}
	return time.Duration(boot.Nano()), nil
}
