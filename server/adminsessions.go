package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Sessions page and its API: an account's live sessions, and ending
// one of them or all of a user's. Ending is Store.EndSession, the same
// as a sign-out: from that moment every token of the session fails
// everywhere — the refresh token at /token, access tokens at userinfo,
// introspection and the admin API (R4), on every instance sharing the
// store — and the agent learns at its next renewal.

// sessionView is one live session as the page and the API show it.
type sessionView struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Email       string    `json:"email"`
	ClientID    string    `json:"client_id"`
	Client      string    `json:"client"` // what the client is, for people
	Device      string    `json:"device"` // where it signed in: software and address
	SignedIn    time.Time `json:"signed_in"`
	LastRenewal time.Time `json:"last_renewal"`
	LapsesAt    time.Time `json:"lapses_at"`
	State       string    `json:"state"`             // "in_use" or "idle"
	Current     bool      `json:"current,omitempty"` // the caller's own session

	// For the page.
	SignedInText, RenewalText, LapseText, StateText string `json:"-"`
}

// clientNames are the registered clients as the Admin Center names them.
var clientNames = map[string]string{
	AgentClientID:       "WalkMe Agent",
	adminCenterClientID: "Admin Center (browser)",
}

// liveSessions lists the account's live sessions with their users' emails,
// ordered by email, then sign-in.
func (s *Server) liveSessions(ctx context.Context, account, current string) ([]sessionView, error) {
	now := s.now()
	list, err := s.store.LiveSessions(ctx, account, now)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	emails, err := s.userEmails(ctx, account)
	if err != nil {
		return nil, err
	}
	views := make([]sessionView, 0, len(list))
	for _, ss := range list {
		v := sessionView{ID: ss.ID, UserID: ss.UserID, Email: emails[ss.UserID], ClientID: ss.ClientID,
			Client: clientNames[ss.ClientID], Device: ss.Device, SignedIn: ss.AuthTime.UTC(), LastRenewal: ss.LastRenewal.UTC(),
			LapsesAt: ss.LapsesAt().UTC(), State: "idle", Current: ss.ID == current}
		if v.Client == "" {
			v.Client = ss.ClientID
		}
		v.StateText = "Idle"
		if ss.InUse {
			v.State = "in_use"
			v.StateText = "In use, renews every " + cadenceText(ss.Cadence())
		}
		v.SignedInText, v.RenewalText = ago(now, v.SignedIn), ago(now, v.LastRenewal)
		v.LapseText = "in " + roughly(v.LapsesAt.Sub(now))
		views = append(views, v)
	}
	sortSessionViews(views)
	return views, nil
}

// sortSessionViews orders sessions by their user's email, then sign-in.
func sortSessionViews(v []sessionView) {
	slices.SortStableFunc(v, func(a, b sessionView) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)), a.SignedIn.Compare(b.SignedIn))
	})
}

func (s *Server) userEmails(ctx context.Context, account string) (map[string]string, error) {
	users, err := s.store.Users(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	emails := make(map[string]string, len(users))
	for _, u := range users {
		emails[u.ID] = u.Email
	}
	return emails, nil
}

var errNoLiveSession = errors.New("no live session of the account has that id")

// endSessions ends the account's live sessions that match (by session id,
// or every one of a user), writes an activity entry for each and returns
// how many it ended.
func (s *Server) endSessions(ctx context.Context, by User, match func(Session) bool) (int, error) {
	now := s.now()
	list, err := s.store.LiveSessions(ctx, by.Account, now)
	if err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	emails, err := s.userEmails(ctx, by.Account)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ss := range list {
		if !match(ss) {
			continue
		}
		if err := s.store.EndSession(ctx, ss.ID, now, "admin"); err != nil {
			return n, fmt.Errorf("end session: %w", err)
		}
		n++
		client := clientNames[ss.ClientID]
		if client == "" {
			client = ss.ClientID
		}
		e := Activity{At: now, Actor: by.Email, Action: ActionSessionEnded, Target: emails[ss.UserID],
			New: fmt.Sprintf("%s session signed in %s", client, ss.AuthTime.UTC().Format("2006-01-02 15:04 UTC"))}
		if err := s.store.AppendActivity(ctx, by.Account, e); err != nil {
			return n, fmt.Errorf("activity log: %w", err)
		}
		s.log.InfoContext(ctx, "session ended by an admin", "sid", ss.ID, "email", emails[ss.UserID], "by", by.Email)
	}
	return n, nil
}

func (s *Server) endOne(ctx context.Context, by User, sid string) (int, error) {
	n, err := s.endSessions(ctx, by, func(ss Session) bool { return ss.ID == sid })
	if err == nil && n == 0 {
		err = errNoLiveSession
	}
	return n, err
}

func (s *Server) endUser(ctx context.Context, by User, userID string) (int, error) {
	u, err := s.store.User(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Account != by.Account) {
		return 0, ErrNotFound
	} else if err != nil {
		return 0, fmt.Errorf("load user: %w", err)
	}
	return s.endSessions(ctx, by, func(ss Session) bool { return ss.UserID == userID })
}

// sessionsPerPage is how many sessions the Sessions page shows at once.
const sessionsPerPage = 50

// sessionsQuery is a search and a page of the Sessions list: find keeps
// the sessions whose user's email contains it (any case).
type sessionsQuery struct {
	find string
	pageRequest
}

func readSessionsQuery(q url.Values, defaultPerPage int) (sessionsQuery, error) {
	p, err := readPaging(q, defaultPerPage)
	return sessionsQuery{find: strings.TrimSpace(q.Get("find")), pageRequest: p}, err
}

// sessionsPage is one page of the account's live sessions.
type sessionsPage struct {
	Find string `json:"find,omitempty"`
	pageInfo
	Sessions []sessionView `json:"sessions"`
}

func (q sessionsQuery) apply(all []sessionView) sessionsPage {
	if q.find != "" {
		needle := strings.ToLower(q.find)
		all = slices.DeleteFunc(all, func(v sessionView) bool { return !strings.Contains(strings.ToLower(v.Email), needle) })
	}
	list, info := cut(all, q.pageRequest)
	return sessionsPage{Find: q.find, pageInfo: info, Sessions: list}
}

// sessionsView is the Sessions page's data.
type sessionsView struct {
	sessionsPage
	PrevURL, NextURL string
}

var sessionsTemplate = adminTemplate("sessions.html")

func (s *Server) handleSessionsPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	s.showSessions(w, r, v, "", "")
}

func (s *Server) showSessions(w http.ResponseWriter, r *http.Request, v adminView, flash, failure string) {
	q, err := readSessionsQuery(r.URL.Query(), sessionsPerPage)
	if err != nil {
		q = sessionsQuery{find: q.find, pageRequest: pageRequest{page: 1}}
	}
	q.perPage = sessionsPerPage // the page's size is the page's own
	list, err := s.liveSessions(r.Context(), v.user.Account, v.session.ID)
	if err != nil {
		s.internalPage(w, "list sessions", err)
		return
	}
	view := sessionsView{sessionsPage: q.apply(list)}
	view.PrevURL, view.NextURL = pagerLinks(view.pageInfo, func(n int) string {
		u := url.Values{"page": {strconv.Itoa(n)}}
		if q.find != "" {
			u.Set("find", q.find)
		}
		return "/admin/sessions?" + u.Encode()
	})
	data := v.page("Sessions", "/admin/sessions", view)
	data.Flash, data.Error = flash, failure
	if data.Flash == "" {
		data.Flash = r.URL.Query().Get("done")
		if data.Flash != "ended" {
			data.Flash = ""
		} else {
			data.Flash = "Ended. Its tokens no longer work anywhere; the agent shows the user signed out at its next renewal."
		}
	}
	s.render(w, http.StatusOK, sessionsTemplate, data)
}

// handleEndSessionForm is the page's End and End all buttons: a form post
// with either session (one session) or user (all of the user's).
func (s *Server) handleEndSessionForm(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPost(w, r)
	if !ok {
		return
	}
	var err error
	switch sid, uid := r.PostFormValue("session"), r.PostFormValue("user"); {
	case sid != "":
		_, err = s.endOne(r.Context(), v.user, sid)
	case uid != "":
		_, err = s.endUser(r.Context(), v.user, uid)
	default:
		err = ErrNotFound
	}
	switch {
	case errors.Is(err, errNoLiveSession) || errors.Is(err, ErrNotFound):
		s.showSessions(w, r, v, "", "That session has already ended or is not one of this account's.")
		return
	case err != nil:
		s.internalPage(w, "end session", err)
		return
	}
	// Post/Redirect/Get: a reload does not post again.
	http.Redirect(w, r, s.endpoint("/admin/sessions?done=ended"), http.StatusSeeOther)
}

// The admin API's side: the same, for scripts (Bearer access token).

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	q, err := readSessionsQuery(r.URL.Query(), apiPerPage)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	list, err := s.liveSessions(r.Context(), c.user.Account, c.session.ID)
	if err != nil {
		s.internal(w, "list sessions", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Account string `json:"account"`
		sessionsPage
	}{c.user.Account, q.apply(list)})
}

// handleEnd answers DELETE /api/admin/sessions/{id} (end is endOne) and
// DELETE /api/admin/users/{id}/sessions (end is endUser).
func (s *Server) handleEnd(end func(ctx context.Context, by User, id string) (int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.admin(w, r)
		if !ok {
			return
		}
		n, err := end(r.Context(), c.user, r.PathValue("id"))
		s.answerEnded(w, n, err)
	}
}

func (s *Server) answerEnded(w http.ResponseWriter, n int, err error) {
	switch {
	case errors.Is(err, errNoLiveSession):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": err.Error()})
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no user of the account has that id"})
	case err != nil:
		s.internal(w, "end session", err)
	default:
		writeJSON(w, http.StatusOK, map[string]int{"ended": n})
	}
}
