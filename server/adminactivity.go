package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Actions of the activity log.
const (
	ActionTimeoutChanged  = "security.inactivity_timeout"
	ActionSessionEnded    = "session.ended"
	ActionSignInFailed    = "security.sign_in_failed"
	ActionSignInThrottled = "security.sign_in_throttled"
	ActionRoleChanged     = "user.role"
)

// activityKind is a filter of the Activity Log: a name and the actions it
// shows.
type activityKind struct {
	Name, Label string
	actions     []string
}

// activityKinds are the filters, the first showing everything.
var activityKinds = []activityKind{
	{"all", "All", nil},
	{"timeout", "Timeout changes", []string{ActionTimeoutChanged}},
	{"sessions", "Ended sessions", []string{ActionSessionEnded}},
	{"sign-in", "Sign-in failures", []string{ActionSignInFailed, ActionSignInThrottled}},
	{"roles", "Role changes", []string{ActionRoleChanged}},
}

func findKind(name string) (activityKind, bool) {
	if name == "" {
		return activityKinds[0], true
	}
	for _, k := range activityKinds {
		if k.Name == name {
			return k, true
		}
	}
	return activityKind{}, false
}

// The Activity Log page shows activityPerPage entries.
const activityPerPage = 20

// activityPage is one page of the filtered log, newest first.
type activityPage struct {
	Kind string `json:"kind"`
	pageInfo
	Entries []Activity `json:"entries"`
}

// pageOf filters the whole log (oldest first, as the store keeps it) and
// cuts page p, newest first. The store has no query by kind: an
// account's log is read whole, which is fine for the few thousand
// entries an account writes in years.
func pageOf(log []Activity, k activityKind, p pageRequest) activityPage {
	var sel []Activity
	for i := len(log) - 1; i >= 0; i-- {
		if k.actions == nil || slices.Contains(k.actions, log[i].Action) {
			sel = append(sel, log[i])
		}
	}
	entries, info := cut(sel, p)
	return activityPage{Kind: k.Name, pageInfo: info, Entries: entries}
}

// activityQuery reads kind, page and per_page.
func activityQuery(q url.Values, defaultPerPage int) (activityKind, pageRequest, error) {
	k, ok := findKind(q.Get("kind"))
	if !ok {
		return k, pageRequest{}, fmt.Errorf("kind must be one of all, timeout, sessions, sign-in, roles")
	}
	p, err := readPaging(q, defaultPerPage)
	return k, p, err
}

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	k, p, err := activityQuery(r.URL.Query(), apiPerPage)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	log, err := s.store.ActivityLog(r.Context(), c.user.Account)
	if err != nil {
		s.internal(w, "read activity log", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Account string `json:"account"`
		activityPage
	}{c.user.Account, pageOf(log, k, p)})
}

// activityRow is an entry as the page shows it.
type activityRow struct {
	At          string
	When, Actor string
	What        string
}

// activityView is the Activity Log page's data.
type activityView struct {
	Kinds            []activityKind
	Kind             string
	Rows             []activityRow
	Page, Pages      int
	Total            int
	PrevURL, NextURL string
}

var activityTemplate = adminTemplate("activity.html")

func (s *Server) handleActivityPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	k, req, err := activityQuery(r.URL.Query(), activityPerPage)
	if err != nil {
		k, req = activityKinds[0], pageRequest{page: 1, perPage: activityPerPage}
	}
	req.perPage = activityPerPage // the page's size is the page's own
	log, err := s.store.ActivityLog(r.Context(), v.user.Account)
	if err != nil {
		s.internalPage(w, "read activity log", err)
		return
	}
	p := pageOf(log, k, req)
	now := s.now()
	view := activityView{Kinds: activityKinds, Kind: k.Name, Page: p.Page, Pages: p.Pages, Total: p.Total}
	for _, e := range p.Entries {
		view.Rows = append(view.Rows, activityRow{At: stamp(e.At), When: ago(now, e.At), Actor: e.Actor, What: describe(e)})
	}
	view.PrevURL, view.NextURL = pagerLinks(p.pageInfo, func(n int) string {
		return "/admin/activity?" + url.Values{"kind": {k.Name}, "page": {strconv.Itoa(n)}}.Encode()
	})
	s.render(w, http.StatusOK, activityTemplate, v.page("Activity Log", "/admin/activity", view))
}

// describe says what an entry records, for people.
func describe(e Activity) string {
	switch e.Action {
	case ActionTimeoutChanged:
		return fmt.Sprintf("Changed the inactivity timeout from %s to %s", timeoutLabel(e.Old), timeoutLabel(e.New))
	case ActionSessionEnded:
		return fmt.Sprintf("Ended a session of %s (%s)", e.Target, e.New)
	case ActionSignInFailed:
		return fmt.Sprintf("Failed sign-in as %s: wrong password", e.Target)
	case ActionSignInThrottled:
		if e.Target != "" {
			return fmt.Sprintf("Sign-in as %s paused: %s", e.Target, e.New)
		}
		return "Sign-in paused: " + e.New
	case ActionRoleChanged:
		return fmt.Sprintf("Made %s %s (was %s)", e.Target, article(e.New), e.Old)
	}
	what := e.Action
	if e.Target != "" {
		what += " " + e.Target
	}
	if e.Old != "" || e.New != "" {
		what += fmt.Sprintf(": %s → %s", e.Old, e.New)
	}
	return what
}

func article(role string) string {
	if role == "admin" {
		return "an admin"
	}
	return "a " + role
}

// timeoutLabel writes a stored timeout ("15m", "24h") as the Security
// page labels it.
func timeoutLabel(v string) string {
	labels := map[string]string{"15m": "15 min", "30m": "30 min", "1h": "60 min", "2h": "2 hrs", "4h": "4 hrs", "8h": "8 hrs", "24h": "24 hrs"}
	if l, ok := labels[v]; ok {
		return l
	}
	return v
}
