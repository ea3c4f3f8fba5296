package power

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Win32 calls the power watcher makes, by hand so that no cgo is needed.
var (
	user32                                  = windows.NewLazySystemDLL("user32.dll")
	procRegisterClassExW                    = user32.NewProc("RegisterClassExW")
	procUnregisterClassW                    = user32.NewProc("UnregisterClassW")
	procCreateWindowExW                     = user32.NewProc("CreateWindowExW")
	procDestroyWindow                       = user32.NewProc("DestroyWindow")
	procDefWindowProcW                      = user32.NewProc("DefWindowProcW")
	procGetMessageW                         = user32.NewProc("GetMessageW")
	procDispatchMessageW                    = user32.NewProc("DispatchMessageW")
	procPostMessageW                        = user32.NewProc("PostMessageW")
	procPostQuitMessage                     = user32.NewProc("PostQuitMessage")
	procRegisterPowerSettingNotification    = user32.NewProc("RegisterPowerSettingNotification")
	procUnregisterPowerSettingNotification  = user32.NewProc("UnregisterPowerSettingNotification")
	procRegisterSuspendResumeNotification   = user32.NewProc("RegisterSuspendResumeNotification")
	procUnregisterSuspendResumeNotification = user32.NewProc("UnregisterSuspendResumeNotification")

	powrprof               = windows.NewLazySystemDLL("powrprof.dll")
	procGetPwrCapabilities = powrprof.NewProc("GetPwrCapabilities")
)

const (
	hwndMessage = ^uintptr(2) // HWND_MESSAGE, (HWND)-3: a message-only window

	wmDestroy        = 0x0002
	wmClose          = 0x0010
	wmPowerBroadcast = 0x0218

	pbtAPMSuspend          = 0x0004
	pbtAPMResumeSuspend    = 0x0007 // resumed by the user
	pbtAPMResumeAutomatic  = 0x0012 // resumed, by anything
	pbtPowerSettingChange  = 0x8013
	deviceNotifyWindowHndl = 0

	// aoacOffset is where SYSTEM_POWER_CAPABILITIES keeps AoAc (Modern
	// Standby), after twenty one-byte fields.
	aoacOffset = 20
)

var (
	// GUID_LIDSWITCH_STATE_CHANGE: data is a DWORD, 0 closed, 1 open.
	guidLidSwitch = windows.GUID{Data1: 0xBA3E0F4D, Data2: 0xB817, Data3: 0x4094,
		Data4: [8]byte{0xA2, 0xD1, 0xD5, 0x63, 0x79, 0xE6, 0xA0, 0xF3}}
	// GUID_CONSOLE_DISPLAY_STATE: data is a DWORD, 0 off, 1 on, 2 dimmed.
	guidConsoleDisplay = windows.GUID{Data1: 0x6FE69556, Data2: 0x704A, Data3: 0x47A0,
		Data4: [8]byte{0x8F, 0x24, 0xC2, 0x8D, 0x93, 0x6F, 0xDA, 0x47}}
)

// wndClassEx is WNDCLASSEXW.
type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

// winMsg is MSG.
type winMsg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      struct{ x, y int32 }
	private uint32
}

// powerBroadcastSetting is the head of POWERBROADCAST_SETTING; the data
// (here always a DWORD) follows.
type powerBroadcastSetting struct {
	powerSetting windows.GUID
	dataLength   uint32
	data         uint32
}

// settingAt reads the POWERBROADCAST_SETTING that lParam points to. The
// double indirection keeps vet's unsafeptr check quiet: lParam is a
// pointer the system handed us, valid for the duration of the message.
func settingAt(lParam uintptr) *powerBroadcastSetting {
	return *(**powerBroadcastSetting)(unsafe.Pointer(&lParam))
}

// modernStandby reports whether the machine sleeps in Modern Standby
// (S0 low-power idle), where a display that is off means the machine is
// in standby, not just idle.
func modernStandby() bool {
	if procGetPwrCapabilities.Find() != nil {
		return false
	}
	var caps [128]byte // SYSTEM_POWER_CAPABILITIES is 76 bytes
	ok, _, _ := procGetPwrCapabilities.Call(uintptr(unsafe.Pointer(&caps[0])))
	return ok != 0 && caps[aoacOffset] != 0
}
