package power

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// SuspendedTotal returns how long the machine has been suspended since
// boot: CLOCK_MONOTONIC_RAW (mach_continuous_time) counts sleep,
// CLOCK_UPTIME_RAW (mach_absolute_time) does not.
func SuspendedTotal() (time.Duration, error) {
	var up, mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_UPTIME_RAW, &up); err != nil {
		return 0, fmt.Errorf("CLOCK_UPTIME_RAW: %w", err)
	}
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC_RAW, &mono); err != nil {
		return 0, fmt.Errorf("CLOCK_MONOTONIC_RAW: %w", err)
	}
	return time.Duration(mono.Nano() - up.Nano()), nil
}

// BootTime is the time since boot, counting sleep (CLOCK_MONOTONIC_RAW,
// mach_continuous_time) and never following wall-clock changes.
func BootTime() (time.Duration, error) {
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC_RAW, &mono); err != nil {
		return 0, fmt.Errorf("CLOCK_MONOTONIC_RAW: %w", err)
	}
	return time.Duration(mono.Nano()), nil
}
