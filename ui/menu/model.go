// Package menu computes what the tray shows from the agent's status: the
// icon, the tooltip and the menu items, and the desktop notifications the
// tray sends. It is pure (no OS calls, the clock is a parameter), so every
// state is a table test; ui/tray only copies a Model onto the native tray.
package menu

// Icon names the tray icon for a state; ui/icons has one image per Icon.
type Icon string

// The tray icons.
const (
	IconSignedOut Icon = "signed-out"
	IconActive    Icon = "active"
	IconIdle      Icon = "idle"
	IconOffline   Icon = "offline"
	IconAsleep    Icon = "asleep"
	IconError     Icon = "error" // the agent is not running
)

// Icons lists every Icon, for generators and tests.
var Icons = []Icon{IconSignedOut, IconActive, IconIdle, IconOffline, IconAsleep, IconError}

// Action is what clicking an item does.
type Action string

// The menu's actions. ActionNone marks informational lines.
const (
	ActionNone            Action = ""
	ActionRenew           Action = "renew"
	ActionSignIn          Action = "sign-in"
	ActionSignOut         Action = "sign-out"
	ActionOpenAdminCenter Action = "open-admin-center"
	ActionAbout           Action = "about"
	ActionQuit            Action = "quit"
)

// Item is one menu line. Items that cannot act now are disabled, never
// hidden, so the menu does not jump around; only informational lines with
// nothing to say are Hidden.
type Item struct {
	Label     string
	Tooltip   string // shown on hover where the OS supports it (not Linux)
	Enabled   bool
	Checked   bool
	Locked    bool // the value behind the item is set by managed policy
	Hidden    bool
	Separator bool
	Action    Action
}

// Model is the whole tray: the native binding maps Items[i] to the i-th
// native item, so every Model has the same items in the same order.
type Model struct {
	Icon    Icon
	Title   string // the item's title (Linux StatusNotifierItem Title)
	Tooltip string
	Items   []Item
}

// Item returns the first item with action a, for tests and for the binding.
func (m Model) Item(a Action) (Item, bool) {
	for _, it := range m.Items {
		if it.Action == a && !it.Separator {
			return it, true
		}
	}
	return Item{}, false
}

// Text is the label as the native menu shows it: items whose value is set by
// managed policy say so (menus have no lock glyph that every desktop's font
// draws).
func (it Item) Text() string {
	if it.Locked && it.Label != "" && it.Label != ManagedLabel {
		return it.Label + " (managed)"
	}
	return it.Label
}
