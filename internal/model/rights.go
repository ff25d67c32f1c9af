package model

// Rights of one rule, as written. The security engine compiles these once
// per model load; the model keeps the plain definitions.

// Right is what rule r grants on member m: its own entry, else the default.
// ReadWrite on a member clients can never write counts as ReadOnly.
func (r *AccessRule) Right(m *Member) Access {
	acc := r.DefaultMemberAccess
	for _, ma := range r.Members {
		if ma.Member != nil && sameMember(ma.Member, m) {
			acc = ma.Access
			break
		}
	}
	if acc == ReadWrite && !m.Writable() {
		acc = ReadOnly
	}
	return acc
}

func sameMember(a, b *Member) bool {
	return a.Attribute != nil && a.Attribute == b.Attribute || a.Association != nil && a.Association == b.Association
}

// Shows reports whether r lets its roles see objects at all: a member right
// or delete (security.md, `shows`).
func (r *AccessRule) Shows() bool {
	if r.Delete {
		return true
	}
	for _, m := range r.Entity.Members() {
		if r.Right(m) != None {
			return true
		}
	}
	return false
}

// HasRole reports whether r is for one of the given module roles.
func (r *AccessRule) HasRole(roles map[*ModuleRole]bool) bool {
	for _, x := range r.Roles {
		if roles[x] {
			return true
		}
	}
	return false
}

// RoleSet is the set of module roles of some user roles.
func RoleSet(userRoles ...*UserRole) map[*ModuleRole]bool {
	set := map[*ModuleRole]bool{}
	for _, ur := range userRoles {
		for _, r := range ur.ModuleRoles {
			set[r] = true
		}
	}
	return set
}

// RulesFor lists the rules of e for the given module roles: rules(u,E).
func (e *Entity) RulesFor(roles map[*ModuleRole]bool) []*AccessRule {
	var out []*AccessRule
	for _, r := range e.Access {
		if r.HasRole(roles) {
			out = append(out, r)
		}
	}
	return out
}

// MaxRight is the best right any of the rules grants on m, ignoring xpath.
func MaxRight(rules []*AccessRule, m *Member) Access {
	best := None
	for _, r := range rules {
		best = max(best, r.Right(m))
	}
	return best
}

// CanOpen reports whether a holder of the module roles may open page p.
func (p *Page) CanOpen(roles map[*ModuleRole]bool) bool {
	for _, r := range p.AllowedRoles {
		if roles[r] {
			return true
		}
	}
	return false
}

// Manages reports whether user role r may manage users at all.
func (r *UserRole) Manages() bool {
	return r.ManageAll || len(r.ManageableRoles) > 0 || r.ManageUsersWithoutRoles
}
