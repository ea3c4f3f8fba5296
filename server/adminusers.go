package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// The Users & Roles page and its API: the account's users, and making one
// an admin or a member (R2: only admins change the timeout). Adding a
// user stays on the command line (`walkme-sessiond user add`).

// userView is a user as the page and the API show it.
type userView struct {
	ID           string `json:"id"`
	Email        string `json:"email"`
	Role         string `json:"role"` // "admin" or "member"
	LiveSessions int    `json:"live_sessions"`
	Self         bool   `json:"self,omitempty"`
}

func roleOf(admin bool) string {
	if admin {
		return "admin"
	}
	return "member"
}

func (s *Server) listUsers(ctx context.Context, account, self string) ([]userView, error) {
	users, err := s.store.Users(ctx, account)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	live, err := s.store.LiveSessions(ctx, account, s.now())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	count := map[string]int{}
	for _, ss := range live {
		count[ss.UserID]++
	}
	views := make([]userView, len(users))
	for i, u := range users {
		views[i] = userView{ID: u.ID, Email: u.Email, Role: roleOf(u.Admin), LiveSessions: count[u.ID], Self: u.ID == self}
	}
	return views, nil
}

// setRole makes the account's user userID an admin (role "admin") or a
// member, logging the change. ErrLastAdmin and ErrNotFound pass through.
func (s *Server) setRole(ctx context.Context, by User, userID, role string) error {
	if role != "admin" && role != "member" {
		return errBadRole
	}
	u, err := s.store.User(ctx, userID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Account != by.Account) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("load user: %w", err)
	}
	e := Activity{At: s.now(), Actor: by.Email, Action: ActionRoleChanged, Target: u.Email, Old: roleOf(u.Admin), New: role}
	if err := s.store.SetAdmin(ctx, by.Account, userID, role == "admin", e); err != nil {
		return err
	}
	if roleOf(u.Admin) != role {
		s.log.InfoContext(ctx, "role changed", "email", u.Email, "role", role, "by", by.Email)
	}
	return nil
}

var errBadRole = errors.New(`role must be "admin" or "member"`)

var usersTemplate = adminTemplate("users.html")

func (s *Server) handleUsersPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	flash := ""
	if r.URL.Query().Get("done") == "role" {
		flash = "Role changed."
	}
	s.showUsers(w, r, v, http.StatusOK, flash, "")
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, v adminView, status int, flash, failure string) {
	users, err := s.listUsers(r.Context(), v.user.Account, v.user.ID)
	if err != nil {
		s.internalPage(w, "list users", err)
		return
	}
	data := v.page("Users & Roles", "/admin/users", users)
	data.Flash, data.Error = flash, failure
	s.render(w, status, usersTemplate, data)
}

// handleRoleForm is the page's Make admin / Make member buttons.
func (s *Server) handleRoleForm(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminPost(w, r)
	if !ok {
		return
	}
	switch err := s.setRole(r.Context(), v.user, r.PostFormValue("user"), r.PostFormValue("role")); {
	case errors.Is(err, ErrLastAdmin):
		s.showUsers(w, r, v, http.StatusConflict, "", "The account's last admin cannot be made a member: make someone else an admin first.")
	case errors.Is(err, ErrNotFound) || errors.Is(err, errBadRole):
		s.showUsers(w, r, v, http.StatusBadRequest, "", "That user is not one of this account's.")
	case err != nil:
		s.internalPage(w, "change role", err)
	default:
		http.Redirect(w, r, s.endpoint("/admin/users?done=role"), http.StatusSeeOther)
	}
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	users, err := s.listUsers(r.Context(), c.user.Account, c.user.ID)
	if err != nil {
		s.internal(w, "list users", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": c.user.Account, "users": users})
}

func (s *Server) handlePutRole(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admin(w, r)
	if !ok {
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": `body must be JSON {"role": "admin"} or {"role": "member"}`})
		return
	}
	switch err := s.setRole(r.Context(), c.user, r.PathValue("id"), in.Role); {
	case errors.Is(err, errBadRole):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "no user of the account has that id"})
	case errors.Is(err, ErrLastAdmin):
		writeJSON(w, http.StatusConflict, map[string]string{"error": "last_admin", "error_description": err.Error()})
	case err != nil:
		s.internal(w, "change role", err)
	default:
		u, _ := s.store.User(r.Context(), r.PathValue("id"))
		writeJSON(w, http.StatusOK, userView{ID: u.ID, Email: u.Email, Role: roleOf(u.Admin), Self: u.ID == c.user.ID})
	}
}
