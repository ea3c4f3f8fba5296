package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32          = windows.NewLazySystemDLL("user32.dll")
	kernel32        = windows.NewLazySystemDLL("kernel32.dll")
	pGetWindowRect  = user32.NewProc("GetWindowRect")
	pSendMessageW   = user32.NewProc("SendMessageW")
	pGetWindow      = user32.NewProc("GetWindow")
	pClientToScreen = user32.NewProc("ClientToScreen")
	pPostMessageW   = user32.NewProc("PostMessageW")
	pOpenDesktopW   = user32.NewProc("OpenDesktopW")
	pSetThreadDesk  = user32.NewProc("SetThreadDesktop")
	pVirtualAllocE  = kernel32.NewProc("VirtualAllocEx")
	pVirtualFreeEx  = kernel32.NewProc("VirtualFreeEx")
)

const (
	gwOwner      = 4
	ttmGetText   = 0x0400 + 56 // TTM_GETTEXTW
	ttmEnumTools = 0x0400 + 58 // TTM_ENUMTOOLSW
	tipChars     = 128         // NOTIFYICONDATAW.szTip
)

// readTray finds the shell's tray icons and reads each one's tooltip out of
// the shell (Wine's explorer), the way accessibility tools read the
// notification area: Wine 8's explorer draws every icon in its Shell_TrayWnd
// and gives each a tooltip control owned by that window, whose one tool
// covers the icon. The tool's rectangle and text are copied, with
// TTM_ENUMTOOLSW and TTM_GETTEXTW, into a buffer allocated in explorer's
// address space and read back.
func readTray(prefix string) ([]Icon, []Menu, error) {
	all, err := desktopWindows()
	if err != nil {
		return nil, nil, err
	}
	var icons []Icon
	var menus []Menu
	for _, h := range all {
		switch className(h) {
		case "tooltips_class32":
			owner, _, _ := pGetWindow.Call(uintptr(h), gwOwner)
			if owner == 0 || className(windows.HWND(owner)) != "Shell_TrayWnd" {
				continue
			}
			icon, err := trayTool(h)
			if err != nil {
				return nil, nil, err
			}
			if strings.HasPrefix(icon.Tooltip, prefix) {
				icons = append(icons, icon)
			}
		case "#32768":
			if windows.IsWindowVisible(h) {
				menus = append(menus, Menu{Process: processName(h), Rect: windowRect(h)})
			}
		}
	}
	return icons, menus, nil
}

// desktopWindows lists the top-level windows of the desktop named by
// $WINTOOL_DESKTOP (Wine runs each virtual desktop as a desktop object; a
// program joins one by name), or of this program's own desktop.
func desktopWindows() ([]windows.HWND, error) {
	runtime.LockOSThread() // the desktop is the thread's
	if name := os.Getenv("WINTOOL_DESKTOP"); name != "" {
		name16, err := windows.UTF16PtrFromString(name)
		if err != nil {
			return nil, err
		}
		d, _, err := pOpenDesktopW.Call(uintptr(unsafe.Pointer(name16)), 0, 0, windows.GENERIC_ALL)
		if d == 0 {
			return nil, fmt.Errorf("open desktop %q: %w", name, err)
		}
		if ok, _, err := pSetThreadDesk.Call(d); ok == 0 {
			return nil, fmt.Errorf("join desktop %q: %w", name, err)
		}
	}
	var all []windows.HWND
	collect := syscall.NewCallback(func(h windows.HWND, _ uintptr) uintptr {
		all = append(all, h)
		return 1
	})
	if err := windows.EnumWindows(collect, nil); err != nil {
		return nil, fmt.Errorf("enumerate windows: %w", err)
	}
	return all, nil
}

// quitTray sends WM_CLOSE to every fyne.io/systray window, which removes
// its icon and ends its program.
func quitTray() error {
	all, err := desktopWindows()
	if err != nil {
		return err
	}
	for _, h := range all {
		if className(h) == "SystrayClass" {
			pPostMessageW.Call(uintptr(h), 0x0010, 0, 0) // WM_CLOSE
		}
	}
	return nil
}

// toolInfo is TTTOOLINFOW.
type toolInfo struct {
	Size, Flags           uint32
	Hwnd, ID              uintptr
	Rect                  Rect
	Inst, Text, LParam, R uintptr
}

// trayTool reads the first tool of the tooltip control tip, which lives in
// another process: its text and its rectangle on the desktop.
func trayTool(tip windows.HWND) (Icon, error) {
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(tip, &pid); err != nil {
		return Icon{}, fmt.Errorf("tooltip owner: %w", err)
	}
	p, err := windows.OpenProcess(windows.PROCESS_VM_OPERATION|windows.PROCESS_VM_READ|windows.PROCESS_VM_WRITE, false, pid)
	if err != nil {
		return Icon{}, fmt.Errorf("open the shell's process: %w", err)
	}
	defer windows.CloseHandle(p)
	const size, textAt = 4096, 512
	remote, _, err := pVirtualAllocE.Call(uintptr(p), 0, size, windows.MEM_COMMIT|windows.MEM_RESERVE, windows.PAGE_READWRITE)
	if remote == 0 {
		return Icon{}, fmt.Errorf("allocate in the shell's process: %w", err)
	}
	defer pVirtualFreeEx.Call(uintptr(p), remote, 0, windows.MEM_RELEASE)
	ti := toolInfo{Size: uint32(unsafe.Sizeof(toolInfo{}))}
	if err := windows.WriteProcessMemory(p, remote, (*byte)(unsafe.Pointer(&ti)), unsafe.Sizeof(ti), nil); err != nil {
		return Icon{}, fmt.Errorf("write the tool info: %w", err)
	}
	if ok, _, _ := pSendMessageW.Call(uintptr(tip), ttmEnumTools, 0, remote); ok == 0 {
		return Icon{}, nil // no tool
	}
	if err := windows.ReadProcessMemory(p, remote, (*byte)(unsafe.Pointer(&ti)), unsafe.Sizeof(ti), nil); err != nil {
		return Icon{}, fmt.Errorf("read the tool info: %w", err)
	}
	ti.Text = remote + textAt
	if err := windows.WriteProcessMemory(p, remote, (*byte)(unsafe.Pointer(&ti)), unsafe.Sizeof(ti), nil); err != nil {
		return Icon{}, fmt.Errorf("write the tool info: %w", err)
	}
	pSendMessageW.Call(uintptr(tip), ttmGetText, tipChars, remote)
	buf := make([]uint16, tipChars)
	if err := windows.ReadProcessMemory(p, remote+textAt, (*byte)(unsafe.Pointer(&buf[0])), uintptr(len(buf)*2), nil); err != nil {
		return Icon{}, fmt.Errorf("read the tooltip text: %w", err)
	}
	// The tool's rectangle is in its window's client coordinates.
	origin := [2]int32{}
	pClientToScreen.Call(ti.Hwnd, uintptr(unsafe.Pointer(&origin)))
	r := ti.Rect
	r.Left, r.Right, r.Top, r.Bottom = r.Left+origin[0], r.Right+origin[0], r.Top+origin[1], r.Bottom+origin[1]
	return Icon{Tooltip: windows.UTF16ToString(buf), Rect: r}, nil
}

func className(h windows.HWND) string {
	buf := make([]uint16, 256)
	n, err := windows.GetClassName(h, &buf[0], int32(len(buf)))
	if err != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}

func windowRect(h windows.HWND) Rect {
	var r Rect
	pGetWindowRect.Call(uintptr(h), uintptr(unsafe.Pointer(&r)))
	return r
}

func processName(h windows.HWND) string {
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(h, &pid); err != nil {
		return ""
	}
	p, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(p)
	buf := make([]uint16, windows.MAX_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(p, 0, &buf[0], &n); err != nil {
		return ""
	}
	return filepath.Base(windows.UTF16ToString(buf[:n]))
}
