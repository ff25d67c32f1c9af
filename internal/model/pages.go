package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// reservedURLPrefixes are the paths the server keeps for itself.
var reservedURLPrefixes = []string{"/api", "/healthz", "/readyz", "/static", "/login"}

// primitiveTypes are the parameter types that are not entities.
var primitiveTypes = []string{"String", "Integer", "Long", "Decimal", "Boolean", "DateTime"}

func (l *loader) linkPages(app *App) {
	urls := map[string]Pos{}
	checkURL := func(url string, pos Pos, what string) {
		if url == "" {
			return
		}
		if !plainPath(url) {
			l.diags.Errorf(pos, CodePageURL, "%s: url %q is not a plain path such as /expenses: start with '/' and use only letters, digits, '-', '_', '.' and '~' between the slashes", what, url)
			return
		}
		for _, p := range reservedURLPrefixes {
			if strings.HasPrefix(url, p) {
				l.diags.Errorf(pos, CodePageURL, "%s: url %q starts with %s, which Rampart keeps for itself; choose another path", what, url, p)
				return
			}
		}
		k := strings.TrimSuffix(url, "/")
		if first, ok := urls[k]; ok {
			l.diags.Errorf(pos, CodeDuplicateURL, "%s: url %q is already used at %s; urls are unique in the app, so choose another", what, url, first)
			return
		}
		urls[k] = pos
	}
	for _, m := range app.Modules {
		for _, e := range m.Entities {
			if !m.System {
				l.linkRules(app, e)
			}
		}
		for _, p := range m.Pages {
			what := "page " + p.QualifiedName()
			var complete bool
			p.AllowedRoles, complete = l.resolveModuleRoles(app, p.AllowedRoleNames, m, what)
			p.unsure = p.unsure || !complete
			checkURL(p.URL, p.URLPos, what)
			if p.Form != nil {
				l.linkForm(app, p)
			}
		}
		for _, mf := range m.Microflows {
			what := "microflow " + mf.QualifiedName()
			mf.AllowedRoles, _ = l.resolveModuleRoles(app, mf.AllowedRoleNames, m, what)
			checkURL(mf.URL, mf.URLPos, what)
			for i := range mf.Parameters {
				l.linkParameter(app, m, what, &mf.Parameters[i])
			}
		}
	}
	// Lists last: their open and new targets must be linked forms, wherever
	// those are written.
	for _, m := range app.Modules {
		for _, p := range m.Pages {
			if p.List != nil {
				l.linkList(app, p)
			}
		}
	}
	nav := &app.Navigation
	l.pageRef(app, nav.Home, nil)
	for i := range nav.RoleHomes {
		h := &nav.RoleHomes[i]
		h.Role = l.userRoleRef(app, h.RoleName, h.RolePos)
		l.pageRef(app, &h.Page, nil)
	}
	var menu func(items []*MenuItem)
	menu = func(items []*MenuItem) {
		for _, it := range items {
			l.pageRef(app, it.Page, nil)
			menu(it.Items)
		}
	}
	menu(nav.Menu)
}

// plainPath reports whether url is a path of plain segments: /a, /a/b-c,
// /a/ (the same as /a).
func plainPath(url string) bool {
	rest, ok := strings.CutPrefix(url, "/")
	if !ok || rest == "" {
		return false
	}
	rest = strings.TrimSuffix(rest, "/")
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.~", c)) {
				return false
			}
		}
	}
	return true
}

// linkParameter resolves a microflow parameter's type: an entity or one of
// the primitive types.
func (l *loader) linkParameter(app *App, m *Module, what string, p *Parameter) {
	name := p.TypeName.Name
	if name == "" {
		l.diags.Errorf(p.Pos, CodeMicroflow, "%s: parameter %s needs a type: an entity or one of %s", what, p.Name, strings.Join(primitiveTypes, ", "))
		return
	}
	if slices.Contains(primitiveTypes, name) {
		return
	}
	if !strings.Contains(name, ".") && app.Entity(qualify(name, m)) == nil {
		for _, t := range primitiveTypes {
			if strings.EqualFold(t, name) {
				l.diags.Errorf(p.TypeName.Pos, CodeMicroflow, "%s: parameter %s has the unknown type %s; did you mean %s?", what, p.Name, name, t)
				return
			}
		}
		if !slices.ContainsFunc(app.Entities(), func(e *Entity) bool { return strings.EqualFold(e.Name, name) }) {
			l.diags.Errorf(p.TypeName.Pos, CodeMicroflow, "%s: parameter %s has the unknown type %s; use an entity or one of %s", what, p.Name, name, strings.Join(primitiveTypes, ", "))
			return
		}
	}
	p.Entity = l.entityRef(app, p.TypeName, m)
}

func (l *loader) linkRules(app *App, e *Entity) {
	user := app.Entity(SystemUser)
	for _, r := range e.Access {
		what := fmt.Sprintf("access rule %d of %s", r.Index+1, e.QualifiedName())
		// A rule with a mistake in its own keys (reported) may have lost
		// its roles or members: do not add that it has none.
		decoded := !r.unsure
		if len(r.RoleNames) == 0 && decoded {
			l.diags.Errorf(r.Pos, CodeRuleNoRoles, "%s has no roles: list the module roles it is for in `roles`", what)
		}
		var complete bool
		r.Roles, complete = l.resolveModuleRoles(app, r.RoleNames, e.Module, what)
		r.unsure = r.unsure || !complete
		if r.XPath != nil && !e.Persistable {
			l.diags.Errorf(r.XPath.Pos, CodeRuleXPathNonPers, "%s: entity %s is not persistable, so its rules cannot have an xpath; remove it", what, e.QualifiedName())
		}
		seen := map[*Association]bool{}
		seenAttr := map[*Attribute]bool{}
		unknownMember := false
		grants := r.Create || r.Delete || (r.DefaultMemberAccess != None && len(e.Members()) > 0)
		for i := range r.Members {
			ma := &r.Members[i]
			m := e.Member(ma.Name, e.Module)
			if m == nil {
				l.ruleMemberUnknown(app, e, ma)
				r.unsure, unknownMember = true, true
				continue
			}
			ma.Member = m
			if m.Association != nil && seen[m.Association] || m.Attribute != nil && seenAttr[m.Attribute] {
				l.diags.Errorf(ma.Pos, CodeDuplicateKey, "%s names member %s twice; keep one", what, m.Name)
				continue
			}
			seen[m.Association], seenAttr[m.Attribute] = true, true
			if ma.Access != None {
				grants = true
			}
			if ma.Access == ReadWrite && !m.Writable() {
				kind := "system member"
				if !m.System {
					kind = "AutoNumber attribute"
				}
				l.diags.Errorf(ma.Pos, CodeRuleReadWrite, "%s grants ReadWrite on %s, a%s %s that clients can never write; use ReadOnly", what, m.Name, article(kind), kind)
			}
			if e != user && m.Inherited && declaredOn(m) == user {
				l.diags.Warnf(ma.Pos, CodeRuleUserMember, "%s names %s, a member of System.User: it follows the built-in user-management rules and this entry has no effect; remove it", what, m.Name)
			}
		}
		if !grants && decoded && !unknownMember {
			l.diags.Errorf(r.Pos, CodeRuleGrantsNone, "%s grants nothing: give it create, delete, or ReadOnly or ReadWrite on some member", what)
		}
	}
}

// declaredOn is the entity a member belongs to.
func declaredOn(m *Member) *Entity {
	if m.Attribute != nil {
		return m.Attribute.Entity
	}
	return m.Association.From
}

func (l *loader) ruleMemberUnknown(app *App, e *Entity, ma *MemberAccess) {
	a := app.Association(qualify(ma.Name, e.Module))
	if a != nil && a.From == nil {
		return // its from entity is unknown, reported where it is written
	}
	if a != nil && a.To != nil && e.IsA(a.To) {
		l.diags.Errorf(ma.Pos, CodeRuleAssocSide, "association %s is a member of its from entity %s, not of %s; grant it in the rules of %s", a.QualifiedName(), a.From.QualifiedName(), e.QualifiedName(), a.From.QualifiedName())
		return
	}
	l.unknownMember(e, NameRef{ma.Name, ma.Pos})
}

// PathStep is one association step of a page column.
type PathStep struct {
	Member *Member // the association, a member of the entity before the step
	Entity *Entity // the entity reached (the other end or a specialization)
}

// ColumnPath is a list column: zero or more single-valued steps and the
// member shown.
type ColumnPath struct {
	Steps  []PathStep
	Member *Member
}

// UnknownMemberError is the error of ResolveColumn for a name that is no
// member of the entity reached.
type UnknownMemberError struct {
	Entity *Entity
	Name   string
}

func (e *UnknownMemberError) Error() string {
	return fmt.Sprintf("entity %s has no member %s", e.Entity.QualifiedName(), e.Name)
}

// ErrUnresolved is the error of ResolveColumn for a path through an
// association whose other end could not be resolved: a mistake reported
// where the association is written.
var ErrUnresolved = errors.New("the path crosses an association whose target is unknown")

// ResolveColumn resolves a column or field path written in module m. It is
// used by the loader and by everything that renders pages.
func ResolveColumn(app *App, e *Entity, text string, m *Module) (ColumnPath, error) {
	var cp ColumnPath
	parts := strings.Split(text, "/")
	if len(parts)%2 == 0 {
		return cp, fmt.Errorf("path %s does not end in a member: a path alternates association and entity and ends in an attribute, as in Association/Entity/Attribute", text)
	}
	cur := e
	for i := 0; i+1 < len(parts); i += 2 {
		mem := cur.Member(parts[i], m)
		if mem == nil || mem.Association == nil {
			if a := app.Association(qualify(parts[i], m)); a != nil && a.To != nil && cur.IsA(a.To) {
				return cp, fmt.Errorf("path %s walks %s backwards, which reaches many objects; a column crosses only single-valued references", text, a.QualifiedName())
			}
			if mem == nil {
				return cp, &UnknownMemberError{cur, parts[i]}
			}
			return cp, fmt.Errorf("path %s: %s is an attribute of %s, not an association; a path alternates associations and entities and ends in an attribute", text, parts[i], cur.QualifiedName())
		}
		if mem.Association.Type == ReferenceSet {
			return cp, fmt.Errorf("path %s crosses the ReferenceSet %s, which reaches many objects; a column crosses only single-valued references", text, mem.Name)
		}
		if mem.Association.To == nil {
			return cp, ErrUnresolved
		}
		next := app.Entity(qualify(parts[i+1], m))
		if next == nil || !next.IsA(mem.Association.To) {
			return cp, fmt.Errorf("path %s: after %s comes %s or a specialization of it, not %s", text, mem.Name, mem.Association.To.QualifiedName(), parts[i+1])
		}
		cp.Steps = append(cp.Steps, PathStep{Member: mem, Entity: next})
		cur = next
	}
	last := parts[len(parts)-1]
	mem := cur.Member(last, m)
	if mem == nil {
		return cp, &UnknownMemberError{cur, last}
	}
	if len(cp.Steps) > 0 && mem.Association != nil {
		return cp, fmt.Errorf("path %s ends in the association %s; end it in an attribute of %s", text, mem.Name, cur.QualifiedName())
	}
	cp.Member = mem
	return cp, nil
}

// Entity is the entity whose member the column shows.
func (cp ColumnPath) Entity(start *Entity) *Entity {
	if len(cp.Steps) == 0 {
		return start
	}
	return cp.Steps[len(cp.Steps)-1].Entity
}

func (l *loader) linkList(app *App, p *Page) {
	lp := p.List
	what := "page " + p.QualifiedName()
	if lp.EntityName.Name == "" {
		return
	}
	lp.Entity = l.entityRef(app, lp.EntityName, p.Module)
	e := lp.Entity
	if e == nil {
		return
	}
	if !e.Persistable {
		l.diags.Errorf(lp.EntityName.Pos, CodePageEntity, "%s lists %s, which is not persistable, but list pages show stored objects; make the entity persistable or use a form", what, e.QualifiedName())
	}
	for _, c := range lp.Columns {
		cp, err := ResolveColumn(app, e, c.Name, p.Module)
		var unknown *UnknownMemberError
		switch {
		case errors.As(err, &unknown):
			l.unknownMember(unknown.Entity, NameRef{unknown.Name, c.Pos})
			continue
		case errors.Is(err, ErrUnresolved):
			continue
		case err != nil:
			l.diags.Errorf(c.Pos, CodePageColumn, "%s: column %v", what, err)
			continue
		}
		if a := cp.Member.Attribute; a != nil && (a.Type == TypeBinary || a.Type == TypeHashString) {
			l.diags.Errorf(c.Pos, CodePageColumn, "%s: column %s is a %s attribute, which is never shown; remove the column", what, c.Name, a.Type)
		}
	}
	for _, s := range lp.Search {
		m := e.Member(s.Name, p.Module)
		switch {
		case m == nil:
			l.unknownMember(e, s)
		case m.Attribute == nil || m.Attribute.Type != TypeString:
			l.diags.Errorf(s.Pos, CodePageSearch, "%s: search member %s is not a String attribute, and the search box searches text; remove it from search", what, s.Name)
		}
	}
	for _, k := range lp.Sort {
		m := e.Member(k.Member.Name, p.Module)
		switch {
		case m == nil:
			l.unknownMember(e, k.Member)
		case m.Attribute == nil:
			l.diags.Errorf(k.Member.Pos, CodePageSort, "%s: sort member %s is an association; sort by an attribute", what, k.Member.Name)
		case m.Attribute.Type == TypeBinary || m.Attribute.Type == TypeHashString:
			l.diags.Errorf(k.Member.Pos, CodePageSort, "%s: cannot sort by %s, a %s attribute", what, k.Member.Name, m.Attribute.Type)
		}
	}
	for _, t := range []*PageRef{lp.Open, lp.New} {
		if t == nil {
			continue
		}
		l.pageRef(app, t, p.Module)
		if t.Page == nil {
			continue
		}
		switch f := t.Page.Form; {
		case f == nil:
			l.diags.Errorf(t.Pos, CodePageTarget, "%s opens %s, which is not a form page; open a page with a `form`", what, t.Name)
		case f.Entity != nil && f.Entity != e:
			l.diags.Errorf(t.Pos, CodePageTarget, "%s lists %s but opens %s, a form of %s; open a form of %s", what, e.QualifiedName(), t.Name, f.Entity.QualifiedName(), e.QualifiedName())
		}
	}
}

func (l *loader) linkForm(app *App, p *Page) {
	fp := p.Form
	what := "page " + p.QualifiedName()
	if fp.EntityName.Name != "" {
		fp.Entity = l.entityRef(app, fp.EntityName, p.Module)
	}
	if e := fp.Entity; e != nil {
		for _, f := range fp.Fields {
			m := e.Member(f.Name, p.Module)
			if m == nil {
				l.unknownMember(e, f)
			} else if m.Attribute != nil && m.Attribute.Type == TypeBinary {
				l.diags.Errorf(f.Pos, CodePageColumn, "%s: field %s is a Binary attribute, which forms cannot show yet; remove the field", what, f.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range fp.Actions {
		if !slices.Contains([]string{"save", "cancel", "delete"}, a.Name) {
			l.diags.Errorf(a.Pos, CodePageAction, "%s: unknown action %q; use save, cancel or delete", what, a.Name)
		} else if seen[a.Name] {
			l.diags.Errorf(a.Pos, CodePageAction, "%s: action %s is listed twice; remove one", what, a.Name)
		}
		seen[a.Name] = true
	}
}
