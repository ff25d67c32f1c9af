package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// Record is what the API says of a user.
type Record struct {
	ID        int64
	Name      string
	Roles     []*model.UserRole // app.yaml order
	Active    bool
	Blocked   bool
	Anonymous bool
	Demo      bool
	HasPass   bool
}

// User reads a user's record, or nil when the user does not exist.
func (s *Service) User(ctx context.Context, id int64) (*Record, error) {
	var rec *Record
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		rec, err = s.record(ctx, tx, id)
		return err
	})
	return rec, err
}

func (s *Service) record(ctx context.Context, tx *store.Tx, id int64) (*Record, error) {
	o, err := s.st.Get(ctx, tx, s.user, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec := &Record{ID: id}
	rec.Name, _ = o.Values["Name"].(string)
	rec.Active, _ = o.Values["Active"].(bool)
	rec.Blocked, _ = o.Values["Blocked"].(bool)
	rec.Anonymous, _ = o.Values["IsAnonymous"].(bool)
	_, rec.HasPass = o.Values["Password"].(string)
	ids, _ := o.Values[model.SystemUserRoles].([]int64)
	for _, r := range s.app.Security.UserRoles {
		if slices.Contains(ids, s.eng.RoleID(r.Name)) {
			rec.Roles = append(rec.Roles, r)
		}
	}
	var one int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_demo_users WHERE user_id = ?`, id).Scan(&one); err != nil {
		return nil, err
	}
	rec.Demo = one > 0
	return rec, nil
}

// FindUser returns the id of the user with this name (ignoring case), 0
// when there is none.
func (s *Service) FindUser(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		u, err := s.findUser(ctx, tx, name)
		if u != nil {
			id = u.id
		}
		return err
	})
	return id, err
}

// roleIDs turns user roles into System.UserRole object ids.
func (s *Service) roleIDs(roles []*model.UserRole) []int64 {
	ids := []int64{}
	for _, r := range roles {
		ids = append(ids, s.eng.RoleID(r.Name))
	}
	return ids
}

// CreateUser creates a user of security.userEntity (names are unique
// ignoring case; the password must satisfy the policy).
func (s *Service) CreateUser(ctx context.Context, name, password string, roles []*model.UserRole, active bool) (int64, error) {
	if err := CheckPolicy(s.app.Security.PasswordPolicy, name, password); err != nil {
		return 0, err
	}
	if id, err := s.FindUser(ctx, name); err != nil {
		return 0, err
	} else if id != 0 {
		return 0, errExists(name)
	}
	vals := map[string]any{"Name": name, "Password": password, model.SystemUserRoles: s.roleIDs(roles), "Active": active}
	res, err := s.eng.Create(ctx, security.System(), s.app.Security.UserEntity, vals)
	if err != nil {
		return 0, err
	}
	return res.ID, nil
}

// SetPassword sets a user's password (policy checked) and ends their
// sessions except the one with token hash keep.
func (s *Service) SetPassword(ctx context.Context, id int64, password string, keep *Session) error {
	rec, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	if rec == nil {
		return security.ErrNotFound
	}
	if err := CheckPolicy(s.app.Security.PasswordPolicy, rec.Name, password); err != nil {
		return err
	}
	h, err := Hash(s.app.Security.HashAlgorithm, password)
	if err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Password"]+` = ? WHERE id = ?`, h, id); err != nil {
			return err
		}
		k := ""
		if keep != nil {
			k = keep.tokenHash
		}
		return s.EndSessions(ctx, tx, id, k)
	})
}

// SetBlocked blocks or unblocks a user; a block by a manager or the CLI has
// no BlockedSince and lasts until lifted; unblocking resets FailedLogins.
// Blocking ends the user's sessions.
func (s *Service) SetBlocked(ctx context.Context, id int64, blocked bool) error {
	return s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if blocked {
			_, err = tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Blocked"]+` = ?, `+s.col["BlockedSince"]+` = NULL WHERE id = ?`, s.st.Dialect.BoolArg(true), id)
			if err == nil {
				err = s.EndSessions(ctx, tx, id, "")
			}
		} else {
			_, err = tx.Exec(ctx, `UPDATE `+s.tbl+` SET `+s.col["Blocked"]+` = ?, `+s.col["BlockedSince"]+` = NULL, `+s.col["FailedLogins"]+` = 0 WHERE id = ?`, s.st.Dialect.BoolArg(false), id)
		}
		return err
	})
}

// DeleteUser deletes a user and ends their sessions; references to the
// user are cleared whatever onDelete says.
func (s *Service) DeleteUser(ctx context.Context, id int64) error {
	return s.st.Write(ctx, func(tx *store.Tx) error { return s.deleteUser(ctx, tx, id) })
}

// ListUsers lists every non-anonymous user, by case-folded name.
func (s *Service) ListUsers(ctx context.Context) ([]*Record, error) {
	ms, err := s.eng.ListManaged(ctx, security.System())
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, m := range ms {
		out = append(out, &Record{ID: m.ID, Name: m.Name, Roles: m.Roles, Active: m.Active, Blocked: m.Blocked})
	}
	return out, nil
}

// errExists reports a taken name.
func errExists(name string) error {
	return &store.ConflictError{Msg: fmt.Sprintf("a user named %q already exists (names compare ignoring case)", name)}
}

// CheckPassword reports whether password is the user's current password.
func (s *Service) CheckPassword(ctx context.Context, id int64, password string) bool {
	var hash string
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT `+s.col["Password"]+` FROM `+s.tbl+` WHERE id = ?`, id).Scan(&hash)
	})
	if err != nil {
		VerifyDummy(s.app.Security.HashAlgorithm)
		return false
	}
	ok, _ := Verify(s.app.Security.HashAlgorithm, hash, password)
	return ok
}
