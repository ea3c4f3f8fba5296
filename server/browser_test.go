package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/walkme/session-agent/internal/chromiumtest"
	"github.com/walkme/session-agent/server"
)

// TestAdminCenterInBrowser drives the real Security page in headless
// Chromium: sign in through the login form, move the slider to 15 min,
// Save, and check the account's setting changed on the server.
func TestAdminCenterInBrowser(t *testing.T) {
	e := newEnv(t, false) // first: it waits for the parallel tests' turn
	ctx := chromiumtest.New(t, time.Minute)

	signInToAdminCenter(t, ctx, e)
	current, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("current")))
	if err != nil {
		t.Fatal(err)
	}
	notes, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("timeout-card")))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		// Move the slider to its first stop as a user's drag would.
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("timeout"); s.value = "0";
			s.dispatchEvent(new Event("input")); })()`),
		chromedp.Click(chromedp.ID("save")),
		chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent.includes("Saved")`),
	)
	if err != nil {
		t.Fatalf("save through the page: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("current")))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "admin-security.png")
	if current != "24 hrs" {
		t.Errorf("initial setting shown as %q, want 24 hrs", current)
	}
	for _, want := range []string{"Best practice configuration: 15 minutes", "This configuration will apply to all users within this account."} {
		if !strings.Contains(notes, want) {
			t.Errorf("page does not show %q", want)
		}
	}
	if status != "15 min" {
		t.Errorf("after Save the page shows %q, want 15 min", status)
	}
	a, err := e.store.Account(context.Background(), "acme")
	if err != nil || a.InactivityTimeout != 15*time.Minute {
		t.Errorf("server setting after Save: %v %v, want 15m", a.InactivityTimeout, err)
	}
	t.Run("Sessions", func(t *testing.T) { sessionsInBrowser(t, ctx, e) })
	t.Run("ActivityLog", func(t *testing.T) { activityInBrowser(t, ctx, e) })
	t.Run("UsersAndRoles", func(t *testing.T) { usersInBrowser(t, ctx, e) })

	// Sign out is a form post the Origin check must let through from the
	// page itself; the browser is then asked to sign in again.
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".signout button")))
	if err == nil {
		err = chromiumtest.WaitText(ctx, time.Minute, "Sign in to WalkMe")
	}
	if err != nil {
		t.Fatalf("sign out through the page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url("/admin/security")), chromedp.WaitVisible(chromedp.ID("password"))); err != nil {
		t.Errorf("after sign-out the Security page does not ask to sign in: %v", err)
	}
}

// TestLoginRedirectInBrowser signs in on the /authorize page in Chromium
// for a native client whose redirect_uri is a loopback listener, on each
// of the loopback hosts RFC 8252 allows. Chromium applies the page's CSP
// form-action to the redirect that follows the form post, so this is
// where a too-strict policy shows: the person stays on the form.
func TestLoginRedirectInBrowser(t *testing.T) {
	e := newEnv(t, false)
	ctx := chromiumtest.New(t, 2*time.Minute)
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]"} {
		t.Run(host, func(t *testing.T) {
			ln, err := net.Listen("tcp", net.JoinHostPort(strings.Trim(host, "[]"), "0"))
			if err != nil {
				t.Skipf("no loopback listener on %s: %v", host, err)
			}
			got := make(chan url.Values, 1)
			agent := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case got <- r.URL.Query():
				default:
				}
				io.WriteString(w, "<p>back at the agent</p>")
			})}
			go agent.Serve(ln)
			defer agent.Close()
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			redirect := "http://" + host + ":" + port + "/callback"
			err = chromedp.Do(ctx,
				chromedp.Navigate(e.authorizeURL(newPKCE(), redirect)),
				chromedp.WaitVisible(chromedp.ID("email")),
				chromedp.SendKeys(chromedp.ID("email"), "user@acme.test"),
				chromedp.SendKeys(chromedp.ID("password"), password),
				chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
			)
			if err == nil {
				err = chromiumtest.WaitText(ctx, time.Minute, "back at the agent")
			}
			if err != nil {
				t.Fatalf("sign in with redirect_uri %s: %v", redirect, err)
			}
			if q := <-got; q.Get("code") == "" || q.Get("state") != "st4te" {
				t.Errorf("the agent got %v, want a code and the state", q)
			}
		})
	}
}

// TestForeignPageInBrowser: a page of another origin, open in the browser
// of a signed-in admin, can neither sign the admin out with a form that
// posts itself nor show the Admin Center in a frame. The other page is
// on another port of 127.0.0.1: same site, so the SameSite=Lax cookie
// rides along, and only the Origin check stops the post.
func TestForeignPageInBrowser(t *testing.T) {
	e := newEnv(t, false)
	ctx := chromiumtest.New(t, 2*time.Minute)
	signInToAdminCenter(t, ctx, e)
	other := http.NewServeMux()
	other.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<form method="post" action="`+e.url("/admin/logout")+`"></form><script>document.forms[0].submit()</script>`)
	})
	other.HandleFunc("/frame", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<iframe src="`+e.url("/admin/security")+`"></iframe>`)
	})
	site := httptest.NewServer(other)
	defer site.Close()

	if err := chromedp.Do(ctx, chromedp.Navigate(site.URL+"/post")); err != nil {
		t.Fatal(err)
	}
	if err := chromiumtest.WaitText(ctx, time.Minute, "This request came from another site and was refused."); err != nil {
		t.Errorf("the forged sign-out: %v", err)
	}

	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	messages := chromedp.Console(cctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(site.URL+"/frame")); err != nil {
		t.Fatal(err)
	}
	refused := false
	for m, err := range messages {
		if err != nil {
			break
		}
		if strings.Contains(m.Text, "frame-ancestors 'none'") {
			refused = true
			break
		}
	}
	if !refused {
		t.Error("the browser did not refuse to show the Admin Center in another site's frame")
	}

	err := chromedp.Do(ctx, chromedp.Navigate(e.url("/admin/security")), chromedp.WaitEnabled(chromedp.ID("save")))
	if err != nil {
		t.Errorf("the admin is no longer signed in after the other site's visit: %v", err)
	}
}

// signInToAdminCenter signs the admin in through the Security page's own
// form, as a person would, and waits for the page to be ready.
func signInToAdminCenter(t *testing.T, ctx context.Context, e *env) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.url("/admin/security")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@acme.test"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitEnabled(chromedp.ID("save")),
	)
	if err != nil {
		t.Fatalf("sign in through the page: %v", err)
	}
}

// screenshot keeps a picture of the tab for the docs under `make
// screenshots` (WALKME_SCREENSHOTS names the directory).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("WALKME_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sessionsInBrowser: the signed-in admin opens Sessions from the sidebar,
// sees the session a real sign-in of a member made, presses its End
// button, and the session's access token is inactive at introspection.
func sessionsInBrowser(t *testing.T, ctx context.Context, e *env) {
	member := e.login("user@acme.test")
	e.clock.Advance(3 * time.Minute)
	e.mustRefresh(member.RefreshToken) // the access token stays the first one
	row := `tr[data-email="user@acme.test"]`
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.side a[href="/admin/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatalf("open Sessions from the sidebar: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"user@acme.test", "WalkMe Agent", "Go-http-client/1.1 · 127.0.0.1", "3 min ago", "In use"} {
		if !strings.Contains(text, want) {
			t.Errorf("the member's row %q lacks %q", text, want)
		}
	}
	if own, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-email="admin@acme.test"]`))); !strings.Contains(own, "Chrome on Linux · 127.0.0.1") {
		t.Errorf("the admin's own row %q does not name this browser", own)
	}
	screenshot(t, ctx, "admin-sessions.png")
	// The search narrows the list to the member's sessions.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("find"), "USER@"),
		chromedp.Click(chromedp.ID("find-button")),
	)
	if err == nil {
		err = chromiumtest.WaitText(ctx, time.Minute, "Page 1 of 1 · 1 session")
	}
	if err != nil {
		t.Fatalf("find the member's sessions: %v", err)
	}
	if body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("sessions").innerText`)); strings.Contains(body, "admin@acme.test") || !strings.Contains(body, "user@acme.test") {
		t.Errorf("the search for USER@ shows:\n%s", body)
	}
	if !e.active(member.AccessToken) {
		t.Fatal("the member's session is not live before End")
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+` button.end-session`)))
	if err == nil {
		err = chromiumtest.WaitText(ctx, time.Minute, "Ended.")
	}
	if err != nil {
		t.Fatalf("press End: %v", err)
	}
	if e.active(member.AccessToken) {
		t.Error("the ended session's access token is still active at introspection")
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if strings.Contains(body, "user@acme.test") {
		t.Errorf("the page still lists the ended session:\n%s", body)
	}
}

// activityInBrowser: the Activity Log shows the timeout change and the
// session ended in the steps before, and a failed sign-in; its filters
// narrow it to one kind, and its pager pages.
func activityInBrowser(t *testing.T, ctx context.Context, e *env) {
	if code, _, _ := e.guess(e.http, e.authorizeURL(newPKCE(), redirectURI), "user@acme.test", "not the password"); code != http.StatusOK {
		t.Fatalf("a wrong password: HTTP %d", code)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.side a[href="/admin/activity"]`)),
		chromedp.WaitVisible(chromedp.ID("activity")),
	)
	if err != nil {
		t.Fatalf("open the Activity Log from the sidebar: %v", err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("activity")))
	for _, want := range []string{"Changed the inactivity timeout from 24 hrs to 15 min", "admin@acme.test",
		"Ended a session of user@acme.test (WalkMe Agent session signed in 2025-03-01 09:00 UTC)", "Failed sign-in as user@acme.test: wrong password", "127.0.0.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
	screenshot(t, ctx, "admin-activity.png")

	// 25 more failures make two pages of sign-in failures.
	for i := range 25 {
		err := e.store.AppendActivity(context.Background(), "acme", server.Activity{At: e.clock.Now().Add(time.Duration(i) * time.Second),
			Actor: "192.0.2.9", Action: server.ActionSignInFailed, Target: "user@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.filters a[data-kind="sign-in"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.filters a.current[data-kind="sign-in"]`)),
	)
	if err != nil {
		t.Fatalf("filter sign-in failures: %v", err)
	}
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#activity tbody tr").length`))
	pageOf, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("page-of")))
	text, _ = chromedp.Run(ctx, chromedp.Text(chromedp.ID("activity")))
	if rows != 20 || pageOf != "Page 1 of 2 · 26 entries" || strings.Contains(text, "timeout") || strings.Contains(text, "Ended") {
		t.Errorf("sign-in failures: %d rows, %q, want 20 rows of 26 failures only:\n%s", rows, pageOf, text)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.ID("next")), chromedp.WaitVisible(chromedp.ID("prev")))
	if err != nil {
		t.Fatalf("page to the older entries: %v", err)
	}
	rows, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#activity tbody tr").length`))
	text, _ = chromedp.Run(ctx, chromedp.Text(chromedp.ID("activity")))
	if rows != 6 || !strings.Contains(text, "127.0.0.1") {
		t.Errorf("page 2: %d rows, want the 6 oldest failures, the real one included:\n%s", rows, text)
	}
}

// usersInBrowser: on Users & Roles the admin makes the member an admin,
// and the server's record changes.
func usersInBrowser(t *testing.T, ctx context.Context, e *env) {
	row := `#users tr[data-email="user@acme.test"]`
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.side a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatalf("open Users & Roles from the sidebar: %v", err)
	}
	if text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row))); !strings.Contains(text, "Member") {
		t.Fatalf("the member's row: %q", text)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+` button.set-role`)))
	if err == nil {
		err = chromiumtest.WaitText(ctx, time.Minute, "Role changed.")
	}
	if err != nil {
		t.Fatalf("press Make admin: %v", err)
	}
	if text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row))); !strings.Contains(text, "Admin") || !strings.Contains(text, "Make member") {
		t.Errorf("after Make admin the row shows %q", text)
	}
	if u, err := e.store.UserByEmail(context.Background(), "user@acme.test"); err != nil || !u.Admin {
		t.Errorf("server record after Make admin: %+v %v", u, err)
	}
}
