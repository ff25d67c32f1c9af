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
	hint := ""
	for _, n := range all() {
		if strings.EqualFold(n, q) {
			hint = fmt.Sprintf("; did you mean %s?", n)
			break
		}
		if !strings.Contains(ref.Name, ".") && strings.HasSuffix(n, "."+ref.Name) {
			hint = fmt.Sprintf("; names from other modules are qualified: did you mean %s?", n)
		}
	}
	code := map[string]string{"entity": CodeUnknownEntity, "enumeration": CodeUnknownEnum, "page": CodeUnknownPage, "module role": CodeUnknownRole}[what]
	if code == "" {
		code = CodeUnknownMember
	}
	if m, _ := splitQualified(q); strings.Contains(q, ".") && app.modules[m] == nil && hint == "" {
		hint = fmt.Sprintf(" (there is no module %s)", m)
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

// moduleRoles resolves module roles that must belong to module own (nil:
// any module, as for user roles).
func (l *loader) resolveModuleRoles(app *App, refs []NameRef, own *Module, where string) []*ModuleRole {
	var out []*ModuleRole
	for _, ref := range refs {
		r := resolve(l, app, ref, own, "module role", app.ModuleRole, app.allNames(func(m *Module) []string {
			return names(m.Roles, func(e *ModuleRole) string { return e.Name })
		}))
		if r == nil {
			continue
		}
		if own != nil && r.Module != own {
			l.diags.Errorf(ref.Pos, CodeForeignRole, "%s may only name module roles of module %s, not %s; grant it in module %s instead", where, own.Name, r.QualifiedName(), r.Module.Name)
			continue
		}
		if slices.Contains(out, r) {
			continue
		}
		out = append(out, r)
	}
	return out
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
			l.diags.Errorf(e.GeneralizationName.Pos, CodeGeneralization, "entity %s is its own generalization through a cycle; break the cycle", e.QualifiedName())
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
				a.From = l.entityRef(app, a.FromName, m)
				a.To = l.entityRef(app, a.ToName, m)
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
		if first := seen[k]; first != nil && !m.Inherited {
			where := "entity " + e.QualifiedName()
			if first.Inherited {
				where = "generalization " + first.Attribute.Entity.QualifiedName()
			}
			l.diags.Errorf(m.Attribute.Pos, CodeDuplicateName, "attribute %s repeats attribute %s of %s (names are unique ignoring case); rename one of them", m.Name, first.Name, where)
			continue
		}
		seen[k] = m
	}
	for _, a := range e.Attributes {
		if a.Type == TypeEnumeration && a.EnumName != nil {
			a.Enum = resolve(l, app, *a.EnumName, e.Module, "enumeration", app.Enumeration, app.allNames(func(m *Module) []string {
				return names(m.Enumerations, func(x *Enumeration) string { return x.Name })
			}))
		}
		if a.Default != nil {
			if err := CheckValue(a, a.Default.Text); err != nil {
				l.diags.Errorf(a.Default.Pos, CodeDefaultValue, "default of attribute %s: %v", a.Name, err)
			}
		}
	}
	for _, ix := range e.Indexes {
		if !e.Persistable {
			l.diags.Errorf(ix.Pos, CodeIndex, "entity %s is not persistable, so it has no table to index; remove the index", e.QualifiedName())
			continue
		}
		if len(ix.Members) == 0 {
			l.diags.Errorf(ix.Pos, CodeIndex, "an index needs at least one member")
		}
		for _, n := range ix.Members {
			m := e.Member(n.Name, e.Module)
			switch {
			case m == nil:
				l.unknownMember(e, n)
			case m.Association != nil && m.Association.Type == ReferenceSet:
				l.diags.Errorf(n.Pos, CodeIndex, "%s is a ReferenceSet, which lives in its own table and cannot be part of an index", n.Name)
			case m.Attribute != nil && (m.Attribute.Type == TypeBinary || m.Attribute.Type == TypeHashString):
				l.diags.Errorf(n.Pos, CodeIndex, "%s is a %s attribute, which cannot be indexed", n.Name, m.Attribute.Type)
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
	l.diags.Errorf(n.Pos, CodeUnknownMember, "entity %s has no member %s%s", e.QualifiedName(), n.Name, hint)
}
