package menu

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

// Index of each item in Model.Items: fixed, so that the binding can create
// the native items once and only update them afterwards.
const (
	SlotState = iota
	SlotUser
	SlotManaged
	SlotSep1
	SlotRenew
	SlotSign
	SlotSep2
	SlotAdminCenter
	SlotAbout
	SlotSep3
	SlotQuit
	slotCount
)

// ManagedLabel is the line shown when policy sets any configuration key.
const ManagedLabel = "Managed by your organization"

// Build returns the tray for status st. agentUp is false while the tray cannot
// reach the agent (st is then ignored except for AdminCenterURL, which the
// caller may fill in from its own options). Times are shown in loc.
func Build(st localapi.Status, agentUp bool, now time.Time, loc *time.Location) Model {
	if loc == nil {
		loc = time.Local
	}
	state, icon := stateLine(st, agentUp, now, loc)
	items := make([]Item, slotCount)
	items[SlotState] = Item{Label: state}
	items[SlotUser] = userItem(st, agentUp)
	items[SlotManaged] = managedItem(st, agentUp)
	items[SlotSep1] = Item{Separator: true}
	items[SlotRenew] = Item{Label: "Renew now", Action: ActionRenew, Enabled: canRenew(st, agentUp),
		Tooltip: "Renew the WalkMe session now"}
	items[SlotSign] = signItem(st, agentUp)
	items[SlotSep2] = Item{Separator: true}
	items[SlotAdminCenter] = Item{Label: "Open Admin Center", Action: ActionOpenAdminCenter,
		Enabled: st.AdminCenterURL != "", Tooltip: st.AdminCenterURL,
		Locked: agentUp && slices.Contains(st.Locked, "AdminCenterURL")}
	items[SlotAbout] = Item{Label: "About", Action: ActionAbout, Enabled: true, Tooltip: about(st, agentUp)}
	items[SlotSep3] = Item{Separator: true}
	items[SlotQuit] = Item{Label: "Quit tray", Action: ActionQuit, Enabled: true,
		Tooltip: "Hide this icon; the agent keeps running"}
	return Model{Icon: icon, Title: "WalkMe — " + state, Tooltip: tooltip(st, agentUp, state), Items: items}
}

func stateLine(st localapi.Status, agentUp bool, now time.Time, loc *time.Location) (string, Icon) {
	if !agentUp {
		return "Agent not running", IconError
	}
	switch st.State {
	case localapi.StateActive:
		if st.RenewIntervalSeconds > 0 {
			return "Active — renews every " + Duration(seconds(st.RenewIntervalSeconds), false), IconActive
		}
		return "Active", IconActive
	case localapi.StateIdle:
		if st.LapsesAt != nil {
			return "Idle — session ends " + At(*st.LapsesAt, now, loc), IconIdle
		}
		return "Idle — no WalkMe product open", IconIdle
	case localapi.StateOffline:
		return "Offline — will renew when the network returns", IconOffline
	case localapi.StateAsleep:
		return "Asleep", IconAsleep
	case localapi.StateStarting:
		return "Starting — reading the keychain", IconSignedOut
	}
	switch {
	case st.LoginPending:
		return "Signing in — finish in your browser", IconSignedOut
	case st.SignOutPending:
		return "Signed out — sign-out pending", IconSignedOut // the server is told when the network returns
	case st.SignedOutReason == localapi.ReasonExpired:
		return "Signed out — session expired", IconSignedOut
	case st.SignedOutReason == localapi.ReasonRejected:
		return "Signed out — rejected by the server", IconSignedOut
	}
	return "Signed out", IconSignedOut
}

func userItem(st localapi.Status, agentUp bool) Item {
	switch {
	case !agentUp:
		return Item{Hidden: true}
	case st.SignedIn() && st.User != "":
		return Item{Label: "Signed in as " + st.User, Tooltip: st.ServerURL}
	case st.SignedIn():
		return Item{Label: "Signed in", Tooltip: st.ServerURL}
	}
	return Item{Label: "Not signed in"}
}

func managedItem(st localapi.Status, agentUp bool) Item {
	if !agentUp || len(st.Locked) == 0 {
		return Item{Hidden: true, Locked: true}
	}
	return Item{Label: ManagedLabel, Locked: true,
		Tooltip: "Set by your organization: " + strings.Join(st.Locked, ", ")}
}

func canRenew(st localapi.Status, agentUp bool) bool {
	return agentUp && (st.State == localapi.StateActive || st.State == localapi.StateIdle)
}

func signItem(st localapi.Status, agentUp bool) Item {
	if agentUp && st.SignedIn() {
		return Item{Label: "Sign out", Action: ActionSignOut, Enabled: true,
			Tooltip: "End the WalkMe session now, in every WalkMe product"}
	}
	return Item{Label: "Sign in…", Action: ActionSignIn,
		Enabled: agentUp && !st.LoginPending && st.State != localapi.StateStarting,
		Tooltip: "Sign in to WalkMe in your browser"}
}

func tooltip(st localapi.Status, agentUp bool, state string) string {
	lines := []string{"WalkMe: " + state}
	if agentUp && st.SignedIn() && st.User != "" {
		lines = append(lines, st.User)
	}
	if agentUp && st.LastError != "" {
		lines = append(lines, "Last problem: "+st.LastError)
	}
	return strings.Join(lines, "\n")
}

func about(st localapi.Status, agentUp bool) string {
	if !agentUp || st.Version == "" {
		return "WalkMe Session Agent"
	}
	return "WalkMe Session Agent " + st.Version
}

// At says when t happens, as seen at now: "at 14:32", "tomorrow at 09:15"
// or "on Mon 2 Jan at 09:15".
func At(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	clock := t.Format("15:04")
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return "at " + clock
	case sameDay(t, now.AddDate(0, 0, 1)):
		return "tomorrow at " + clock
	}
	return "on " + t.Format("Mon 2 Jan") + " at " + clock
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// Duration writes d for people: "15 min" / "15 minutes", "2 hours",
// "45 seconds". Long forms read well in sentences, short ones in menus.
func Duration(d time.Duration, long bool) string {
	unit := func(n int64, short, one, many string) string {
		switch {
		case !long:
			return fmt.Sprintf("%d %s", n, short)
		case n == 1:
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		if n := int64(d / time.Hour); n != 1 {
			return fmt.Sprintf("%d hours", n)
		}
		return "1 hour"
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "min", "minute", "minutes")
	}
	return unit(int64((d+time.Second/2)/time.Second), "s", "second", "seconds")
}

func seconds(n int64) time.Duration { return time.Duration(n) * time.Second }
