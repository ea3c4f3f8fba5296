package tray

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/walkme/session-agent/ui/menu"
)

// Time limits of the menu's actions. Signing in waits for a person.
const (
	actionTimeout = 30 * time.Second
	signInTimeout = 10 * time.Minute
)

// click runs the action of menu slot i, if the item on screen is enabled.
// It runs on its own goroutine: the click drainer never blocks.
func (c *controller) click(ctx context.Context, i int) {
	m := c.current()
	if i < 0 || i >= len(m.Items) || !m.Items[i].Enabled || m.Items[i].Hidden {
		return
	}
	a := m.Items[i].Action
	c.o.Logger.Debug("tray: menu", "action", a)
	if err := c.do(ctx, a); err != nil {
		c.o.Logger.Warn("tray: menu action failed", "action", a, "err", err)
		c.notify("WalkMe", err.Error())
	}
}

func (c *controller) do(ctx context.Context, a menu.Action) error {
	switch a {
	case menu.ActionRenew:
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		if _, err := c.o.Client.Renew(ctx); err != nil {
			return fmt.Errorf("could not renew the session: %w", err)
		}
	case menu.ActionSignOut:
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		if _, err := c.o.Client.Logout(ctx); err != nil {
			return fmt.Errorf("could not sign out: %w", err)
		}
	case menu.ActionSignIn:
		return c.signIn(ctx)
	case menu.ActionOpenAdminCenter:
		if u := c.adminCenterURL(); u != "" {
			return c.open(ctx, u)
		}
	case menu.ActionAbout:
		c.mu.Lock()
		st := c.st
		c.mu.Unlock()
		c.notify(c.current().Items[menu.SlotAbout].Tooltip, aboutBody(st.ServerURL))
	case menu.ActionQuit:
		c.view.quit()
	}
	return nil
}

func (c *controller) adminCenterURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.AdminCenterURL != "" {
		return c.st.AdminCenterURL
	}
	return c.o.AdminCenterURL
}

func aboutBody(server string) string {
	if server == "" {
		return "Keeps your WalkMe session alive while WalkMe is open, and ends it when you stop."
	}
	return "Server: " + server
}

// signIn asks the agent for a sign-in URL, opens it, then waits for the
// user to finish; the new status arrives through the event stream.
func (c *controller) signIn(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, signInTimeout)
	defer cancel()
	start, err := c.o.Client.Login(ctx)
	if err != nil {
		return fmt.Errorf("could not start signing in: %w", err)
	}
	if err := c.open(ctx, start.AuthURL); err != nil {
		return err
	}
	if _, err := c.o.Client.LoginWait(ctx); err != nil {
		return fmt.Errorf("signing in did not finish: %w", err)
	}
	return nil
}

// open opens a web page, refusing anything but http(s): the URL comes from
// another process and must not start arbitrary handlers.
func (c *controller) open(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("not opening %q: not a web address", raw)
	}
	if err := c.o.OpenURL(ctx, u.String()); err != nil {
		return fmt.Errorf("could not open the browser: %w", err)
	}
	return nil
}
