package model

import "fmt"

// check runs the consistency checks that need the whole linked model.
func (l *loader) check(app *App) {
	s := &app.Security
	if s.Level != LevelProduction || !s.CheckSecurity {
		return
	}
	for _, ur := range s.UserRoles {
		if ur.CheckSecurity {
			l.checkSecurity(app, ur)
		}
	}
}

// checkSecurity is security.md's "Check security" for one user role: every
// page the role can reach must show only what the role may read.
func (l *loader) checkSecurity(app *App, ur *UserRole) {
	roles := RoleSet(ur)
	var queue []*Page
	seen := map[*Page]bool{}
	visit := func(ref *PageRef) {
		if ref != nil && ref.Page != nil && !seen[ref.Page] && ref.Page.CanOpen(roles) {
			seen[ref.Page] = true
			queue = append(queue, ref.Page)
		}
	}
	nav := &app.Navigation
	home := nav.Home
	for i := range nav.RoleHomes {
		if h := &nav.RoleHomes[i]; h.Role == ur {
			home = &h.Page
		}
	}
	if home != nil && home.Page != nil && !home.Page.CanOpen(roles) {
		l.diags.Warnf(home.Pos, CodeCheckHomePage, "user role %s cannot open its home page %s; allow one of its module roles on the page or give the role another home in navigation.roleHomes", ur.Name, home.Name)
	}
	visit(nav.Home)
	for i := range nav.RoleHomes {
		if nav.RoleHomes[i].Role == ur {
			visit(&nav.RoleHomes[i].Page)
		}
	}
	var menu func([]*MenuItem)
	menu = func(items []*MenuItem) {
		for _, it := range items {
			visit(it.Page)
			menu(it.Items)
		}
	}
	menu(nav.Menu)
	for _, p := range app.Pages() {
		if p.URL != "" {
			visit(&PageRef{Name: p.QualifiedName(), Page: p})
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if lp := p.List; lp != nil && lp.Entity != nil {
			l.checkList(app, ur, roles, p)
			visit(lp.Open)
			visit(lp.New)
		}
		if fp := p.Form; fp != nil && fp.Entity != nil {
			l.checkForm(app, ur, roles, p)
		}
	}
}

func (l *loader) checkList(app *App, ur *UserRole, roles map[*ModuleRole]bool, p *Page) {
	lp := p.List
	for _, c := range lp.Columns {
		cp, err := ResolveColumn(app, lp.Entity, c.Name, p.Module)
		if err != nil {
			continue // reported by the loader
		}
		at := lp.Entity
		for _, st := range cp.Steps {
			if builtinRight(app, ur, at, st.Member) == None && MaxRight(at.RulesFor(roles), st.Member) == None {
				l.diags.Errorf(c.Pos, CodeCheckColumn, "user role %s opens page %s, but may not read %s of %s in column %s; grant it ReadOnly in a rule of %s, or remove the column", ur.Name, p.QualifiedName(), st.Member.Name, at.QualifiedName(), c.Name, at.QualifiedName())
				break
			}
			at = st.Entity
		}
		if builtinRight(app, ur, at, cp.Member) == None && MaxRight(at.RulesFor(roles), cp.Member) == None {
			l.diags.Errorf(c.Pos, CodeCheckColumn, "user role %s opens page %s, but may not read %s of %s in column %s; grant it ReadOnly in a rule of %s, or remove the column", ur.Name, p.QualifiedName(), cp.Member.Name, at.QualifiedName(), c.Name, at.QualifiedName())
		}
	}
	if lp.New != nil && lp.New.Page != nil && lp.New.Page.CanOpen(roles) {
		if f := lp.New.Page.Form; f != nil && f.Entity != nil && !canCreate(app, f.Entity, roles) {
			l.diags.Errorf(lp.New.Pos, CodeCheckCreate, "user role %s opens page %s, whose New opens %s, but may not create %s; give one of its rules `create: true`, or remove `new`", ur.Name, p.QualifiedName(), lp.New.Name, f.Entity.QualifiedName())
		}
	}
}

func canCreate(app *App, e *Entity, roles map[*ModuleRole]bool) bool {
	if e.IsA(app.Entity(SystemUser)) {
		return false // users are created through the users API only
	}
	for _, r := range e.RulesFor(roles) {
		if r.Create {
			return true
		}
	}
	return false
}

func (l *loader) checkForm(app *App, ur *UserRole, roles map[*ModuleRole]bool, p *Page) {
	fp := p.Form
	rules := fp.Entity.RulesFor(roles)
	for _, f := range fp.Fields {
		m := fp.Entity.Member(f.Name, p.Module)
		if m == nil {
			continue
		}
		right := max(builtinRight(app, ur, fp.Entity, m), MaxRight(rules, m))
		if m.Attribute != nil && m.Attribute.Type == TypeHashString {
			if right != ReadWrite {
				l.diags.Errorf(f.Pos, CodeCheckField, "user role %s opens page %s, but may not write %s of %s, a HashString field that can only be set; grant it ReadWrite or remove the field", ur.Name, p.QualifiedName(), m.Name, fp.Entity.QualifiedName())
			}
			continue
		}
		if right == None {
			l.diags.Errorf(f.Pos, CodeCheckField, "user role %s opens page %s, but may not read %s of %s in field %s; grant it ReadOnly in a rule of %s, or remove the field", ur.Name, p.QualifiedName(), m.Name, fp.Entity.QualifiedName(), f.Name, fp.Entity.QualifiedName())
		}
	}
}

// builtinRight is the best right the built-in rules of security.md give a
// user role on a member of System.User or System.UserRole (or their
// specializations): own Name and roles for everyone, more for managers.
func builtinRight(app *App, ur *UserRole, e *Entity, m *Member) Access {
	user, userRole := app.Entity(SystemUser), app.Entity(SystemUserRole)
	switch {
	case e.IsA(userRole):
		if m.Attribute != nil && declaredOn(m) == userRole {
			return ReadOnly
		}
	case e.IsA(user) && declaredOn(m) == user:
		name := m.Name
		switch {
		case name == "Name" || name == SystemUserRoles:
			if ur.Manages() {
				return ReadWrite
			}
			return ReadOnly
		case name == "Active" || name == "Blocked":
			if ur.Manages() {
				return ReadWrite
			}
		case name == "Password":
			if ur.Manages() {
				return ReadWrite
			}
		}
	}
	return None
}

var _ = fmt.Sprintf
