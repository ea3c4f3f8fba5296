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

// Paging of the log: the page shows pagePerPage entries, the API
// per_page (default apiPerPage, at most maxPerPage).
const (
	pagePerPage = 20
	apiPerPage  = 50
	maxPerPage  = 200
)

// activityPage is one page of the filtered log, newest first.
type activityPage struct {
	Kind    string     `json:"kind"`
	Page    int        `json:"page"`
	PerPage int        `json:"per_page"`
	Total   int        `json:"total"`
	Pages   int        `json:"pages"`
	Entries []Activity `json:"entries"`
}

// pageOf filters the whole log (oldest first, as the store keeps it) and
// cuts page number page (from 1) of perPage entries, newest first. The
// store has no query by kind: an account's log is read whole, which is
// fine for the few thousand entries an account writes in years.
func pageOf(log []Activity, k activityKind, page, perPage int) activityPage {
	var sel []Activity
	for i := len(log) - 1; i >= 0; i-- {
		if k.actions == nil || slices.Contains(k.actions, log[i].Action) {
			sel = append(sel, log[i])
		}
	}
	p := activityPage{Kind: k.Name, Page: page, PerPage: perPage, Total: len(sel), Pages: max(1, (len(sel)+perPage-1)/perPage)}
	from := min((page-1)*perPage, len(sel))
	p.Entries = sel[from:min(from+perPage, len(sel))]
	if p.Entries == nil {
		p.Entries = []Activity{}
	}
	return p
}

// activityQuery reads kind, page and per_page.
func activityQuery(q url.Values, defaultPerPage int) (activityKind, int, int, error) {
	k, ok := findKind(q.Get("kind"))
	if !ok {
		return k, 0, 0, fmt.Errorf("kind must be one of all, timeout, sessions, sign-in, roles")
	}
	page, perPage := 1, defaultPerPage
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return k, 0, 0, fmt.Errorf("page must be a number from 1")
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			return k, 0, 0, fmt.Errorf("per_page must be a number from 1 to %d", maxPerPage)
		}
		perPage = n
	}
	return k, page, perPage, nil
}

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	k, page, perPage, err := activityQuery(r.URL.Query(), apiPerPage)
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
	}{c.user.Account, pageOf(log, k, page, perPage)})
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
	k, page, _, err := activityQuery(r.URL.Query(), pagePerPage)
	if err != nil {
		k, page = activityKinds[0], 1
	}
	log, err := s.store.ActivityLog(r.Context(), v.user.Account)
	if err != nil {
		s.internalPage(w, "read activity log", err)
		return
	}
	p := pageOf(log, k, page, pagePerPage)
	now := s.now()
	view := activityView{Kinds: activityKinds, Kind: k.Name, Page: p.Page, Pages: p.Pages, Total: p.Total}
	for _, e := range p.Entries {
		view.Rows = append(view.Rows, activityRow{At: stamp(e.At), When: ago(now, e.At), Actor: e.Actor, What: describe(e)})
	}
	link := func(n int) string {
		return "/admin/activity?" + url.Values{"kind": {k.Name}, "page": {strconv.Itoa(n)}}.Encode()
	}
	if p.Page > 1 {
		view.PrevURL = link(min(p.Page-1, p.Pages))
	}
	if p.Page < p.Pages {
		view.NextURL = link(p.Page + 1)
	}
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
