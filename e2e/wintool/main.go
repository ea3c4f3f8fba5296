// Command wintool is the Windows side of the e2e tests that run the agent
// under Wine: what a Linux test cannot do from outside the Wine prefix. It
// is built for windows/amd64 by the tests and is not shipped.
//
//	wintool wait           run until stdin closes (copied to another name,
//	                       it is a stand-in WalkMe product for the presence scan)
//	wintool cred SERVICE   say whether the Credential Manager holds the
//	                       agent's entry for SERVICE ("present"/"absent")
//	wintool status         time one status call to the agent on
//	                       $WALKME_AGENT_SOCKET with the CLI's own client
//	wintool tray PREFIX    print, as JSON, the notification-area icons whose
//	                       tooltip starts with PREFIX, and any open popup menu,
//	                       in the desktop named by $WINTOOL_DESKTOP
//	wintool quit-tray      close the tray windows (fyne.io/systray's) in that
//	                       desktop, which ends their programs
//
// Copied to powershell.exe it is the toast stand-in: it records the toast
// it was asked to show (the WALKME_TOAST_* environment the agent sets) in
// the file named by $WINTOOL_TOAST_LOG, one JSON line a toast.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/platform/ipc"
	"github.com/walkme/session-agent/platform/keychain"
)

func main() {
	if strings.EqualFold(strings.TrimSuffix(filepath.Base(os.Args[0]), filepath.Ext(os.Args[0])), "powershell") {
		os.Exit(recordToast())
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wintool wait | cred SERVICE | tray PREFIX")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; {
	case cmd == "wait":
		_, err = io.Copy(io.Discard, os.Stdin)
	case cmd == "cred" && len(args) == 1:
		err = cred(args[0])
	case cmd == "status" && len(args) == 0:
		err = timeStatus()
	case cmd == "tray" && len(args) == 1:
		err = printTray(args[0])
	case cmd == "quit-tray" && len(args) == 0:
		err = quitTray()
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wintool:", err)
		os.Exit(1)
	}
}

// cred looks the agent's entry up as the agent does (the same service and
// account, the current user), and says whether it is there; never its value.
func cred(service string) error {
	kc, err := keychain.Open(keychain.Options{Service: service})
	if err != nil {
		return err
	}
	_, err = kc.Get(context.Background())
	switch {
	case errors.Is(err, keychain.ErrNotFound):
		fmt.Println("absent")
	case err != nil:
		return err
	default:
		fmt.Println("present")
	}
	return nil
}

// timeStatus makes the CLI's status call (localapi's client over the named
// pipe, with its deadline) and prints how long it took, in this process, so
// that the measure leaves out the seconds Wine may take to start a process.
func timeStatus() error {
	c := localapi.NewClient(func(ctx context.Context) (net.Conn, error) {
		return ipc.Dial(ctx, os.Getenv("WALKME_AGENT_SOCKET"))
	})
	start := time.Now()
	st, err := c.Status(context.Background())
	res := map[string]any{"ms": time.Since(start).Milliseconds()}
	switch {
	case errors.Is(err, ipc.ErrNotRunning):
		res["error"] = "not running"
	case errors.Is(err, localapi.ErrNotAnswering):
		res["error"] = "not answering"
	case err != nil:
		res["error"] = err.Error()
	default:
		res["state"] = st.State
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func printTray(prefix string) error {
	icons, menus, err := readTray(prefix)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"icons": icons, "menus": menus})
}

// Icon is a notification-area icon as the shell (Wine's explorer) holds it.
type Icon struct {
	Tooltip string `json:"tooltip"`
	Rect    Rect   `json:"rect"` // on the desktop
}

// Menu is an open popup menu window.
type Menu struct {
	Process string `json:"process"` // the exe that opened it
	Rect    Rect   `json:"rect"`
}

// Rect is a window's rectangle in desktop coordinates.
type Rect struct{ Left, Top, Right, Bottom int32 }

func recordToast() int {
	log := os.Getenv("WINTOOL_TOAST_LOG")
	script, _ := io.ReadAll(os.Stdin)
	rec := map[string]any{
		"title": os.Getenv("WALKME_TOAST_TITLE"), "body": os.Getenv("WALKME_TOAST_BODY"),
		"urgent": os.Getenv("WALKME_TOAST_URGENT"), "appid": os.Getenv("WALKME_TOAST_APPID"),
		"args": os.Args[1:], "script_shows_toast": strings.Contains(string(script), "ToastNotificationManager"),
	}
	b, _ := json.Marshal(rec)
	f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "powershell stand-in:", err)
		return 1
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		fmt.Fprintln(os.Stderr, "powershell stand-in:", err)
		return 1
	}
	return 0
}
