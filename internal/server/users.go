package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

func managedJSON(m *security.Managed) map[string]any {
	roles := []string{}
	for _, r := range m.Roles {
		roles = append(roles, r.Name)
	}
	return map[string]any{"id": idString(m.ID), "name": m.Name, "roles": roles, "active": m.Active, "blocked": m.Blocked}
}

func (s *Server) listUsers(q *req) error {
	ms, err := s.eng.ListManaged(q.r.Context(), q.caller)
	if err != nil {
		return err
	}
	items := make([]any, len(ms))
	for i, m := range ms {
		items[i] = managedJSON(m)
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// grantable resolves role names the caller wants to give.
func (s *Server) grantable(q *req, names []string) ([]*model.UserRole, error) {
	var roles []*model.UserRole
	for _, n := range names {
		r := s.app.UserRole(n)
		if r == nil {
			return nil, errf(http.StatusBadRequest, "bad_request", "unknown user role %q", n)
		}
		if !s.eng.Grantable(q.caller, r) {
			return nil, &security.Forbidden{Msg: "you may not grant the user role " + n}
		}
		roles = append(roles, r)
	}
	return roles, nil
}

func (s *Server) createUser(q *req) error {
	var body struct {
		Name     *string  `json:"name"`
		Password *string  `json:"password"`
		Roles    []string `json:"roles"`
		Active   *bool    `json:"active"`
	}
	if err := decode(q, &body); err != nil {
		return err
	}
	if body.Name == nil || *body.Name == "" || body.Password == nil {
		return errf(http.StatusBadRequest, "bad_request", "name and password are required")
	}
	roles, err := s.grantable(q, body.Roles)
	if err != nil {
		return err
	}
	if len(roles) == 0 && !s.managesWithoutRoles(q) {
		return &security.Forbidden{Msg: "you may not manage users without user roles"}
	}
	active := body.Active == nil || *body.Active
	id, err := s.id.CreateUser(q.r.Context(), *body.Name, *body.Password, roles, active)
	if err != nil {
		return err
	}
	s.log.Info("user changed", "event", "user created", "user", id, "by", q.userID())
	return s.answerManaged(q, http.StatusCreated, id)
}

// managesWithoutRoles: some user role of the caller may manage users
// without roles (always at level off).
func (s *Server) managesWithoutRoles(q *req) bool {
	if s.app.Security.Level == model.LevelOff {
		return true
	}
	for _, r := range q.user.Roles {
		if r.ManageUsersWithoutRoles {
			return true
		}
	}
	return false
}

func (s *Server) answerManaged(q *req, status int, id int64) error {
	var m *security.Managed
	err := s.cfg.Store.Read(q.r.Context(), func(tx *store.Tx) error {
		var err error
		m, err = s.eng.GetManaged(q.r.Context(), tx, security.System(), id)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(q.w, status, managedJSON(m))
	return nil
}

// managedTarget reads {id} and checks that the caller manages that user.
func (s *Server) managedTarget(q *req) (int64, error) {
	id, ok := parseID(q.r.PathValue("id"))
	if !ok {
		return 0, errNotFound
	}
	err := s.cfg.Store.Read(q.r.Context(), func(tx *store.Tx) error {
		_, err := s.eng.GetManaged(q.r.Context(), tx, q.caller, id)
		return err
	})
	return id, err
}

func (s *Server) updateUser(q *req) error {
	id, notManaged := s.managedTarget(q)
	// Targeting oneself with roles, active or blocked is 403 (below),
	// whether or not the caller manages their own user.
	if notManaged != nil && (id == 0 || id != q.userID()) {
		return notManaged
	}
	var raw map[string]json.RawMessage
	if err := decode(q, &raw); err != nil {
		return err
	}
	var body struct {
		Name     *string   `json:"name"`
		Password *string   `json:"password"`
		Roles    *[]string `json:"roles"`
		Active   *bool     `json:"active"`
		Blocked  *bool     `json:"blocked"`
	}
	for k := range raw {
		switch k {
		case "name", "password", "roles", "active", "blocked":
		default:
			return errf(http.StatusBadRequest, "bad_request", "unknown field %q; use name, password, roles, active or blocked", k)
		}
	}
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &body); err != nil {
		return errf(http.StatusBadRequest, "bad_request", "the body is not the JSON this call takes: %s", jsonProblem(err))
	}
	self := id == q.userID()
	if self && (body.Roles != nil || body.Active != nil || body.Blocked != nil) {
		return &security.Forbidden{Msg: "you cannot change the roles, active or blocked state of your own user"}
	}
	if notManaged != nil {
		return notManaged
	}
	ctx := q.r.Context()
	vals := map[string]any{}
	if body.Roles != nil {
		roles, err := s.grantable(q, *body.Roles)
		if err != nil {
			return err
		}
		if len(roles) == 0 && !s.managesWithoutRoles(q) {
			return &security.Forbidden{Msg: "you may not leave a user without user roles"}
		}
		ids := []int64{}
		for _, r := range roles {
			ids = append(ids, s.eng.RoleID(r.Name))
		}
		vals[model.SystemUserRoles] = ids
	}
	if body.Name != nil {
		if *body.Name == "" {
			return &store.ValidationError{Details: []store.FieldError{{Member: "name", Message: "is required"}}}
		}
		if other, err := s.id.FindUser(ctx, *body.Name); err != nil {
			return err
		} else if other != 0 && other != id {
			return &store.ConflictError{Msg: "a user with that name already exists (names compare ignoring case)"}
		}
		vals["Name"] = *body.Name
	}
	if body.Active != nil {
		vals["Active"] = *body.Active
	}
	// Nothing changes unless all of it can: the password is checked
	// against the policy (with the name it will have) before the fields
	// are written, and set only once they are.
	if body.Password != nil {
		rec, err := s.id.User(ctx, id)
		if err != nil {
			return err
		}
		if rec == nil {
			return errNotFound
		}
		name := rec.Name
		if body.Name != nil {
			name = *body.Name
		}
		if err := identity.CheckPolicy(s.app.Security.PasswordPolicy, name, *body.Password); err != nil {
			return err
		}
	}
	if len(vals) > 0 {
		// The engine's user hook ends the sessions of a user whose roles
		// change or who is deactivated.
		if _, err := s.eng.Update(ctx, security.System(), s.app.Entity(model.SystemUser), id, vals); err != nil {
			return err
		}
	}
	if body.Password != nil {
		var keep = q.sess
		if !self {
			keep = nil
		}
		if err := s.id.SetPassword(ctx, id, *body.Password, keep); err != nil {
			return err
		}
	}
	if body.Blocked != nil {
		if err := s.id.SetBlocked(ctx, id, *body.Blocked); err != nil {
			return err
		}
	}
	s.log.Info("user changed", "event", "user updated", "user", id, "by", q.userID())
	return s.answerManaged(q, http.StatusOK, id)
}

func (s *Server) deleteUser(q *req) error {
	id, err := s.managedTarget(q)
	if id != 0 && id == q.userID() {
		// 403 for oneself, whether or not one manages one's own user.
		return &security.Forbidden{Msg: "you cannot delete your own user"}
	}
	if err != nil {
		return err
	}
	if err := s.id.DeleteUser(q.r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	s.log.Info("user changed", "event", "user deleted", "user", id, "by", q.userID())
	writeJSON(q.w, http.StatusNoContent, nil)
	return nil
}
