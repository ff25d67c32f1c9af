package model

import (
	"fmt"
	"slices"
	"strings"
)

// Lookups on a linked app. Names are exact; uniqueness ignoring case is a
// check, so a name that differs only in case is an error with a hint.

// Module finds a module by name.
func (a *App) Module(name string) *Module { return a.modules[name] }

// Entity finds an entity by qualified name.
func (a *App) Entity(qname string) *Entity {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Entities, func(e *Entity) string { return e.Name }, n)
	}
	return nil
}

// Association finds an association by qualified name.
func (a *App) Association(qname string) *Association {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Associations, func(x *Association) string { return x.Name }, n)
	}
	return nil
}

// Enumeration finds an enumeration by qualified name.
func (a *App) Enumeration(qname string) *Enumeration {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Enumerations, func(x *Enumeration) string { return x.Name }, n)
	}
	return nil
}

// Page finds a page by qualified name.
func (a *App) Page(qname string) *Page {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Pages, func(x *Page) string { return x.Name }, n)
	}
	return nil
}

// Microflow finds a microflow by qualified name.
func (a *App) Microflow(qname string) *Microflow {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Microflows, func(x *Microflow) string { return x.Name }, n)
	}
	return nil
}

// ModuleRole finds a module role by qualified name.
func (a *App) ModuleRole(qname string) *ModuleRole {
	m, n := splitQualified(qname)
	if mod := a.modules[m]; mod != nil {
		return find(mod.Roles, func(x *ModuleRole) string { return x.Name }, n)
	}
	return nil
}

// UserRole finds a user role by name.
func (a *App) UserRole(name string) *UserRole {
	return find(a.Security.UserRoles, func(x *UserRole) string { return x.Name }, name)
}

// Entities lists every entity of every module, System first.
func (a *App) Entities() []*Entity {
	var out []*Entity
	for _, m := range a.Modules {
		out = append(out, m.Entities...)
	}
	return out
}

// Pages lists every page.
func (a *App) Pages() []*Page {
	var out []*Page
	for _, m := range a.Modules {
		out = append(out, m.Pages...)
	}
	return out
}

func find[T any](items []T, name func(T) string, n string) T {
	for _, it := range items {
		if name(it) == n {
			return it
		}
	}
	var zero T
	return zero
}

func splitQualified(q string) (module, name string) {
	m, n, ok := strings.Cut(q, ".")
	if !ok {
		return "", q
	}
	return m, n
}

// qualify turns a local name written in module m into a qualified name.
func qualify(name string, m *Module) string {
	if strings.Contains(name, ".") || m == nil {
		return name
	}
	return m.Name + "." + name
}

var reservedMemberNames = []string{"id", "createdDate", "changedDate", "and", "or", "not", "empty", "NULL", "true", "false"}

// link resolves every reference and reports what cannot be resolved.
func (l *loader) link(app *App) {
	app.modules = map[string]*Module{}
	seen := map[string]*Module{}
	kept := app.Modules[:0]
	for _, m := range app.Modules {
		if o := seen[strings.ToLower(m.Name)]; o != nil {
			if o.System {
				l.diags.Errorf(m.Pos, CodeDuplicateName, "module %s clashes with the built-in System module; choose another name", m.Name)
			} else {
				l.diags.Errorf(m.Pos, CodeDuplicateName, "module %s has the same name as module %s (names are unique ignoring case)", m.Name, o.Name)
			}
			continue
		}
		seen[strings.ToLower(m.Name)] = m
		app.modules[m.Name] = m
		kept = append(kept, m)
	}
	app.Modules = kept

	for _, m := range app.Modules {
		uniqueNames(l, m.Roles, func(r *ModuleRole) (string, Pos) { return r.Name, r.Pos }, "module role", "module "+m.Name)
		uniqueNames(l, m.Entities, func(e *Entity) (string, Pos) { return e.Name, e.Pos }, "entity", "module "+m.Name)
		uniqueNames(l, m.Enumerations, func(e *Enumeration) (string, Pos) { return e.Name, e.Pos }, "enumeration", "module "+m.Name)
		uniqueNames(l, m.Associations, func(e *Association) (string, Pos) { return e.Name, e.Pos }, "association", "module "+m.Name)
		uniqueNames(l, m.Pages, func(e *Page) (string, Pos) { return e.Name, e.Pos }, "page", "module "+m.Name)
		uniqueNames(l, m.Microflows, func(e *Microflow) (string, Pos) { return e.Name, e.Pos }, "microflow", "module "+m.Name)
		for _, e := range m.Enumerations {
			uniqueNames(l, e.Values, func(v EnumValue) (string, Pos) { return v.Key, v.Pos }, "enumeration key", "enumeration "+e.Name)
		}
	}
	uniqueNames(l, app.Security.UserRoles, func(r *UserRole) (string, Pos) { return r.Name, r.Pos }, "user role", "the app")

	l.linkDomain(app)
	l.linkSecurity(app)
	l.linkPages(app)
}

// uniqueNames reports names that repeat ignoring case within one scope.
func uniqueNames[T any](l *loader, items []T, key func(T) (string, Pos), what, scope string) {
	seen := map[string]string{}
	for _, it := range items {
		name, pos := key(it)
		k := strings.ToLower(name)
		if first, ok := seen[k]; ok {
			l.diags.Errorf(pos, CodeDuplicateName, "%s %s repeats %s %s in %s (names are unique ignoring case); rename one of them", what, name, what, first, scope)
			continue
		}
		seen[k] = name
	}
}

// resolve looks a qualified-or-local name up and reports it when missing,
// with a hint for names that differ only in case or lack their module.
func resolve[T comparable](l *loader, app *App, ref NameRef, from *Module, what string, lookup func(string) T, all func() []string) T {
	var zero T
	q := qualify(ref.Name, from)
	if v := lookup(q); v != zero {
		return v
	}
	if m, _ := splitQualified(q); l.failed[m] {
		return zero // the module's file could not be read; that is reported
	}
	hint := ""
	for _, n := range all() {
		if strings.EqualFold(n, q) {
			hint = fmt.Sprintf("; did you mean %s?", n)
			break
		}
		if !strings.Contains(ref.Name, ".") && strings.HasSuffix(n, "."+ref.Name) {
			if from == nil {
				hint = fmt.Sprintf("; names in app.yaml are qualified: did you mean %s?", n)
			} else {
				hint = fmt.Sprintf("; names from other modules are qualified: did you mean %s?", n)
			}
		}
	}
	code := map[string]string{"entity": CodeUnknownEntity, "enumeration": CodeUnknownEnum, "page": CodeUnknownPage, "module role": CodeUnknownRole}[what]
	if code == "" {
		code = CodeUnknownMember
	}
	if m, _ := splitQualified(q); strings.Contains(q, ".") && app.modules[m] == nil && hint == "" {
		hint = fmt.Sprintf(" (there is no module %s)", m)
	}
	if hint == "" {
		if s := suggest(q, all()); s != "" {
			hint = fmt.Sprintf("; did you mean %s?", s)
		}
	}
	l.diags.Errorf(ref.Pos, code, "unknown %s %s%s", what, ref.Name, hint)
	return zero
}

func (app *App) allNames(f func(m *Module) []string) func() []string {
	return func() []string {
		var out []string
		for _, m := range app.Modules {
			for _, n := range f(m) {
				out = append(out, m.Name+"."+n)
			}
		}
		return out
	}
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

func (l *loader) entityRef(app *App, ref NameRef, from *Module) *Entity {
	return resolve(l, app, ref, from, "entity", app.Entity, app.allNames(func(m *Module) []string {
		return names(m.Entities, func(e *Entity) string { return e.Name })
	}))
}

func (l *loader) pageRef(app *App, ref *PageRef, from *Module) {
	if ref == nil {
		return
	}
	ref.Page = resolve(l, app, NameRef{ref.Name, ref.Pos}, from, "page", app.Page, app.allNames(func(m *Module) []string {
		return names(m.Pages, func(e *Page) string { return e.Name })
	}))
	if ref.Page != nil {
		ref.Name = ref.Page.QualifiedName()
	}
}

// resolveModuleRoles resolves module roles that must belong to module own
// (nil: any module, as for user roles). complete is false when some name
// could not be resolved.
func (l *loader) resolveModuleRoles(app *App, refs []NameRef, own *Module, where string) (roles []*ModuleRole, complete bool) {
	complete = true
	for _, ref := range refs {
		r := resolve(l, app, ref, own, "module role", app.ModuleRole, app.allNames(func(m *Module) []string {
			return names(m.Roles, func(e *ModuleRole) string { return e.Name })
		}))
		if r == nil {
			complete = false
			continue
		}
		if own != nil && r.Module != own {
			l.diags.Errorf(ref.Pos, CodeForeignRole, "%s may only name module roles of module %s, not %s of module %s; use a role of module %s (add one under `roles` if needed) and give it to the user roles that need it", where, own.Name, r.QualifiedName(), r.Module.Name, own.Name)
			complete = false
			continue
		}
		if slices.Contains(roles, r) {
			continue
		}
		roles = append(roles, r)
	}
	return roles, complete
}

func (l *loader) linkDomain(app *App) {
	system := app.modules[SystemModule]
	user := app.Entity(SystemUser)
	for _, m := range app.Modules {
		if m.System {
			continue
		}
		for _, e := range m.Entities {
			if e.GeneralizationName != nil {
				if g := l.entityRef(app, *e.GeneralizationName, m); g != nil {
					e.Generalization = g
					g.Specializations = append(g.Specializations, e)
				}
			}
		}
	}
	for _, e := range app.Entities() {
		if e.Module.System {
			continue
		}
		if e.inCycle() {
			chain := []string{e.QualifiedName()}
			for g := e.Generalization; g != nil && g != e && len(chain) < 100; g = g.Generalization {
				chain = append(chain, g.QualifiedName())
			}
			chain = append(chain, e.QualifiedName())
			l.diags.Errorf(e.GeneralizationName.Pos, CodeGeneralization, "entity %s is its own generalization (%s); remove one of the generalizations in the cycle", e.QualifiedName(), strings.Join(chain, " -> "))
			e.Generalization = nil
			continue
		}
		if g := e.Generalization; g != nil && e.Persistable && !g.Persistable {
			l.diags.Errorf(e.GeneralizationName.Pos, CodeGeneralization, "persistable entity %s cannot specialize non-persistable %s; make both persistable or neither", e.QualifiedName(), g.QualifiedName())
		}
		if g := e.Generalization; g != nil && !e.Persistable && g.Persistable {
			l.diags.Errorf(e.GeneralizationName.Pos, CodeGeneralization, "non-persistable entity %s cannot specialize persistable %s; set `persistable: true` or drop the generalization", e.QualifiedName(), g.QualifiedName())
		}
	}
	// System members belong to the entity that declares them; specializations
	// inherit them, so declaring one again is harmless and ignored.
	for _, e := range app.Entities() {
		if e.Module.System {
			continue
		}
		inh := SystemMembers{}
		for g := e.Generalization; g != nil && !g.inCycle(); g = g.Generalization {
			inh.Owner = inh.Owner || g.System.Owner
			inh.ChangedBy = inh.ChangedBy || g.System.ChangedBy
			inh.CreatedDate = inh.CreatedDate || g.System.CreatedDate
			inh.ChangedDate = inh.ChangedDate || g.System.ChangedDate
		}
		if e.System.CreatedDate && !inh.CreatedDate {
			e.systemAttrs = append(e.systemAttrs, &Attribute{Entity: e, Name: MemberCreatedDate, Type: TypeDateTime})
		}
		if e.System.ChangedDate && !inh.ChangedDate {
			e.systemAttrs = append(e.systemAttrs, &Attribute{Entity: e, Name: MemberChangedDate, Type: TypeDateTime})
		}
		if e.System.Owner && !inh.Owner {
			e.systemAssocs = append(e.systemAssocs, &Association{Module: system, Name: "owner", From: e, To: user, Type: Reference, Builtin: true, OnDelete: DeleteKeep})
		}
		if e.System.ChangedBy && !inh.ChangedBy {
			e.systemAssocs = append(e.systemAssocs, &Association{Module: system, Name: "changedBy", From: e, To: user, Type: Reference, Builtin: true, OnDelete: DeleteKeep})
		}
	}
	for _, m := range app.Modules {
		for _, a := range m.Associations {
			if !m.System {
				if a.FromName.Name != "" {
					a.From = l.entityRef(app, a.FromName, m)
				}
				if a.ToName.Name != "" {
					a.To = l.entityRef(app, a.ToName, m)
				}
			}
			if a.From != nil {
				a.From.assocs = append(a.From.assocs, a)
			}
			if !m.System && a.From != nil && a.To != nil && a.From.Persistable && !a.To.Persistable {
				l.diags.Errorf(a.ToName.Pos, CodeAssocEnd, "association %s goes from persistable %s to non-persistable %s, which cannot be stored; make %s persistable or reverse the association", a.QualifiedName(), a.From.QualifiedName(), a.To.QualifiedName(), a.To.QualifiedName())
			}
		}
	}
	for _, m := range app.Modules {
		if m.System {
			continue
		}
		for _, e := range m.Entities {
			l.checkMembers(app, e)
		}
	}
}

// checkMembers checks member names, attribute types and indexes.
func (l *loader) checkMembers(app *App, e *Entity) {
	for _, a := range e.Attributes {
		for _, r := range reservedMemberNames {
			if a.Name == r {
				l.diags.Errorf(a.Pos, CodeReservedName, "attribute name %q is reserved; choose another name", a.Name)
			}
		}
	}
	for _, a := range e.assocs {
		if a.Module.System {
			continue
		}
		if slices.Contains(reservedMemberNames, a.Name) {
			l.diags.Errorf(a.Pos, CodeReservedName, "association name %q is reserved; choose another name", a.Name)
		}
	}
	// Attribute names are unique ignoring case in the entity with its
	// generalizations; a local association name may not hide one either.
	seen := map[string]*Member{}
	for _, m := range e.Members() {
		if m.Association != nil {
			continue
		}
		k := strings.ToLower(m.Name)
		first := seen[k]
		switch {
		case first == nil:
			seen[k] = m
		case m.Inherited:
			// Reported on the generalization.
		case m.System && !first.Inherited:
			// createdDate or changedDate, declared with `system`, against
			// an attribute of this entity: point at the attribute.
			l.diags.Errorf(first.Attribute.Pos, CodeDuplicateName, "attribute %s repeats the system member %s of entity %s (names are unique ignoring case); rename the attribute", first.Name, m.Name, e.QualifiedName())
		case m.System:
			// Declared again with `system` on a specialization: harmless.
		default:
			of := "attribute " + first.Name + " of entity " + e.QualifiedName()
			switch {
			case first.System:
				of = "the system member " + first.Name + " of generalization " + first.Attribute.Entity.QualifiedName()
			case first.Inherited:
				of = "attribute " + first.Name + " of generalization " + first.Attribute.Entity.QualifiedName()
			}
			l.diags.Errorf(m.Attribute.Pos, CodeDuplicateName, "attribute %s repeats %s (names are unique ignoring case); rename one of them", m.Name, of)
		}
	}
	// A local association name may not repeat an attribute name either: in
	// rules and pages both are written without a module.
	for _, m := range e.Members() {
		a := m.Association
		if a == nil || a.Builtin || a.Module.System || m.Inherited {
			continue
		}
		if first := seen[strings.ToLower(a.Name)]; first != nil {
			where := "entity " + e.QualifiedName()
			if first.Inherited {
				where = "generalization " + first.Attribute.Entity.QualifiedName()
			}
			l.diags.Errorf(a.Pos, CodeDuplicateName, "association %s repeats attribute %s of %s (names are unique ignoring case); rename one of them", a.Name, first.Name, where)
		}
	}
	for _, a := range e.Attributes {
		if a.Type == TypeEnumeration && a.EnumName != nil {
			a.Enum = resolve(l, app, *a.EnumName, e.Module, "enumeration", app.Enumeration, app.allNames(func(m *Module) []string {
				return names(m.Enumerations, func(x *Enumeration) string { return x.Name })
			}))
		}
		if a.Default != nil {
			if err := CheckValue(a, a.Default.Text); err != nil {
				l.diags.Errorf(a.Default.Pos, CodeDefaultValue, "default of attribute %s: %v; change or remove the default", a.Name, err)
			}
		}
	}
	for _, ix := range e.Indexes {
		if !e.Persistable {
			l.diags.Errorf(ix.Pos, CodeIndex, "entity %s is not persistable, so it has no table to index; remove the index", e.QualifiedName())
			continue
		}
		if len(ix.Members) == 0 {
			l.diags.Errorf(ix.Pos, CodeIndex, "an index needs at least one member; list the members to index or remove the index")
		}
		for _, n := range ix.Members {
			m := e.Member(n.Name, e.Module)
			switch {
			case m == nil:
				l.unknownMember(e, n)
			case m.Association != nil && m.Association.Type == ReferenceSet:
				l.diags.Errorf(n.Pos, CodeIndex, "%s is a ReferenceSet, which lives in its own table and cannot be part of an index; remove it from the index", n.Name)
			case m.Attribute != nil && (m.Attribute.Type == TypeBinary || m.Attribute.Type == TypeHashString):
				l.diags.Errorf(n.Pos, CodeIndex, "%s is a %s attribute, which cannot be indexed; remove it from the index", n.Name, m.Attribute.Type)
			}
		}
	}
}

func (l *loader) unknownMember(e *Entity, n NameRef) {
	hint := ""
	for _, m := range e.Members() {
		if strings.EqualFold(m.Name, n.Name) || m.Association != nil && strings.EqualFold(m.Association.Name, n.Name) {
			hint = fmt.Sprintf("; did you mean %s?", m.Name)
		}
	}
	if hint == "" {
		if m := e.Member(n.Name, nil); m == nil {
			for _, s := range e.AllSpecializations() {
				if s.Member(n.Name, e.Module) != nil {
					hint = fmt.Sprintf("; it belongs to specialization %s", s.QualifiedName())
				}
			}
		}
	}
	var known []string
	for _, m := range e.Members() {
		known = append(known, m.Name)
	}
	if hint == "" {
		if s := suggest(n.Name, known); s != "" {
			hint = fmt.Sprintf("; did you mean %s?", s)
		}
	}
	if hint == "" {
		switch {
		case len(known) == 0:
			hint = "; it has no members yet"
		case len(known) > 12:
			hint = "; its members include " + strings.Join(known[:12], ", ") + ", …"
		default:
			hint = "; its members are " + strings.Join(known, ", ")
		}
	}
	l.diags.Errorf(n.Pos, CodeUnknownMember, "entity %s has no member %s%s", e.QualifiedName(), n.Name, hint)
}
