package mendix

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/diag"
)

// The files are written in the style of hand-written model files: block
// mappings for structure, flow lists for short lists of names, flow
// mappings for attributes and associations.

// header is the comment at the top of every file.
func (c *converter) header(w *writer, what string) {
	v := ""
	if c.p.ProductVersion != "" {
		v = ", Mendix " + c.p.ProductVersion
	}
	w.comment(0, fmt.Sprintf("%s imported from %s (MPR v%d%s) by `rampart import mendix`.", what, baseName(c.p.Path), c.p.Format, v))
	w.comment(0, "Generated: import the project again rather than edit this file (docs/mendix-import.md).")
}

func baseName(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// roleName is how a document of module m names role r.
func roleName(r *role, m *module) string {
	if r.mod == m {
		return r.name
	}
	return r.qualified()
}

// entityRef is how module m names entity e.
func entityRef(e *entity, m *module) string {
	if e.mod == m {
		return e.name
	}
	return e.qualified()
}

func sortedRoleNames(roles []*role, m *module) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = roleName(r, m)
	}
	sort.Strings(out)
	return out
}

func (c *converter) appFile(file, name string) []byte {
	w := newWriter(file)
	c.header(w, "App settings")
	c.appPos = w.kv(0, "name", scalar(name), "")
	if z := c.settings.timeZone; z != "" {
		if validZone(z) {
			w.kv(0, "timeZone", scalar(z), "")
		} else {
			c.noteAt(&c.appPos, CodePartial, "the project's default time zone %q is not an IANA time zone; it is left out", z)
		}
	}
	w.blank()
	s := &c.sec
	c.secPos = w.key(0, "security")
	if s.found {
		w.kv(2, "level", s.level, "")
		w.kv(2, "checkSecurity", boolText(s.checkSecurity), "")
		w.kv(2, "strictMode", boolText(s.strictMode), "")
	}
	c.hashPos = w.pos(3)
	switch h, ok := hashAlgorithms[c.settings.hash]; {
	case c.settings.hash == "":
	case !ok:
		c.noteAt(&c.secPos, CodePartial, "the password hash algorithm %q is not one Rampart knows; Rampart's default (bcrypt) applies", c.settings.hash)
	case h == "bcrypt" && c.settings.bcryptCost != 0 && c.settings.bcryptCost != 12:
		cost := c.settings.bcryptCost
		if cost >= 4 && cost <= 31 {
			w.kv(2, "hashAlgorithm", fmt.Sprintf("bcrypt:%d", cost), "Mendix BCrypt, cost "+fmt.Sprint(cost))
		} else {
			w.kv(2, "hashAlgorithm", "bcrypt", "")
			c.noteAt(&c.hashPos, CodePartial, "the bcrypt cost %d is out of range; imported as bcrypt (cost 12)", cost)
		}
	default:
		w.kv(2, "hashAlgorithm", h, "Mendix "+c.settings.hash)
	}
	if !s.found {
		w.comment(2, "The project has no security settings: Rampart's defaults apply.")
	} else {
		c.adminPos = w.key(2, "adminUser")
		if s.adminName != "" {
			w.kv(4, "name", scalar(s.adminName), "")
		}
		if s.adminRole != nil {
			w.kv(4, "role", scalar(s.adminRole.name), "")
		} else if s.adminRoleName == "" {
			c.noteAt(&c.adminPos, CodeMissingRef, "the project names no user role for the administrator; Rampart's default (Administrator) applies")
		}
		if s.adminPassword {
			w.kv(4, "password", "${"+AdminPasswordVar+"}", "the project's password is not imported")
		}
		if len(c.userRoles) > 0 {
			w.key(2, "userRoles")
		}
		for _, ur := range c.userRoles {
			ur.pos = w.key(4, ur.name)
			if d := strings.TrimSpace(ur.desc); d != "" {
				w.kv(6, "description", scalar(d), "")
			}
			names := make([]string, len(ur.moduleRoles))
			for i, r := range ur.moduleRoles {
				names[i] = r.qualified()
			}
			w.kv(6, "moduleRoles", flowNames(names), "")
			switch {
			case ur.manageAll:
				w.kv(6, "manageableRoles", "all", "")
			case len(ur.manageable) > 0:
				mn := make([]string, len(ur.manageable))
				for i, r := range ur.manageable {
					mn[i] = r.name
				}
				w.kv(6, "manageableRoles", flowNames(mn), "")
			}
			if ur.manageUsersWithoutRoles {
				w.kv(6, "manageUsersWithoutRoles", "true", "")
			}
			if !ur.checkSecurity {
				w.kv(6, "checkSecurity", "false", "")
			}
		}
		c.anonPos = w.key(2, "anonymous")
		w.kv(4, "enabled", boolText(s.guest), "")
		if s.guestRole != nil {
			w.kv(4, "role", scalar(s.guestRole.name), "")
		}
		w.key(2, "demoUsers")
		w.kv(4, "enabled", boolText(s.demoEnabled), "")
		if len(s.demoUsers) > 0 {
			w.key(4, "users")
		}
		for _, du := range s.demoUsers {
			du.pos = w.item(6, "name", scalar(du.name), "password not imported")
			names := make([]string, len(du.roles))
			for i, r := range du.roles {
				names[i] = r.name
			}
			w.kv(8, "roles", flowNames(names), "")
			if du.entity != nil {
				w.kv(8, "entity", du.entity.qualified(), "")
			}
		}
		if s.hasPolicy {
			w.key(2, "passwordPolicy")
			w.kv(4, "minLength", fmt.Sprint(s.minLength), "")
			if s.minLength > 128 {
				w.kv(4, "maxLength", fmt.Sprint(s.minLength), "at least minLength")
			}
			w.kv(4, "requireDigit", boolText(s.requireDigit), "")
			w.kv(4, "requireMixedCase", boolText(s.requireMixed), "")
			w.kv(4, "requireSymbol", boolText(s.requireSymbol), "")
			w.kv(4, "blockCommon", "false", "Mendix has no such check")
			w.kv(4, "notContainUsername", "false", "Mendix has no such check")
		}
	}
	if c.settings.multipleSet {
		w.key(2, "session")
		w.kv(4, "multiplePerUser", boolText(c.settings.multipleLogins), "")
	}
	n := &c.nav
	if n.found && (n.home != nil || len(n.roleHomes) > 0 || len(n.menu) > 0) {
		w.blank()
		c.navPos = w.key(0, "navigation")
		if n.home != nil {
			w.kv(2, "home", n.home.qualified(), "")
		}
		if len(n.roleHomes) > 0 {
			w.key(2, "roleHomes")
			seen := map[*userRole]bool{}
			for _, h := range n.roleHomes {
				if seen[h.role] {
					continue
				}
				seen[h.role] = true
				w.kv(4, h.role.name, h.page.qualified(), "")
			}
		}
		if len(n.menu) > 0 {
			w.key(2, "menu")
			c.menu(w, 4, n.menu)
		}
	} else {
		c.navPos = c.appPos
	}
	c.skipPos = c.skippedBlock(w, c.skipped, "the project")
	if c.skipPos.Line == 0 {
		c.skipPos = c.appPos
	}
	return w.bytes()
}

func (c *converter) menu(w *writer, indent int, items []*menuItem) {
	for _, it := range items {
		if it.page != nil {
			w.rawItem(indent, flowMap([]kvPair{{"caption", scalar(it.caption)}, {"page", it.page.qualified()}}))
			continue
		}
		w.item(indent, "caption", scalar(it.caption), "")
		w.key(indent+2, "items")
		c.menu(w, indent+4, it.items)
	}
}

// skippedBlock writes what was not converted as a comment and returns its
// position (zero when nothing was skipped).
func (c *converter) skippedBlock(w *writer, skipped map[string][]string, where string) (p0 diag.Pos) {
	kinds := make([]string, 0, len(skipped))
	for k, v := range skipped {
		if len(v) > 0 {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return p0
	}
	sort.Strings(kinds)
	w.blank()
	p0 = w.comment(0, "Not converted from "+where+" (Rampart does not model these yet):")
	for _, k := range kinds {
		w.comment(0, fmt.Sprintf("  %s: %d", k, len(skipped[k])))
	}
	return p0
}

func (c *converter) moduleFile(m *module, file string) []byte {
	w := newWriter(file)
	if m.marketplace {
		c.header(w, fmt.Sprintf("Marketplace module %s %s", m.orig, m.version))
	} else {
		c.header(w, "Module "+m.orig)
	}
	m.pos = w.kv(0, "module", m.name, "")
	if m.marketplace {
		if m.version != "" {
			w.kv(0, "version", scalar(m.version), "")
		}
		desc := "Marketplace module"
		if m.packageID != 0 {
			desc += fmt.Sprintf(" (Mendix Marketplace package %d)", m.packageID)
		}
		w.kv(0, "description", scalar(desc), "")
	}
	if len(m.roles) > 0 {
		w.blank()
		w.key(0, "roles")
		for _, r := range m.roles {
			r.pos = w.kv(2, r.name, scalar(strings.TrimSpace(r.desc)), "")
		}
	}
	if len(m.enums) > 0 {
		w.blank()
		w.key(0, "enumerations")
		for _, e := range m.enums {
			plain := true
			for _, v := range e.values {
				if v.caption != "" && v.caption != v.key {
					plain = false
				}
			}
			if plain {
				keys := make([]string, len(e.values))
				for i, v := range e.values {
					keys[i] = v.key
				}
				e.pos = w.kv(2, e.name, flowNames(keys), "")
				continue
			}
			e.pos = w.key(2, e.name)
			w.key(4, "values")
			for _, v := range e.values {
				w.kv(6, v.key, scalar(v.caption), "")
			}
		}
	}
	if len(m.entities) > 0 {
		w.blank()
		w.key(0, "entities")
		for i, e := range m.entities {
			if i > 0 {
				w.blank()
			}
			c.entityBlock(w, e)
		}
	}
	if len(m.assocs) > 0 {
		w.blank()
		m.assocsPos = w.key(0, "associations")
		for _, a := range m.assocs {
			pairs := []kvPair{{"from", entityRef(a.from, m)}, {"to", entityRef(a.to, m)}}
			if a.typ != "Reference" {
				pairs = append(pairs, kvPair{"type", a.typ})
			}
			if a.onDelete != "keep" {
				pairs = append(pairs, kvPair{"onDelete", a.onDelete})
			}
			a.pos = w.kv(2, a.name, flowMap(pairs), a.trailer)
		}
	} else {
		m.assocsPos = m.pos
	}
	if len(m.pages) > 0 {
		w.blank()
		w.key(0, "pages")
		for _, p := range m.pages {
			p.pos = w.key(2, p.name)
			if p.title != "" {
				w.kv(4, "title", scalar(p.title), "")
			}
			w.kv(4, "allowedRoles", flowNames(sortedRoleNames(p.roles, m)), "")
			if p.url != "" {
				w.kv(4, "url", scalar(p.url), "")
			}
		}
	}
	if len(m.microflows) > 0 {
		w.blank()
		w.key(0, "microflows")
		for _, mf := range m.microflows {
			mf.pos = w.key(2, mf.name)
			w.kv(4, "allowedRoles", flowNames(sortedRoleNames(mf.roles, m)), "")
			if mf.applyEntityAccess {
				w.kv(4, "applyEntityAccess", "true", "")
			}
			if len(mf.params) > 0 {
				pairs := make([]kvPair, len(mf.params))
				for i, p := range mf.params {
					t := p.typ
					if p.ent != nil {
						t = entityRef(p.ent, m)
					}
					pairs[i] = kvPair{p.name, scalar(t)}
				}
				w.kv(4, "parameters", flowMap(pairs), "")
			}
			if mf.url != "" {
				w.kv(4, "url", scalar(mf.url), "")
			}
		}
	}
	m.skipPos = c.skippedBlock(w, m.skipped, "module "+m.orig)
	if m.skipPos.Line == 0 {
		m.skipPos = m.pos
	}
	return w.bytes()
}

func (c *converter) entityBlock(w *writer, e *entity) {
	m := e.mod
	e.pos = w.key(2, e.name)
	if e.gen != nil {
		w.kv(4, "generalization", e.gen.qualified(), "")
	}
	if !e.isPersistable() {
		w.kv(4, "persistable", "false", "")
	}
	var sys []string
	for _, s := range []struct {
		on   bool
		name string
	}{{e.owner, "owner"}, {e.changedBy, "changedBy"}, {e.createdDate, "createdDate"}, {e.changedDate, "changedDate"}} {
		if s.on {
			sys = append(sys, s.name)
		}
	}
	if len(sys) > 0 {
		w.kv(4, "system", flow(sys), "")
	}
	if len(e.attrs) > 0 {
		w.key(4, "attributes")
		for _, a := range e.attrs {
			pairs := []kvPair{{"type", a.typ}}
			if a.typ == "String" {
				pairs = append(pairs, kvPair{"length", fmt.Sprint(a.length)})
			}
			if a.enum != nil {
				pairs = append(pairs, kvPair{"enum", entityRefEnum(a.enum, m)})
			}
			if a.required {
				pairs = append(pairs, kvPair{"required", "true"})
			}
			if a.unique {
				pairs = append(pairs, kvPair{"unique", "true"})
			}
			if a.hasDef {
				v := scalar(a.def)
				if a.typ != "String" && a.typ != "Enumeration" && plainValueRe.MatchString(a.def) {
					v = a.def // a number or boolean, checked by model.CheckValue
				}
				pairs = append(pairs, kvPair{"default", v})
			}
			a.pos = w.kv(6, a.name, flowMap(pairs), "")
		}
	}
	if len(e.indexes) > 0 {
		w.key(4, "indexes")
		for _, ix := range e.indexes {
			names := make([]string, len(ix))
			for i, a := range ix {
				names[i] = a.name
			}
			w.rawItem(6, flowNames(names))
		}
	}
	if len(e.rules) > 0 {
		w.key(4, "access")
	}
	for _, r := range e.rules {
		names := sortedRoleNames(r.roles, m)
		r.pos = w.item(6, "roles", flowNames(names), "")
		if r.caption != "" {
			w.kv(8, "caption", scalar(r.caption), "")
		}
		if r.create {
			w.kv(8, "create", "true", "")
		}
		if r.delete {
			w.kv(8, "delete", "true", "")
		}
		if r.xpath != "" {
			w.kv(8, "xpath", quote(strings.ReplaceAll(r.xpath, "${", "$${")), "")
		}
		if r.defAccess != "None" {
			w.kv(8, "defaultMemberAccess", r.defAccess, "")
		}
		if len(r.members) > 0 {
			w.key(8, "members")
			for _, ma := range r.members {
				w.kv(10, ma.name, ma.access, "")
			}
		}
	}
}

// plainValueRe matches numbers and booleans, written plain.
var plainValueRe = regexp.MustCompile(`^(true|false|-?[0-9]+(\.[0-9]+)?)$`)

func entityRefEnum(e *enum, m *module) string {
	if e.mod == m {
		return e.name
	}
	return e.mod.name + "." + e.name
}
