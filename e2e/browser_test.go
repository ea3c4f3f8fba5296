//go:build linux

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/walkme/session-agent/agent/localapi"
	"github.com/walkme/session-agent/internal/chromiumtest"
	"github.com/walkme/session-agent/internal/testenv"
)

// The tests in this file sign in as a person does: headless Chromium opens
// the page, the test types into the page's own form and presses its
// button, and only then asks the agent whether it is signed in. Unlike
// the curl $BROWSER of the other tests, Chromium enforces the pages'
// Content-Security-Policy, including form-action on the redirect that
// follows a form post.

// recordingBrowser points the agent's $BROWSER at a script that only writes
// down the URL it is asked to open, and returns a func that waits for it.
func recordingBrowser(t *testing.T, a *agentEnv) (opened func() string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "opened-url")
	script := filepath.Join(dir, "browser.sh")
	body := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" > %s.tmp && mv %s.tmp %s\n", file, file, file)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	a.env = append(a.env, "BROWSER="+script) // the last BROWSER= wins
	return func() string {
		t.Helper()
		var u string
		testenv.WaitFor(t, 20*time.Second, "the agent to open a browser", func() bool {
			b, err := os.ReadFile(file)
			u = strings.TrimSpace(string(b))
			return err == nil && u != ""
		})
		return u
	}
}

// startCLI runs a walkme-agent command in the background; wait returns
// its output and error once it ends.
func startCLI(t *testing.T, ctx context.Context, a *agentEnv, args ...string) (stdout io.Reader, wait func() (string, error)) {
	t.Helper()
	cmd := exec.CommandContext(ctx, a.bin, args...)
	cmd.Env = append(os.Environ(), a.env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	return r, func() (string, error) {
		rest, _ := io.ReadAll(r)
		err := cmd.Wait()
		return string(rest) + errb.String(), err
	}
}

// signInPage types the email and password into the sign-in page open in
// the tab and presses its button.
func signInPage(ctx context.Context, email, pw string) error {
	return chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
	)
}

// browserLogin is `walkme-agent login` with the URL it opens loaded in
// Chromium and the form filled in there.
func browserLogin(t *testing.T, ctx context.Context, a *agentEnv) {
	t.Helper()
	opened := recordingBrowser(t, a)
	lctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, wait := startCLI(t, lctx, a, "login")
	authURL := opened()
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatalf("open the sign-in page: %v", err)
	}
	if err := signInPage(ctx, admin, password); err != nil {
		t.Fatalf("sign in through the page: %v", err)
	}
	// The agent's own page on its loopback listener says how it went.
	if err := chromiumtest.WaitText(ctx, time.Minute, "You are signed in to WalkMe"); err != nil {
		t.Fatalf("the browser did not reach the agent: %v", err)
	}
	if out, err := wait(); err != nil {
		t.Fatalf("walkme-agent login: %v\n%s", err, out)
	}
}

// TestAgentLoginInBrowser is `walkme-agent login` as a user lives it: the
// agent opens the browser, the person types their email and password, and
// the agent is signed in.
func TestAgentLoginInBrowser(t *testing.T) {
	ctx := chromiumtest.New(t, 2*time.Minute)
	_, a := startAgent(t, "")
	browserLogin(t, ctx, a)
	st := a.awaitStatus(10*time.Second, "signed in", localapi.Status.SignedIn)
	if st.User != admin || a.keychainEntry() == "" {
		t.Fatalf("after the sign-in: user %q, keychain entry present %v", st.User, a.keychainEntry() != "")
	}
}

// TestDeviceLoginInBrowser is `login --device` with the code approved in
// Chromium: the person opens the verification URL the CLI shows, types
// the code and their credentials, and presses Approve.
func TestDeviceLoginInBrowser(t *testing.T) {
	ctx := chromiumtest.New(t, 2*time.Minute)
	srv, a := startAgent(t, "")
	lctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, wait := startCLI(t, lctx, a, "login", "--device")
	code := regexp.MustCompile(`^\s+([A-Z]{4}-[A-Z]{4})$`)
	uri := regexp.MustCompile(`open (http\S+) in a browser`)
	var userCode, verification, shown string
	sc := bufio.NewScanner(out)
	for userCode == "" && sc.Scan() {
		shown += sc.Text() + "\n"
		if m := uri.FindStringSubmatch(sc.Text()); m != nil {
			verification = m[1]
		}
		if m := code.FindStringSubmatch(sc.Text()); m != nil {
			userCode = m[1]
		}
	}
	if userCode == "" || verification != srv.URL+"/device" {
		t.Fatalf("login --device printed no code or no verification URL:\n%s", shown)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(verification),
		chromedp.WaitVisible(chromedp.ID("user_code")),
		chromedp.SendKeys(chromedp.ID("user_code"), strings.ToLower(userCode)), // as typed, not as shown
		chromedp.SendKeys(chromedp.ID("email"), admin),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`button[value="approve"]`)),
	)
	if err == nil {
		err = chromiumtest.WaitText(ctx, time.Minute, "Your device is now signed in")
	}
	if err != nil {
		t.Fatalf("approve in the browser: %v", err)
	}
	if rest, err := wait(); err != nil {
		t.Fatalf("login --device: %v\n%s", err, rest)
	}
	st := a.awaitStatus(10*time.Second, "signed in", localapi.Status.SignedIn)
	if st.User != admin {
		t.Fatalf("after the approval: user %q", st.User)
	}
}

// TestAdminCenterInBrowserReachesAgent: the admin signs in to the Admin
// Center in Chromium (through the page's form), moves the timeout to
// 15 min and saves; a signed-in agent then runs on the new timeout.
func TestAdminCenterInBrowserReachesAgent(t *testing.T) {
	ctx := chromiumtest.New(t, 2*time.Minute)
	srv, a := startAgent(t, "")
	browserLogin(t, ctx, a)
	if st := a.mustStatus(); st.InactivityTimeoutSeconds != 24*3600 {
		t.Fatalf("before the change the agent runs on %d s, want the default 24 h", st.InactivityTimeoutSeconds)
	}
	err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin/security"))
	if err == nil {
		err = signInPage(ctx, admin, password)
	}
	if err == nil {
		err = chromedp.Do(ctx,
			chromedp.WaitEnabled(chromedp.ID("save")),
			// Move the slider to its first stop as a user's drag would.
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("timeout"); s.value = "0";
				s.dispatchEvent(new Event("input")); })()`),
			chromedp.Click(chromedp.ID("save")),
			chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent.includes("Saved")`),
		)
	}
	if err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("change the timeout in the Admin Center (at %s, showing %.300q): %v", chromiumtest.Location(ctx), body, err)
	}
	openProduct(t) // the agent renews while a product is open, and learns the new timeout
	a.awaitStatus(30*time.Second, "the agent on the 15 min timeout", func(st localapi.Status) bool {
		return st.InactivityTimeoutSeconds == 15*60
	})
}
