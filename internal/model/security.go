package model

import (
	"slices"
	"strings"
	"time"
)

func (l *loader) userRoleRef(app *App, name string, pos Pos) *UserRole {
	if r := app.UserRole(name); r != nil {
		return r
	}
	hint := ""
	for _, r := range app.Security.UserRoles {
		if strings.EqualFold(r.Name, name) {
			hint = "; did you mean " + r.Name + "?"
		}
	}
	if hint == "" {
		if s := suggest(name, names(app.Security.UserRoles, func(r *UserRole) string { return r.Name })); s != "" {
			hint = "; did you mean " + s + "?"
		}
	}
	if hint == "" {
		hint = "; user roles are defined under security.userRoles"
		if strings.Contains(name, ".") {
			hint = "; " + name + " looks like a module role, but a user role is expected here"
		}
	}
	l.diags.Errorf(pos, CodeUnknownUser, "unknown user role %s%s", name, hint)
	return nil
}

func (l *loader) linkSecurity(app *App) {
	s := &app.Security
	key := func(k string) Pos { return app.Keys["security."+k] }

	user := app.Entity(SystemUser)
	if s.UserEntityName != "" {
		pos := key("userEntity.value")
		if e := l.entityRef(app, NameRef{s.UserEntityName, pos}, nil); e != nil {
			if !e.IsA(user) {
				l.diags.Errorf(pos, CodeUserEntity, "userEntity %s is not System.User or a specialization of it; name an entity with `generalization: System.User`", e.QualifiedName())
			} else {
				s.UserEntity = e
			}
		}
	} else {
		specs := user.AllSpecializations()
		if len(specs) == 1 {
			s.UserEntity = specs[0]
		} else {
			s.UserEntity = user
		}
	}

	for _, ur := range s.UserRoles {
		var complete bool
		ur.ModuleRoles, complete = l.resolveModuleRoles(app, ur.ModuleRoleNames, nil, "user role "+ur.Name)
		ur.unsure = ur.unsure || !complete
		for _, n := range ur.ManageableRoleNames {
			if r := l.userRoleRef(app, n.Name, n.Pos); r != nil && !slices.Contains(ur.ManageableRoles, r) {
				ur.ManageableRoles = append(ur.ManageableRoles, r)
			}
		}
	}
	if ur := s.UserRoles; ur != nil {
		for _, r := range s.UserRoles {
			if r.ManageAll {
				r.ManageableRoles = append([]*UserRole(nil), s.UserRoles...)
			}
		}
	}

	admin := &s.AdminUser
	rolePos := key("adminUser.role.value")
	if rolePos.IsZero() {
		rolePos = key("adminUser")
	}
	if rolePos.IsZero() {
		rolePos = Pos{File: l.opts.FilePrefix + "app.yaml", Line: 1, Col: 1}
	}
	switch {
	case l.appFailed || !key("adminUser.role").IsZero() && admin.RoleName == "":
		// Nothing to look up, or a mistake reported where it is written.
	case app.UserRole(admin.RoleName) == nil && key("adminUser.role").IsZero():
		// The default role: say where it comes from.
		l.diags.Errorf(rolePos, CodeUnknownUser, "the administrator's role is %s (the default of adminUser.role), but there is no such user role; define it under security.userRoles or set adminUser.role", admin.RoleName)
	default:
		admin.Role = l.userRoleRef(app, admin.RoleName, rolePos)
	}

	an := &s.Anonymous
	if an.Enabled {
		switch {
		case an.RoleName == "" && key("anonymous.role").IsZero():
			l.diags.Errorf(key("anonymous.enabled"), CodeAnonymousRole, "anonymous users are enabled without a role: set anonymous.role to a user role with only what guests may do")
		case an.RoleName == "":
			// A mistake reported where the role is written.
		default:
			an.Role = l.userRoleRef(app, an.RoleName, key("anonymous.role.value"))
			if an.Role != nil && an.Role == admin.Role {
				l.diags.Errorf(key("anonymous.role.value"), CodeAnonymousAdmin, "the anonymous role %s is the administrator's role: everyone would be an administrator; give guests their own user role", an.Role.Name)
			}
		}
	} else if an.RoleName != "" {
		an.Role = l.userRoleRef(app, an.RoleName, key("anonymous.role.value"))
	}
	if an.Role != nil {
		for _, r := range s.UserRoles {
			if slices.Contains(r.ManageableRoles, an.Role) && !r.ManageAll {
				for _, n := range r.ManageableRoleNames {
					if n.Name == an.Role.Name {
						l.diags.Warnf(n.Pos, CodeManageAnonymous, "user role %s lists the anonymous role %s as manageable, but anonymous users are never managed; remove it", r.Name, an.Role.Name)
					}
				}
			}
		}
	}

	seen := map[string]bool{}
	for _, u := range s.DemoUsers.Users {
		for _, n := range u.RoleNames {
			if r := l.userRoleRef(app, n.Name, n.Pos); r != nil && !slices.Contains(u.Roles, r) {
				u.Roles = append(u.Roles, r)
			}
		}
		if u.Name == "" {
			continue
		}
		if strings.EqualFold(u.Name, admin.Name) {
			l.diags.Errorf(u.Pos, CodeDemoAdminName, "demo user %q has the administrator's name; rename the demo user", u.Name)
		}
		if seen[strings.ToLower(u.Name)] {
			l.diags.Errorf(u.Pos, CodeDuplicateDemo, "demo user %q is listed twice (names are unique ignoring case); remove or rename one", u.Name)
		}
		seen[strings.ToLower(u.Name)] = true
		u.Entity = s.UserEntity
		if u.EntityName != "" {
			if e := l.entityRef(app, NameRef{u.EntityName, u.EntityPos}, nil); e != nil {
				if !e.IsA(user) {
					l.diags.Errorf(u.EntityPos, CodeUserEntity, "demo user %q: entity %s is not System.User or a specialization of it; name an entity with `generalization: System.User`", u.Name, e.QualifiedName())
				} else {
					u.Entity = e
				}
			}
		}
	}

	pp := s.PasswordPolicy
	if pp.MaxLength < 64 {
		l.diags.Errorf(key("passwordPolicy.maxLength"), CodePasswordPolicy, "passwordPolicy.maxLength is %d; it must be at least 64 so that pass phrases and password managers work", pp.MaxLength)
	}
	if pp.MinLength > pp.MaxLength {
		l.diags.Errorf(key("passwordPolicy.minLength"), CodePasswordPolicy, "passwordPolicy.minLength %d is larger than maxLength %d, so no password could satisfy it; lower minLength or raise maxLength", pp.MinLength, pp.MaxLength)
	}
	if s.Session.SameSite == "None" {
		l.diags.Warnf(key("session.sameSite"), CodeSameSiteNone, "session.sameSite None sends the session cookie with cross-site requests (and acts as Lax over plain HTTP); use Strict or Lax")
	}
	if s.Session.AbsoluteTimeout < s.Session.Timeout {
		pos := key("session.absoluteTimeout")
		if pos.IsZero() {
			pos = key("session.timeout")
		}
		l.diags.Warnf(pos, CodeBadValue, "session.absoluteTimeout %s is shorter than the idle timeout %s, which then never applies; make absoluteTimeout longer or timeout shorter", fmtDuration(s.Session.AbsoluteTimeout), fmtDuration(s.Session.Timeout))
	}
	if s.StrictMode && s.Level != LevelProduction {
		l.diags.Warnf(key("strictMode"), CodeStrictNotProd, "strictMode does nothing at security level %s, only at production; remove it or set level: production", s.Level)
	}
}

// fmtDuration writes a duration as the model does: 24h rather than 24h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
