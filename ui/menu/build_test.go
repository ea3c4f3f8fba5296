package menu

import (
	"strings"
	"testing"
	"time"

	"github.com/walkme/session-agent/agent/localapi"
)

var (
	utc  = time.UTC
	now  = time.Date(2025, 3, 4, 14, 20, 0, 0, utc)
	at   = func(t time.Time) *time.Time { return &t }
	base = localapi.Status{User: "ana@example.com", ServerURL: "https://walkme.example",
		RenewIntervalSeconds: 900, InactivityTimeoutSeconds: 900, Version: "1.2.3"}
)

func with(f func(*localapi.Status)) localapi.Status {
	st := base
	f(&st)
	return st
}

// want describes the observable parts of a Model.
type want struct {
	icon                Icon
	state, user, sign   string
	renew, signEnabled  bool
	admin, managed      bool
	userHidden, adminLk bool
}

func TestBuildStates(t *testing.T) {
	tests := []struct {
		name    string
		st      localapi.Status
		agentUp bool
		want    want
	}{
		{"active", with(func(s *localapi.Status) { s.State = localapi.StateActive }), true,
			want{icon: IconActive, state: "Active — renews every 15 min", user: "Signed in as ana@example.com",
				sign: "Sign out", renew: true, signEnabled: true}},
		{"active 1h cadence", with(func(s *localapi.Status) { s.State = localapi.StateActive; s.RenewIntervalSeconds = 3600 }), true,
			want{icon: IconActive, state: "Active — renews every 1 hour", user: "Signed in as ana@example.com",
				sign: "Sign out", renew: true, signEnabled: true}},
		{"idle today", with(func(s *localapi.Status) {
			s.State = localapi.StateIdle
			s.LapsesAt = at(time.Date(2025, 3, 4, 14, 32, 0, 0, utc))
		}), true,
			want{icon: IconIdle, state: "Idle — session ends at 14:32", user: "Signed in as ana@example.com",
				sign: "Sign out", renew: true, signEnabled: true}},
		{"idle tomorrow", with(func(s *localapi.Status) {
			s.State = localapi.StateIdle
			s.LapsesAt = at(time.Date(2025, 3, 5, 9, 15, 0, 0, utc))
		}), true,
			want{icon: IconIdle, state: "Idle — session ends tomorrow at 09:15", user: "Signed in as ana@example.com",
				sign: "Sign out", renew: true, signEnabled: true}},
		{"offline", with(func(s *localapi.Status) { s.State = localapi.StateOffline }), true,
			want{icon: IconOffline, state: "Offline — will renew when the network returns",
				user: "Signed in as ana@example.com", sign: "Sign out", signEnabled: true}},
		{"asleep", with(func(s *localapi.Status) { s.State = localapi.StateAsleep }), true,
			want{icon: IconAsleep, state: "Asleep", user: "Signed in as ana@example.com", sign: "Sign out", signEnabled: true}},
		{"signed out expired", localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonExpired}, true,
			want{icon: IconSignedOut, state: "Signed out — session expired", user: "Not signed in", sign: "Sign in…", signEnabled: true}},
		{"signed out by user", localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonLogout}, true,
			want{icon: IconSignedOut, state: "Signed out", user: "Not signed in", sign: "Sign in…", signEnabled: true}},
		{"never signed in", localapi.Status{State: localapi.StateSignedOut}, true,
			want{icon: IconSignedOut, state: "Signed out", user: "Not signed in", sign: "Sign in…", signEnabled: true}},
		{"sign-out pending", localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonLogout, SignOutPending: true}, true,
			want{icon: IconSignedOut, state: "Signed out — sign-out pending", user: "Not signed in", sign: "Sign in…", signEnabled: true}},
		{"rejected", localapi.Status{State: localapi.StateSignedOut, SignedOutReason: localapi.ReasonRejected}, true,
			want{icon: IconSignedOut, state: "Signed out — rejected by the server", user: "Not signed in", sign: "Sign in…", signEnabled: true}},
		{"starting", localapi.Status{State: localapi.StateStarting}, true,
			want{icon: IconSignedOut, state: "Starting — reading the keychain", user: "Not signed in", sign: "Sign in…"}},
		{"sign-in pending", localapi.Status{State: localapi.StateSignedOut, LoginPending: true}, true,
			want{icon: IconSignedOut, state: "Signing in — finish in your browser", user: "Not signed in", sign: "Sign in…"}},
		{"agent down", with(func(s *localapi.Status) { s.State = localapi.StateActive; s.Locked = []string{"ServerURL"} }), false,
			want{icon: IconError, state: "Agent not running", sign: "Sign in…", userHidden: true}},
		{"agent down keeps admin center", localapi.Status{AdminCenterURL: "https://admin.example"}, false,
			want{icon: IconError, state: "Agent not running", sign: "Sign in…", userHidden: true, admin: true}},
		{"managed", with(func(s *localapi.Status) {
			s.State = localapi.StateActive
			s.Locked = []string{"ServerURL", "AdminCenterURL"}
			s.AdminCenterURL = "https://admin.example"
		}), true,
			want{icon: IconActive, state: "Active — renews every 15 min", user: "Signed in as ana@example.com",
				sign: "Sign out", renew: true, signEnabled: true, admin: true, managed: true, adminLk: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Build(tc.st, tc.agentUp, now, utc)
			if len(m.Items) != slotCount {
				t.Fatalf("%d items, want %d: the binding relies on a fixed layout", len(m.Items), slotCount)
			}
			w := tc.want
			check := func(what string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("icon", m.Icon, w.icon)
			check("state line", m.Items[SlotState].Label, w.state)
			check("state line enabled", m.Items[SlotState].Enabled, false)
			check("title", m.Title, "WalkMe — "+w.state)
			check("tooltip first line", strings.Split(m.Tooltip, "\n")[0], "WalkMe: "+w.state)
			check("user hidden", m.Items[SlotUser].Hidden, w.userHidden)
			if !w.userHidden {
				check("user line", m.Items[SlotUser].Label, w.user)
			}
			check("user line enabled", m.Items[SlotUser].Enabled, false)
			check("renew enabled", m.Items[SlotRenew].Enabled, w.renew)
			check("renew hidden", m.Items[SlotRenew].Hidden, false)
			check("sign label", m.Items[SlotSign].Label, w.sign)
			check("sign enabled", m.Items[SlotSign].Enabled, w.signEnabled)
			check("admin center enabled", m.Items[SlotAdminCenter].Enabled, w.admin)
			check("admin center locked", m.Items[SlotAdminCenter].Locked, w.adminLk)
			check("managed shown", !m.Items[SlotManaged].Hidden, w.managed)
			check("about enabled", m.Items[SlotAbout].Enabled, true)
			check("quit enabled", m.Items[SlotQuit].Enabled, true)
			for i, it := range m.Items {
				if it.Hidden && it.Action != ActionNone {
					t.Errorf("item %d (%s) hidden: actions are disabled, never hidden", i, it.Label)
				}
			}
		})
	}
}

func TestBuildManagedLineNamesKeys(t *testing.T) {
	st := with(func(s *localapi.Status) {
		s.State = localapi.StateIdle
		s.Locked = []string{"ServerURL", "RenewInterval"}
	})
	m := Build(st, true, now, utc)
	it := m.Items[SlotManaged]
	if it.Label != ManagedLabel || !it.Locked || it.Enabled {
		t.Fatalf("managed line = %+v", it)
	}
	if !strings.Contains(it.Tooltip, "ServerURL, RenewInterval") {
		t.Errorf("tooltip %q does not name the locked keys", it.Tooltip)
	}
}

func TestBuildActions(t *testing.T) {
	m := Build(with(func(s *localapi.Status) { s.State = localapi.StateActive }), true, now, utc)
	for _, a := range []Action{ActionRenew, ActionSignOut, ActionOpenAdminCenter, ActionAbout, ActionQuit} {
		if _, ok := m.Item(a); !ok {
			t.Errorf("no item for action %q", a)
		}
	}
	if _, ok := m.Item(ActionSignIn); ok {
		t.Error("signed in, yet the menu offers Sign in…")
	}
}

func TestBuildTooltipShowsLastError(t *testing.T) {
	st := with(func(s *localapi.Status) { s.State = localapi.StateOffline; s.LastError = "dial tcp: no route to host" })
	m := Build(st, true, now, utc)
	if !strings.Contains(m.Tooltip, "ana@example.com") || !strings.Contains(m.Tooltip, "no route to host") {
		t.Errorf("tooltip = %q", m.Tooltip)
	}
}

func TestAt(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2025, 3, 4, 14, 32, 0, 0, utc), utc, "at 14:32"},
		{time.Date(2025, 3, 4, 14, 32, 0, 0, utc), berlin, "at 15:32"},
		{time.Date(2025, 3, 4, 23, 30, 0, 0, utc), berlin, "tomorrow at 00:30"},
		{time.Date(2025, 3, 7, 8, 0, 0, 0, utc), utc, "on Fri 7 Mar at 08:00"},
	}
	for _, tc := range tests {
		if got := At(tc.t, now, tc.loc); got != tc.want {
			t.Errorf("At(%v in %v) = %q, want %q", tc.t, tc.loc, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d           time.Duration
		short, long string
	}{
		{15 * time.Minute, "15 min", "15 minutes"},
		{time.Minute, "1 min", "1 minute"},
		{time.Hour, "1 hour", "1 hour"},
		{24 * time.Hour, "24 hours", "24 hours"},
		{90 * time.Minute, "90 min", "90 minutes"},
		{45 * time.Second, "45 s", "45 seconds"},
		{time.Second, "1 s", "1 second"},
	}
	for _, tc := range tests {
		if got := Duration(tc.d, false); got != tc.short {
			t.Errorf("Duration(%v, short) = %q, want %q", tc.d, got, tc.short)
		}
		if got := Duration(tc.d, true); got != tc.long {
			t.Errorf("Duration(%v, long) = %q, want %q", tc.d, got, tc.long)
		}
	}
}

func TestItemText(t *testing.T) {
	tests := []struct {
		it   Item
		want string
	}{
		{Item{Label: "Open Admin Center"}, "Open Admin Center"},
		{Item{Label: "Open Admin Center", Locked: true}, "Open Admin Center (managed)"},
		{Item{Label: ManagedLabel, Locked: true}, ManagedLabel},
	}
	for _, tc := range tests {
		if got := tc.it.Text(); got != tc.want {
			t.Errorf("%+v.Text() = %q, want %q", tc.it, got, tc.want)
		}
	}
}
