package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// EnsureAdmin creates the administrator if missing (with adminUser.role)
// and applies a configured password at every start. In development mode,
// when no password is configured and the admin has none, it generates one
// and returns it for printing; only its hash is stored.
func (s *Service) EnsureAdmin(ctx context.Context, development bool) (generated string, err error) {
	adm := s.app.Security.AdminUser
	pw := ""
	if adm.Password.Given {
		pw = adm.Password.Value
	}
	id, err := s.FindUser(ctx, adm.Name)
	if err != nil {
		return "", err
	}
	if id == 0 {
		if pw == "" {
			if !development {
				return "", errors.New("the admin password is not set: give adminUser.password as ${VAR} and set VAR")
			}
			pw = GeneratePassword(s.app.Security.PasswordPolicy, adm.Name)
			generated = pw
		}
		var roles []*model.UserRole
		if adm.Role != nil {
			roles = append(roles, adm.Role)
		}
		if _, err := s.CreateUser(ctx, adm.Name, pw, roles, true); err != nil {
			return "", fmt.Errorf("creating the admin user %s: %w", adm.Name, err)
		}
		s.log.Info("user changed", "event", "admin created", "name", adm.Name)
		return generated, nil
	}
	if pw != "" {
		return "", s.SetPassword(ctx, id, pw, nil)
	}
	rec, err := s.User(ctx, id)
	if err != nil {
		return "", err
	}
	if !rec.HasPass {
		if !development {
			return "", errors.New("the admin password is not set: give adminUser.password as ${VAR} and set VAR")
		}
		generated = GeneratePassword(s.app.Security.PasswordPolicy, adm.Name)
		return generated, s.SetPassword(ctx, id, generated, nil)
	}
	return "", nil
}

// EnsureDemoUsers creates the demo users that are missing, with a random
// password, marks them, and applies their roles again.
func (s *Service) EnsureDemoUsers(ctx context.Context) error {
	for _, du := range s.app.Security.DemoUsers.Users {
		id, err := s.FindUser(ctx, du.Name)
		if err != nil {
			return err
		}
		if id == 0 {
			vals := map[string]any{"Name": du.Name, "Password": GeneratePassword(s.app.Security.PasswordPolicy, du.Name), model.SystemUserRoles: s.roleIDs(du.Roles), "Active": true}
			ent := du.Entity
			if ent == nil {
				ent = s.app.Security.UserEntity
			}
			res, err := s.eng.Create(ctx, security.System(), ent, vals)
			if err != nil {
				return fmt.Errorf("creating demo user %s: %w", du.Name, err)
			}
			id = res.ID
			err = s.st.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO rampart_demo_users (user_id) VALUES (?)`, id)
				return err
			})
			if err != nil {
				return err
			}
			continue
		}
		// Only a user created as a demo user gets the demo roles again: an
		// ordinary user who has the name keeps their own.
		rec, err := s.User(ctx, id)
		if err != nil {
			return err
		}
		if rec == nil || !rec.Demo {
			return fmt.Errorf("demo user %s: a user with this name exists and was not created as a demo user; rename that user (rampart users) or the demo user in app.yaml", du.Name)
		}
		if _, err := s.eng.Update(ctx, security.System(), s.user, id, map[string]any{model.SystemUserRoles: s.roleIDs(du.Roles)}); err != nil {
			return fmt.Errorf("updating demo user %s: %w", du.Name, err)
		}
	}
	return nil
}

// DemoUser returns the id of a demo user by name, or 0 when name is not a
// user created as a demo user.
func (s *Service) DemoUser(ctx context.Context, name string) (int64, error) {
	id, err := s.FindUser(ctx, name)
	if err != nil || id == 0 {
		return 0, err
	}
	rec, err := s.User(ctx, id)
	if err != nil || rec == nil || !rec.Demo {
		return 0, err
	}
	return id, nil
}

// StartAnonymous creates an anonymous user (anonymous-<id>, IsAnonymous,
// the anonymous user role) and a session for it.
func (s *Service) StartAnonymous(ctx context.Context) (string, *Session, error) {
	an := s.app.Security.Anonymous
	vals := map[string]any{
		"Name":                "anonymous-" + strings.ToLower(rand.Text()[:16]),
		"IsAnonymous":         true,
		model.SystemUserRoles: s.roleIDs([]*model.UserRole{an.Role}),
		"Active":              true,
	}
	res, err := s.eng.Create(ctx, security.System(), s.app.Security.UserEntity, vals)
	if err != nil {
		return "", nil, err
	}
	return s.StartSession(ctx, res.ID, true)
}
