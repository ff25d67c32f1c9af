package security

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/xpath"
)

// roleSet is the compiled security of one combination of user roles.
type roleSet struct {
	e         *Engine
	userRoles []*model.UserRole
	entities  map[*model.Entity]*entityRules
	// User management: the user roles the caller may grant, and whether
	// users without roles are managed.
	grantable     map[*model.UserRole]bool
	grantIDs      []int64
	manageNoRoles bool
	pages         map[*model.Page]bool

	plansMu        sync.Mutex
	plans          map[string]*readPlan // by listKey or "get:" and entity
	memberMapCache sync.Map             // memberMapKey -> [2]map[string]bool
}

// entityRules are the rules of one entity for one role set: rules(u,E).
type entityRules struct {
	entity  *model.Entity
	members []*model.Member
	index   map[string]int
	rules   []*rule
	create  bool
	// newRead/newWrite: rights on a new object (every xpath taken as true).
	newRead, newWrite bits
	open              bool // security level off: no limits at all
}

// rule is one compiled access rule (or a built-in one).
type rule struct {
	name        string
	bound       *xpath.Bound                   // the rule's xpath, or nil
	builtin     func(alias string) *xpath.Frag // a built-in rule's condition, or nil
	read, write bits
	del, shows  bool
	createFlag  bool
	// source is the model rule; nil for built-in and level-wide rules,
	// which may describe their condition in xpathText.
	source    *model.AccessRule
	xpathText string
	// conjuncts are the terms of the rule's xpath in canonical form, and
	// implies the other rules of the entity whose conjuncts are among
	// them: whenever this rule applies, those do too.
	conjuncts []string
	implies   []*rule
	// self is the built-in rule that shows users their own object.
	self bool

	mu   sync.Mutex
	frag map[string]*xpath.Frag // compiled condition per row alias
	id   int
}

// always reports a rule without a condition.
func (r *rule) always() bool { return r.bound == nil && r.builtin == nil }

// neverReadable members are withheld from every API (security.md).
func neverReadable(m *model.Member) bool {
	if m.Attribute == nil {
		return false
	}
	if m.Attribute.Type == model.TypeHashString || m.Attribute.Type == model.TypeBinary {
		return true
	}
	d := m.Attribute.Entity
	return d != nil && d.Module.System && d.Name == "User" && (m.Name == "FailedLogins" || m.Name == "BlockedSince")
}

// neverWritable members are set by the server only.
func neverWritable(m *model.Member) bool {
	if !m.Writable() {
		return true
	}
	d := declaredOn(m)
	return d != nil && d.Module.System && d.Name == "User" && (m.Name == "FailedLogins" || m.Name == "BlockedSince" || m.Name == "LastLogin" || m.Name == "IsAnonymous" || m.Name == "WebServiceUser")
}

func declaredOn(m *model.Member) *model.Entity {
	if m.Attribute != nil {
		return m.Attribute.Entity
	}
	return m.Association.From
}

// compile builds the rule set of some user roles. e.mu is held.
func (e *Engine) compile(userRoles []*model.UserRole) *roleSet {
	rs := &roleSet{e: e, userRoles: userRoles, entities: map[*model.Entity]*entityRules{}, grantable: map[*model.UserRole]bool{}, plans: map[string]*readPlan{}}
	for _, ur := range userRoles {
		for _, g := range ur.ManageableRoles {
			rs.grantable[g] = true
		}
		rs.manageNoRoles = rs.manageNoRoles || ur.ManageUsersWithoutRoles
	}
	if an := e.app.Security.Anonymous.Role; an != nil {
		delete(rs.grantable, an) // anonymous users are never managed
	}
	for _, r := range e.app.Security.UserRoles {
		if rs.grantable[r] {
			rs.grantIDs = append(rs.grantIDs, e.roleIDs[r.Name])
		}
	}
	roles := model.RoleSet(userRoles...)
	rs.pages = map[*model.Page]bool{}
	for _, p := range e.app.Pages() {
		rs.pages[p] = p.CanOpen(roles)
	}
	id := 0
	for _, ent := range e.app.Entities() {
		er := &entityRules{entity: ent, members: ent.Members(), index: map[string]int{}}
		for i, m := range er.members {
			er.index[m.Name] = i
		}
		er.newRead, er.newWrite = newBits(len(er.members)), newBits(len(er.members))
		rs.entities[ent] = er
		for _, r := range rs.rulesOf(ent, roles) {
			r.id = id
			id++
			er.rules = append(er.rules, r)
			er.newRead.or(r.read)
			er.newWrite.or(r.write)
			er.create = er.create || r.createFlag
		}
		for _, r := range er.rules {
			for _, o := range er.rules {
				if o != r && o.conjuncts != nil && r.conjuncts != nil && subset(o.conjuncts, r.conjuncts) {
					r.implies = append(r.implies, o)
				}
			}
		}
		if e.level == model.LevelOff {
			er.open = true
		}
	}
	return rs
}

// rulesOf lists the compiled rules of entity ent for module roles.
func (rs *roleSet) rulesOf(ent *model.Entity, roles map[*model.ModuleRole]bool) []*rule {
	e := rs.e
	user, userRole := e.app.Entity(model.SystemUser), e.app.Entity(model.SystemUserRole)
	members := ent.Members()
	isUser := ent.IsA(user)
	// mask keeps the members a rule of this entity may grant: on users,
	// members of System.User follow only the built-in rules.
	mask := func(m *model.Member) bool { return !isUser || declaredOn(m) != user }
	var out []*rule
	switch {
	case ent.IsA(e.app.Entity(model.SystemSession)):
		return nil // never reachable through the object API
	case ent.IsA(userRole):
		r := rs.newRule("System.UserRole (built-in)", members, func(m *model.Member) model.Access { return model.ReadOnly })
		out = append(out, r)
	case e.level == model.LevelPrototype && !ent.Module.System || e.level == model.LevelOff:
		r := rs.newRule("all data (security level "+string(e.level)+")", members, func(m *model.Member) model.Access {
			if !mask(m) && e.level != model.LevelOff {
				return model.None
			}
			return model.ReadWrite
		})
		r.del, r.createFlag, r.shows = true, !isUser, true
		out = append(out, r)
	case e.level == model.LevelProduction:
		for _, ar := range ent.Access {
			if !ar.HasRole(roles) {
				continue
			}
			name := ar.Caption
			if name == "" {
				name = fmt.Sprintf("rule %d of %s", ar.Index+1, ent.QualifiedName())
			}
			r := rs.newRule(name, members, func(m *model.Member) model.Access {
				if !mask(m) {
					return model.None
				}
				return ar.Right(m)
			})
			r.source = ar
			r.del, r.createFlag = ar.Delete, ar.Create && !isUser
			r.shows = r.shows || r.del
			if ar.XPath != nil {
				b, err := xpath.ParseAndBind(e.app, ent, ar.XPath.Text)
				if err != nil {
					// A model with constraint errors does not start; be safe
					// anyway: a rule that cannot be evaluated grants nothing.
					continue
				}
				r.bound = b
				if c, err := xpath.Parse(ar.XPath.Text); err == nil {
					r.conjuncts = c.Conjuncts()
				}
			}
			out = append(out, r)
		}
	}
	if isUser && e.level != model.LevelOff {
		out = append(out, rs.userRules(members)...)
	}
	return out
}

// newRule makes a rule with the rights right(m) gives each member.
func (rs *roleSet) newRule(name string, members []*model.Member, right func(*model.Member) model.Access) *rule {
	r := &rule{name: name, read: newBits(len(members)), write: newBits(len(members)), frag: map[string]*xpath.Frag{}}
	for i, m := range members {
		acc := right(m)
		if acc >= model.ReadOnly {
			r.shows = true
			if !neverReadable(m) {
				r.read.set(i)
			}
		}
		if acc == model.ReadWrite && !neverWritable(m) {
			r.write.set(i)
		}
	}
	return r
}

// userRules are the built-in rules on System.User and its specializations.
func (rs *roleSet) userRules(members []*model.Member) []*rule {
	in := func(names ...string) func(*model.Member) bool {
		return func(m *model.Member) bool {
			d := declaredOn(m)
			if d == nil || !d.Module.System || d.Name != "User" {
				return false
			}
			for _, n := range names {
				if m.Name == n {
					return true
				}
			}
			return false
		}
	}
	own := rs.newRule("own user (built-in)", members, func(m *model.Member) model.Access {
		if in("Name", model.SystemUserRoles)(m) {
			return model.ReadOnly
		}
		return model.None
	})
	own.xpathText = "[id = '[%CurrentUser%]']"
	own.self = true
	// A model rule with the same xpath (common on the user entity of an
	// app) makes this one redundant in the retrieve filter.
	own.conjuncts = []string{"id = '[%CurrentUser%]'"}
	own.builtin = func(alias string) *xpath.Frag {
		return xpath.NewFrag(alias+"."+schema.Quote(schema.IDColumn)+" = ", xpath.Arg{Token: currentUser})
	}
	out := []*rule{own}
	if len(rs.grantIDs) == 0 && !rs.manageNoRoles {
		return out
	}
	managed := rs.newRule("managed users (built-in)", members, func(m *model.Member) model.Access {
		switch {
		case in("Name", "Active", "Blocked", model.SystemUserRoles)(m):
			return model.ReadWrite
		case in("Password")(m):
			return model.ReadWrite // writable; HashString is never read
		}
		return model.None
	})
	managed.del = true
	managed.builtin = rs.managedCondition
	return append(out, managed)
}

// managedCondition: not anonymous, and every user role of the user is one
// the caller may grant (a user without roles only with
// manageUsersWithoutRoles).
func (rs *roleSet) managedCondition(alias string) *xpath.Frag {
	st := rs.e.st
	userRoles := rs.e.app.Association(model.SystemUserRoles)
	j := schema.Quote(st.Map.Join(userRoles).Name)
	id := alias + "." + schema.Quote(schema.IDColumn)
	from := schema.Quote(schema.FromColumn)
	to := schema.Quote(schema.ToColumn)
	anon := st.Map.AttrColumn(rs.e.app.Entity(model.SystemUser).Member("IsAnonymous", nil).Attribute)
	f := xpath.NewFrag("(", alias+"."+schema.Quote(anon.Name)+" = ", xpath.Arg{Value: st.Dialect.BoolArg(false)}, " AND NOT EXISTS (SELECT 1 FROM "+j+" mj WHERE mj."+from+" = "+id)
	if len(rs.grantIDs) > 0 {
		f = xpath.NewFrag(f, " AND mj."+to+" NOT IN (")
		for i, g := range rs.grantIDs {
			if i > 0 {
				f = xpath.NewFrag(f, ", ")
			}
			f = xpath.NewFrag(f, xpath.Arg{Value: g})
		}
		f = xpath.NewFrag(f, ")")
	}
	f = xpath.NewFrag(f, ")")
	if !rs.manageNoRoles {
		f = xpath.NewFrag(f, " AND EXISTS (SELECT 1 FROM "+j+" mk WHERE mk."+from+" = "+id+")")
	}
	return xpath.NewFrag(f, ")")
}

// currentUser is the [%CurrentUser%] token of the built-in rules.
var currentUser = &xpath.TokenLit{Token: "CurrentUser"}

// subset reports whether every string of a is in b.
func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// redundant reports whether r adds nothing to a disjunction of the rules
// that pass keep: another of them holds whenever r holds (of two rules with
// the same conjuncts, the first is kept).
func (r *rule) redundant(keep func(*rule) bool) bool {
	for _, o := range r.implies {
		if keep(o) && (o.id < r.id || !slices.Contains(o.implies, r)) {
			return true
		}
	}
	return false
}

// cond is the rule's condition on the row alias, nil when it always holds.
func (r *rule) cond(e *Engine, alias string) (*xpath.Frag, error) {
	if r.always() {
		return nil, nil
	}
	if r.builtin != nil {
		return r.builtin(alias), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.frag[alias]; ok {
		return f, nil
	}
	c := &xpath.Compiler{Map: e.st.Map, Dialect: e.st.Dialect, TimeZone: e.app.TimeZoneID, AliasPrefix: "r" + strconv.Itoa(r.id) + alias + "_"}
	f, err := c.Where(r.bound, alias)
	if err != nil {
		return nil, err
	}
	r.frag[alias] = f
	return f, nil
}
