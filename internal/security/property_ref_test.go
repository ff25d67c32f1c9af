package security

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// The reference implementation of security.md ("Entity access", "System
// entities") for TestEngineProperties. It is written from the definitions,
// not from the engine: it reads every object as stored, evaluates rule
// constraints with the reference evaluator (xpath.Eval) in memory, and
// decides rights per object from the model's rules.

// propWorld is every stored object, read with the store (no security), and
// served to xpath.Eval as Data.
type propWorld struct {
	app      *model.App
	objs     map[int64]*store.Object
	ids      []int64 // ascending
	fwd      map[*model.Association]map[int64][]int64
	back     map[*model.Association]map[int64][]int64
	roleIDs  map[string]int64 // user role name -> System.UserRole object
	roleName map[int64]string
}

func propLoadWorld(ctx context.Context, st *store.Store, app *model.App) (*propWorld, error) {
	w := &propWorld{app: app, objs: map[int64]*store.Object{}, roleIDs: map[string]int64{}, roleName: map[int64]string{}}
	err := st.Read(ctx, func(tx *store.Tx) error {
		for _, e := range app.Entities() {
			if e.Generalization != nil || !e.Persistable {
				continue
			}
			t := st.Map.Table(e)
			if t == nil {
				continue
			}
			objs, err := st.Select(ctx, tx, t, "t0", store.Where{}, "", 0, 0)
			if err != nil {
				return err
			}
			for _, o := range objs {
				w.objs[o.ID] = o
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	w.index()
	return w, nil
}

// index computes the lookups from objs.
func (w *propWorld) index() {
	w.ids = w.ids[:0]
	w.fwd = map[*model.Association]map[int64][]int64{}
	w.back = map[*model.Association]map[int64][]int64{}
	for id, o := range w.objs {
		w.ids = append(w.ids, id)
		if o.Entity.QualifiedName() == model.SystemUserRole {
			name, _ := o.Values["Name"].(string)
			w.roleIDs[name], w.roleName[id] = id, name
		}
		for _, m := range o.Entity.Members() {
			if m.Association == nil {
				continue
			}
			targets := propLinkIDs(o.Values[m.Name])
			if len(targets) == 0 {
				continue
			}
			a := m.Association
			if w.fwd[a] == nil {
				w.fwd[a], w.back[a] = map[int64][]int64{}, map[int64][]int64{}
			}
			w.fwd[a][id] = targets
			for _, y := range targets {
				w.back[a][y] = append(w.back[a][y], id)
			}
		}
	}
	slices.Sort(w.ids)
	for _, m := range w.back {
		for y := range m {
			slices.Sort(m[y])
		}
	}
}

// linkIDs is the ids an association value holds.
func propLinkIDs(v any) []int64 {
	switch v := v.(type) {
	case int64:
		if v != 0 {
			return []int64{v}
		}
	case []int64:
		return v
	}
	return nil
}

func (w *propWorld) Type(id int64) *model.Entity { return w.objs[id].Entity }

func (w *propWorld) Attr(id int64, a *model.Attribute) any {
	v := w.objs[id].Values[a.Name]
	if v == nil && a.Type == model.TypeBoolean {
		return false
	}
	return v
}

func (w *propWorld) Linked(id int64, a *model.Association, forward bool) []int64 {
	if forward {
		return w.fwd[a][id]
	}
	return w.back[a][id]
}

// of lists the ids of objects that are an e (e or a specialization).
func (w *propWorld) of(e *model.Entity) []int64 {
	var out []int64
	for _, id := range w.ids {
		if w.objs[id].Entity.IsA(e) {
			out = append(out, id)
		}
	}
	return out
}

// clone copies the world for computing an expected state.
func (w *propWorld) clone() *propWorld {
	c := &propWorld{app: w.app, objs: map[int64]*store.Object{}, roleIDs: w.roleIDs, roleName: w.roleName}
	for id, o := range w.objs {
		vals := map[string]any{}
		for k, v := range o.Values {
			if ids, ok := v.([]int64); ok {
				v = slices.Clone(ids)
			}
			vals[k] = v
		}
		c.objs[id] = &store.Object{ID: id, Entity: o.Entity, Values: vals}
	}
	c.index()
	return c
}

// describe prints an object with its stored values, for reports.
func (w *propWorld) describe(id int64) string {
	o := w.objs[id]
	if o == nil {
		return fmt.Sprintf("#%d (no such object)", id)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s {", id, o.Entity.QualifiedName())
	for i, m := range o.Entity.Members() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", m.Name, propShowVal(o.Values[m.Name]))
	}
	b.WriteString("}")
	for a, m := range w.back {
		if ids := m[id]; len(ids) > 0 {
			fmt.Fprintf(&b, " <-%s%v", a.QualifiedName(), ids)
		}
	}
	return b.String()
}

func propShowVal(v any) string {
	switch v := v.(type) {
	case nil:
		return "empty"
	case *big.Rat:
		return v.RatString()
	case string:
		return strconv.Quote(v)
	case []int64:
		return fmt.Sprint(v)
	}
	return fmt.Sprint(v)
}

// sameVal compares two member values: ReferenceSets as sets (nil = empty),
// decimals exactly.
func propSameVal(a, b any) bool {
	as, aSet := a.([]int64)
	bs, bSet := b.([]int64)
	if aSet || bSet {
		if !aSet && a != nil || !bSet && b != nil {
			return false
		}
		norm := func(ids []int64) []int64 { return slices.Compact(slices.Sorted(slices.Values(ids))) }
		return slices.Equal(norm(as), norm(bs))
	}
	if ar, ok := a.(*big.Rat); ok {
		br, ok := b.(*big.Rat)
		return ok && ar.Cmp(br) == 0
	}
	return a == b
}

// propUser is a user of the generated data and, as a caller, who makes
// requests.
type propUser struct {
	id        int64
	name      string
	entity    *model.Entity
	roles     []*model.UserRole
	anonymous bool
}

func (u *propUser) caller() Caller { return User(u.id, u.roles, u.anonymous) }

func (u *propUser) String() string {
	var names []string
	for _, r := range u.roles {
		names = append(names, r.Name)
	}
	s := fmt.Sprintf("user #%d %q (%s) roles [%s]", u.id, u.name, u.entity.QualifiedName(), strings.Join(names, " "))
	if u.anonymous {
		s += " anonymous"
	}
	return s
}

// propRefRule is one rule of rules(u,E): as written in the model, or built in.
type propRefRule struct {
	name        string
	read, write map[string]bool // member names with ReadOnly/ReadWrite (after what is never readable/writable)
	del, create bool
	shows       bool
	bound       *xpath.Bound                      // the rule's constraint
	cond        func(w *propWorld, id int64) bool // a built-in rule's condition
}

// propPolicy is what the model says about one user: rules(u,E) for every
// entity. It does not depend on the data.
type propPolicy struct {
	app           *model.App
	u             *propUser
	rules         map[*model.Entity][]*propRefRule
	grantable     map[string]bool // user role names the caller may grant
	manageNoRoles bool
}

func propIsUserMember(m *model.Member) bool {
	if m.Attribute != nil {
		return m.Attribute.Entity.QualifiedName() == model.SystemUser
	}
	return m.Association.From.QualifiedName() == model.SystemUser
}

// refNeverReadable: HashString and Binary, and System.User's FailedLogins
// and BlockedSince (security.md: nobody reads them through the API).
func propNeverReadable(m *model.Member) bool {
	if m.Attribute == nil {
		return false
	}
	if m.Attribute.Type == model.TypeHashString || m.Attribute.Type == model.TypeBinary {
		return true
	}
	return propIsUserMember(m) && (m.Name == "FailedLogins" || m.Name == "BlockedSince")
}

// refNeverWritable: system members, AutoNumber, FailedLogins, BlockedSince.
func propNeverWritable(m *model.Member) bool {
	if m.System || m.Attribute != nil && m.Attribute.Type == model.TypeAutoNumber {
		return true
	}
	return m.Attribute != nil && propIsUserMember(m) && (m.Name == "FailedLogins" || m.Name == "BlockedSince")
}

func propNewPolicy(app *model.App, u *propUser) (*propPolicy, error) {
	p := &propPolicy{app: app, u: u, rules: map[*model.Entity][]*propRefRule{}, grantable: map[string]bool{}}
	for _, ur := range u.roles {
		p.manageNoRoles = p.manageNoRoles || ur.ManageUsersWithoutRoles
		for _, g := range ur.ManageableRoles {
			p.grantable[g.Name] = true
		}
		if ur.ManageAll {
			for _, g := range app.Security.UserRoles {
				p.grantable[g.Name] = true
			}
		}
	}
	if an := app.Security.Anonymous; an.Enabled && an.Role != nil {
		delete(p.grantable, an.Role.Name) // anonymous users are never managed
	}
	roles := model.RoleSet(u.roles...)
	user := app.Entity(model.SystemUser)
	for _, e := range app.Entities() {
		var rules []*propRefRule
		switch {
		case e.IsA(app.Entity(model.SystemSession)):
		case e.IsA(app.Entity(model.SystemUserRole)):
			r := &propRefRule{name: "UserRole (built-in)", read: map[string]bool{}, write: map[string]bool{}, shows: true}
			for _, m := range e.Members() {
				r.read[m.Name] = true
			}
			rules = append(rules, r)
		default:
			isUser := e.IsA(user)
			for _, ar := range e.RulesFor(roles) {
				r := &propRefRule{name: fmt.Sprintf("rule %d of %s", ar.Index+1, e.QualifiedName()), read: map[string]bool{}, write: map[string]bool{},
					del: ar.Delete, create: ar.Create && !isUser}
				for _, m := range e.Members() {
					acc := ar.Right(m)
					if isUser && propIsUserMember(m) {
						acc = model.None // System.User's members follow the built-in rules only
					}
					if acc >= model.ReadOnly {
						r.shows = true
						if !propNeverReadable(m) {
							r.read[m.Name] = true
						}
					}
					if acc == model.ReadWrite && !propNeverWritable(m) {
						r.write[m.Name] = true
					}
				}
				r.shows = r.shows || r.del
				if ar.XPath != nil {
					b, err := xpath.ParseAndBind(app, e, ar.XPath.Text)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", r.name, err)
					}
					r.bound = b
				}
				rules = append(rules, r)
			}
			if isUser {
				rules = append(rules, p.userRules(e)...)
			}
		}
		p.rules[e] = rules
	}
	return p, nil
}

// userRules are the built-in rules of security.md "System entities".
func (p *propPolicy) userRules(e *model.Entity) []*propRefRule {
	own := &propRefRule{name: "own user (built-in)", read: map[string]bool{"Name": true, model.SystemUserRoles: true}, write: map[string]bool{}, shows: true,
		cond: func(w *propWorld, id int64) bool { return id == p.u.id }}
	out := []*propRefRule{own}
	if len(p.grantable) == 0 && !p.manageNoRoles {
		return out
	}
	managed := &propRefRule{name: "managed users (built-in)", shows: true, del: true,
		read:  map[string]bool{"Name": true, "Active": true, "Blocked": true, model.SystemUserRoles: true},
		write: map[string]bool{"Name": true, "Active": true, "Blocked": true, model.SystemUserRoles: true, "Password": true},
		cond:  func(w *propWorld, id int64) bool { return p.manages(w, id) }}
	return append(out, managed)
}

// manages: the caller's grantable roles cover every role of user id, which
// is not anonymous; a user without roles only with manageUsersWithoutRoles.
func (p *propPolicy) manages(w *propWorld, id int64) bool {
	o := w.objs[id]
	if o.Values["IsAnonymous"] == true {
		return false
	}
	roles := propLinkIDs(o.Values[model.SystemUserRoles])
	if len(roles) == 0 {
		return p.manageNoRoles
	}
	for _, r := range roles {
		if !p.grantable[w.roleName[r]] {
			return false
		}
	}
	return true
}

// canCreate(u,E).
func (p *propPolicy) canCreate(e *model.Entity) bool {
	return slices.ContainsFunc(p.rules[e], func(r *propRefRule) bool { return r.create })
}

// newWrite: the member rights on a new object, every xpath taken as true.
func (p *propPolicy) newWrite(e *model.Entity, member string) bool {
	return slices.ContainsFunc(p.rules[e], func(r *propRefRule) bool { return r.write[member] })
}

// propView judges objects of one world for one user.
type propView struct {
	p       *propPolicy
	w       *propWorld
	env     *xpath.Env
	applied map[int64][]bool
}

func (p *propPolicy) view(w *propWorld, now time.Time) *propView {
	env := &xpath.Env{Now: now, Location: p.app.TimeZone, CurrentUser: p.u.id, UserRole: func(name string) int64 { return w.roleIDs[name] }}
	return &propView{p: p, w: w, env: env, applied: map[int64][]bool{}}
}

// applies lists applies(r,o) for the rules of o's own entity.
func (v *propView) applies(id int64) []bool {
	if a, ok := v.applied[id]; ok {
		return a
	}
	o := v.w.objs[id]
	if o == nil {
		return nil
	}
	rules := v.p.rules[o.Entity]
	out := make([]bool, len(rules))
	for i, r := range rules {
		switch {
		case r.bound != nil:
			out[i] = xpath.Eval(r.bound, v.w, nil, v.env, id)
		case r.cond != nil:
			out[i] = r.cond(v.w, id)
		default:
			out[i] = true
		}
	}
	v.applied[id] = out
	return out
}

// rulesOn lists the rules that apply to object id.
func (v *propView) rulesOn(id int64) []*propRefRule {
	o := v.w.objs[id]
	if o == nil {
		return nil
	}
	var out []*propRefRule
	for i, ok := range v.applies(id) {
		if ok {
			out = append(out, v.p.rules[o.Entity][i])
		}
	}
	return out
}

// visible(u,o).
func (v *propView) visible(id int64) bool {
	return slices.ContainsFunc(v.rulesOn(id), func(r *propRefRule) bool { return r.shows })
}

// visibleAs: visible and an object of x.
func (v *propView) visibleAs(id int64, x *model.Entity) bool {
	o := v.w.objs[id]
	return o != nil && o.Entity.IsA(x) && v.visible(id)
}

func (v *propView) canRead(id int64, member string) bool {
	return slices.ContainsFunc(v.rulesOn(id), func(r *propRefRule) bool { return r.read[member] })
}

func (v *propView) canWrite(id int64, member string) bool {
	return slices.ContainsFunc(v.rulesOn(id), func(r *propRefRule) bool { return r.write[member] })
}

func (v *propView) canDelete(id int64) bool {
	return slices.ContainsFunc(v.rulesOn(id), func(r *propRefRule) bool { return r.del })
}

// readable and writable list the member names.
func (v *propView) readable(id int64) []string {
	var out []string
	for _, m := range v.w.objs[id].Entity.Members() {
		if v.canRead(id, m.Name) {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (v *propView) writable(id int64) []string {
	var out []string
	for _, m := range v.w.objs[id].Entity.Members() {
		if v.canWrite(id, m.Name) {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

// value is what the user reads of member m of object id: associations
// hold only the ids of visible objects.
func (v *propView) value(id int64, m *model.Member) any {
	val := v.w.objs[id].Values[m.Name]
	if m.Association == nil {
		return val
	}
	switch x := val.(type) {
	case int64:
		if x != 0 && !v.visibleAs(x, m.Association.To) {
			return int64(0)
		}
	case []int64:
		var keep []int64
		for _, y := range x {
			if v.visibleAs(y, m.Association.To) {
				keep = append(keep, y)
			}
		}
		return keep
	}
	return val
}

// Guard for client constraints: visible and canRead.
func (v *propView) Visible(id int64) bool { return v.visible(id) }

func (v *propView) Readable(id int64, m *model.Member) bool { return v.canRead(id, m.Name) }

// names lists the keys of a set, sorted.
func propNames(set map[string]bool) []string {
	var out []string
	for k, ok := range set {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
