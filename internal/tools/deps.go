//go:build tools

// Package tools pins the modules the project uses while the packages that
// import them are being written, so that parallel work never races on go.mod.
// Delete an import here once real code imports the module.
package tools

import (
	_ "fyne.io/systray"
	_ "github.com/Microsoft/go-winio"
	_ "github.com/chromedp/chromedp"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/go-jose/go-jose/v4"
	_ "github.com/godbus/dbus/v5"
	_ "github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/goreleaser/nfpm/v2/rpm"
	_ "github.com/kardianos/service"
	_ "github.com/shirou/gopsutil/v4/process"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/sys/windows"
	_ "golang.org/x/sys/windows/registry"
	_ "howett.net/plist"
	_ "modernc.org/sqlite"
)
