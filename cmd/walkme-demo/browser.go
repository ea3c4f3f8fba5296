package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/browser/extension"
	"github.com/walkme/session-agent/browser/nativemsg"
	"github.com/walkme/session-agent/browser/standin"
	"github.com/walkme/session-agent/packaging/nativehost"
	"github.com/walkme/session-agent/platform/ipc"
)

// The browser half of the demo (docs/products.md): headless Chromium with
// the reference extension, whose native-messaging host is this binary
// (nativeHostArg) relaying to the demo's agent, and the stand-in WalkMe web
// page, which draws its user from the extension's token. Without Chromium
// the demo says so and goes on without it.

// nativeHostArg makes this binary the extension's native-messaging host:
// `walkme-demo native-host SOCKET [the caller's origin]`.
const nativeHostArg = "native-host"

// browserSource is the presence source the extension reports in Chromium.
const browserSource = "browser:chromium"

type browserTab struct {
	ctx  context.Context // the tab
	stop context.CancelFunc
	page string
}

// findChromium returns the path of a Chromium-family browser, or "".
func findChromium() string {
	if runtime.GOOS != "linux" {
		return "" // the host manifest below goes where Chromium on Linux reads it
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runNativeHost serves the extension's native port for the browser.
func runNativeHost(ctx context.Context, args []string) error {
	if len(args) < 1 {
		return errors.New("usage: walkme-demo native-host SOCKET")
	}
	socket := args[0]
	client := localapi.NewClient(func(ctx context.Context) (net.Conn, error) { return ipc.Dial(ctx, socket) })
	return nativemsg.Serve(ctx, client, os.Stdin, os.Stdout)
}

// openTab starts the stand-in page and Chromium, and opens the page while
// signed out, before the sign-in whose session the tab will keep: a browser
// takes seconds to start, and the demo's session lapses in six.
func (d *demo) openTab(ctx context.Context, _ <-chan localapi.Status) error {
	chromium := findChromium()
	if chromium == "" {
		d.say("browser", "skipped: no Chromium here (Debian's chromium package; `make deps` installs it as root)")
		return nil
	}
	tab, err := d.startBrowser(ctx, chromium)
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	d.tab = tab
	d.say("browser", "%s started headless with the WalkMe extension; its native-messaging host relays to the agent", filepath.Base(chromium))
	if err := chromedp.Do(tab.ctx, chromedp.Navigate(tab.page)); err != nil {
		return fmt.Errorf("browser: open the WalkMe page: %w", err)
	}
	shown, err := d.awaitPage(ctx, "signed out")
	if err != nil {
		return err
	}
	d.say("user", "opens WalkMe in the browser (%s) while signed out: the page shows %q", tab.page, shown)
	return nil
}

// tabKeepsSession checks that the page followed the sign-in and that the tab
// alone keeps the session alive.
func (d *demo) tabKeepsSession(ctx context.Context, events <-chan localapi.Status) error {
	if d.tab == nil {
		return nil
	}
	shown, err := d.awaitPage(ctx, "signed in as ")
	if err != nil {
		return err
	}
	d.say("browser", "the page follows the sign-in and shows %q: its user came from the extension's access token, checked at the service's userinfo", shown)
	st, err := await(ctx, events, "the tab's heartbeat", func(st localapi.Status) bool {
		return st.State == localapi.StateActive && len(st.Presence.Sources) > 0 && st.Presence.Sources[0] == browserSource
	})
	if err != nil {
		return err
	}
	before := st.Renewals
	if _, err := await(ctx, events, "renewals for the tab", func(st localapi.Status) bool { return st.Renewals >= before+2 }); err != nil {
		return err
	}
	d.say("agent", "the tab keeps the session alive: presence %q, renewing every %s", browserSource, demoInterval)
	return nil
}

// startBrowser serves the stand-in page, installs the extension and its
// native-messaging host for a fresh profile, and starts Chromium headless.
func (d *demo) startBrowser(ctx context.Context, chromium string) (*browserTab, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: standin.Handler(d.issuer), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // ends at Close
	page := "http://" + ln.Addr().String() + "/"
	ext, profile, err := d.installExtension(page)
	if err != nil {
		hs.Close()
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.UserDataDir(profile),
		chromedp.Flag("headless", "new"), chromedp.Flag("disable-extensions", false),
		chromedp.Flag("load-extension", ext))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	stop := func() { cancelTab(); cancelAlloc(); hs.Close() }
	if err := chromedp.Do(tctx); err != nil {
		stop()
		return nil, fmt.Errorf("start %s: %w", chromium, err)
	}
	return &browserTab{ctx: tctx, stop: stop, page: page}, nil
}

// installExtension copies the extension with the page's host as its WalkMe
// host (what the managed policy sets in a deployment) and a 1 s heartbeat,
// and installs the host manifest in the profile's NativeMessagingHosts.
func (d *demo) installExtension(page string) (ext, profile string, err error) {
	src := extension.Dir()
	if src == "" {
		return "", "", errors.New("the extension's files are not at hand (run the demo from the source tree: make demo)")
	}
	ext, profile = filepath.Join(d.dir, "extension"), filepath.Join(d.dir, "chromium")
	if err := os.CopyFS(ext, os.DirFS(src)); err != nil {
		return "", "", err
	}
	defaults, _ := json.Marshal(map[string]any{"hostPatterns": []string{page + "*"}, "heartbeatSeconds": 1})
	if err := os.WriteFile(filepath.Join(ext, "defaults.json"), defaults, 0o644); err != nil {
		return "", "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	host := filepath.Join(d.dir, "walkme-native-host")
	script := fmt.Sprintf("#!/bin/sh\nexec %q %s %q \"$@\"\n", exe, nativeHostArg, filepath.Join(d.dir, "run", "agent.sock"))
	if err := os.WriteFile(host, []byte(script), 0o755); err != nil {
		return "", "", err
	}
	manifest, _, err := nativehost.Manifests(host, []string{extension.ID}, nil)
	if err != nil {
		return "", "", err
	}
	hosts := filepath.Join(profile, "NativeMessagingHosts")
	if err := os.MkdirAll(hosts, 0o755); err != nil {
		return "", "", err
	}
	return ext, profile, os.WriteFile(filepath.Join(hosts, nativehost.Name+".json"), manifest, 0o644)
}

// awaitPage waits until the page shows text, and returns what it shows.
func (d *demo) awaitPage(ctx context.Context, text string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		shown, err := chromedp.Run(d.tab.ctx, chromedp.Evaluate[string](`document.getElementById("session").textContent`))
		if err == nil && strings.HasPrefix(shown, text) {
			return shown, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the WalkMe page never showed %q: it shows %q (%v)", text, shown, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// tabSignedOut checks that the page followed the sign-out.
func (d *demo) tabSignedOut(ctx context.Context, _ <-chan localapi.Status) error {
	if d.tab == nil {
		return nil
	}
	if _, err := d.awaitPage(ctx, "signed out"); err != nil {
		return err
	}
	d.say("browser", "the WalkMe page shows \"signed out\": the extension heard the session end from the agent")
	return nil
}

func (d *demo) stopBrowser() {
	if d.tab != nil {
		d.tab.stop()
		d.tab = nil
	}
}
