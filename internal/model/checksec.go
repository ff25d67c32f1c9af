package model

// check runs the consistency checks that need the whole linked model.
func (l *loader) check(app *App) {
	s := &app.Security
	if s.Level != LevelProduction || !s.CheckSecurity {
		return
	}
	for _, ur := range s.UserRoles {
		// A role whose module roles are not all known (reported) would be
		// judged on part of its rights: skip it rather than guess.
		if ur.CheckSecurity && !ur.unsure {
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
	if home != nil && home.Page != nil && !home.Page.unsure && !home.Page.CanOpen(roles) {
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
		if a := cp.Member.Attribute; a != nil && (a.Type == TypeBinary || a.Type == TypeHashString) {
			continue // never shown; reported by the loader
		}
		// Each step, then the member shown, must be readable on the entity
		// it belongs to; the first that is not is the one to fix.
		type read struct {
			on  *Entity
			mem *Member
		}
		reads := make([]read, 0, len(cp.Steps)+1)
		at := lp.Entity
		for _, st := range cp.Steps {
			reads = append(reads, read{at, st.Member})
			at = st.Entity
		}
		reads = append(reads, read{at, cp.Member})
		for _, rd := range reads {
			if rd.on.unsureRules() {
				break
			}
			if builtinRight(app, ur, rd.on, rd.mem) == None && MaxRight(rd.on.RulesFor(roles), rd.mem) == None {
				l.diags.Errorf(c.Pos, CodeCheckColumn, "user role %s opens page %s, but may not read %s of %s in column %s; grant it ReadOnly in a rule of %s, or remove the column", ur.Name, p.QualifiedName(), rd.mem.Name, rd.on.QualifiedName(), c.Name, rd.on.QualifiedName())
				break
			}
		}
	}
	if lp.New != nil && lp.New.Page != nil && lp.New.Page.CanOpen(roles) {
		if f := lp.New.Page.Form; f != nil && f.Entity != nil && !f.Entity.unsureRules() && !canCreate(app, f.Entity, roles) {
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
	if fp.Entity.unsureRules() {
		return
	}
	rules := fp.Entity.RulesFor(roles)
	for _, f := range fp.Fields {
		m := fp.Entity.Member(f.Name, p.Module)
		if m == nil || m.Attribute != nil && m.Attribute.Type == TypeBinary {
			continue // reported by the loader
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

// unsureRules reports whether some rule of e could not be read or linked in
// full (a reported mistake): then what e's rules grant is not known.
func (e *Entity) unsureRules() bool {
	for _, r := range e.Access {
		if r.unsure {
			return true
		}
	}
	return false
}
