package notify

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// appID is the AppUserModelID the toast is shown under. Windows shows toasts
// only for an app ID registered by a Start-menu shortcut; PowerShell's own is
// registered on every Windows 10/11, so the toast always appears (headed
// "Windows PowerShell"). The MSI may register WalkMe's own later.
const appID = `{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe`

// toastScript builds the toast from the environment, XML-escaped there: the
// text never becomes part of the script, so it cannot inject PowerShell.
const toastScript = `
$ErrorActionPreference = 'Stop'
[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null
[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] | Out-Null
$t = [System.Security.SecurityElement]::Escape($env:WALKME_TOAST_TITLE)
$b = [System.Security.SecurityElement]::Escape($env:WALKME_TOAST_BODY)
$s = if ($env:WALKME_TOAST_URGENT -eq '1') { ' scenario="reminder"' } else { '' }
$xml = New-Object Windows.Data.Xml.Dom.XmlDocument
$xml.LoadXml("<toast$s><visual><binding template=""ToastGeneric""><text>$t</text><text>$b</text></binding></visual></toast>")
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($env:WALKME_TOAST_APPID).Show([Windows.UI.Notifications.ToastNotification]::new($xml))
`

// send shows a Windows toast through PowerShell's WinRT bridge: calling the
// WinRT toast API from Go without cgo means hand-written COM vtables, and a
// Shell_NotifyIcon balloon needs the tray's own window, which fyne.io/systray
// does not expose. The script comes on stdin and the window is hidden.
func send(ctx context.Context, n Notification) error {
	cmd := exec.CommandContext(ctx, "powershell.exe", "-NoProfile", "-NonInteractive",
		"-ExecutionPolicy", "Bypass", "-Command", "-")
	cmd.Stdin = strings.NewReader(toastScript)
	urgent := "0"
	if n.Urgency == Critical {
		urgent = "1"
	}
	cmd.Env = append(os.Environ(), "WALKME_TOAST_TITLE="+n.Title, "WALKME_TOAST_BODY="+n.Body,
		"WALKME_TOAST_URGENT="+urgent, "WALKME_TOAST_APPID="+appID)
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: 0x08000000} // CREATE_NO_WINDOW
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("notify: toast: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
