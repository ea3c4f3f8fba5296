package tray

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/windows"
)

// lock takes the one-tray-per-session lock: a named mutex in the Local\
// namespace, which Windows keeps per logon session, so each user (and each
// session of a user on a terminal server) gets one tray. Windows releases it
// when the process ends.
func lock(string) (io.Closer, error) {
	name, err := windows.UTF16PtrFromString(`Local\WalkMeAgentTray`)
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateMutex(nil, false, name)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		windows.CloseHandle(h)
		return nil, ErrAlreadyRunning
	}
	if err != nil {
		return nil, fmt.Errorf("tray lock: %w", err)
	}
	return handle(h), nil
}

type handle windows.Handle

func (h handle) Close() error { return windows.CloseHandle(windows.Handle(h)) }
