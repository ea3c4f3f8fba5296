package power

import (
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                       = windows.NewLazySystemDLL("kernel32.dll")
	procQueryInterruptTime         = kernel32.NewProc("QueryInterruptTime")
	procQueryUnbiasedInterruptTime = kernel32.NewProc("QueryUnbiasedInterruptTime")
	procGetTickCount64             = kernel32.NewProc("GetTickCount64")
)

// SuspendedTotal returns how long the machine has been suspended since
// boot: the interrupt time counts sleep and hibernation, the unbiased
// interrupt time does not. Both are in 100ns units.
func SuspendedTotal() (time.Duration, error) {
	var unbiased uint64
	if err := procQueryUnbiasedInterruptTime.Find(); err != nil {
		return 0, fmt.Errorf("QueryUnbiasedInterruptTime: %w", err)
	}
	if ok, _, err := procQueryUnbiasedInterruptTime.Call(uintptr(unsafe.Pointer(&unbiased))); ok == 0 {
		return 0, fmt.Errorf("QueryUnbiasedInterruptTime: %w", err)
	}
	biased, err := interruptTime()
	if err != nil {
		return 0, err
	}
	return time.Duration(int64(biased)-int64(unbiased)) * 100, nil
}

// interruptTime returns the sleep-inclusive interrupt time in 100ns units.
// QueryInterruptTime needs Windows 10 (and a recent Wine); before that,
// GetTickCount64 counts the same time in milliseconds, which is plenty
// against a gap threshold of half a second.
func interruptTime() (uint64, error) {
	var t uint64
	if procQueryInterruptTime.Find() == nil {
		procQueryInterruptTime.Call(uintptr(unsafe.Pointer(&t))) // returns void
		return t, nil
	}
	if err := procGetTickCount64.Find(); err != nil {
		return 0, fmt.Errorf("GetTickCount64: %w", err)
	}
	ms, _, _ := procGetTickCount64.Call()
	return uint64(ms) * 10_000, nil
}

// BootTime is the time since boot, counting sleep and hibernation (the
// interrupt time) and never following wall-clock changes.
func BootTime() (time.Duration, error) {
	t, err := interruptTime()
	if err != nil {
		return 0, err
	}
	return time.Duration(t) * 100, nil
}
