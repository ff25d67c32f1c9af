package security

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// Result is an object as a caller may see it: only readable members, and
// associations holding only ids of objects the caller may see.
type Result struct {
	ID       int64
	Entity   *model.Entity
	Values   Values
	Readable map[string]bool
	Writable map[string]bool
	// CanDelete: some rule that applies to the object allows deleting it
	// (security.md's canDelete). Users are deleted only through the user
	// API: Delete refuses them even where this is true.
	CanDelete bool
}

// SortKey orders a list by an attribute (or "id").
type SortKey struct {
	Member string
	Desc   bool
}

// ListOptions select and order a list.
type ListOptions struct {
	// XPath is a client constraint: guarded (security.md).
	XPath string
	// Search is a client search: contains on each member, ORed (guarded).
	Search        string
	SearchMembers []string
	// Sort is a client sort (guarded); when empty, PageSort applies.
	Sort []SortKey
	// PageXPath and PageSort come from the model: evaluated on all data.
	PageXPath *xpath.Bound
	PageSort  []SortKey
	Offset    int
	Limit     int // 0: no limit
	Count     bool
	// IDs, when not nil, limits the list to these objects.
	IDs []int64
}

// row is an object with the rights the caller has on it.
type row struct {
	id   int64
	er   *entityRules // of the object's own entity
	vals []any        // by position in er.members
	obj  *store.Object
	rights
	// hidden marks References whose target the caller may not see;
	// visibleSets holds the visible part of reference sets (absent when
	// the caller sees every object of the target).
	hidden      map[*model.Association]bool
	visibleSets map[*model.Association][]int64
}

// object is the row as the store's writes take it.
func (r *row) object() *store.Object {
	if r.obj == nil {
		r.obj = &store.Object{ID: r.id, Entity: r.er.entity, Values: make(map[string]any, len(r.vals))}
		for i, m := range r.er.members {
			r.obj.Values[m.Name] = r.vals[i]
		}
	}
	return r.obj
}

// types lists x and its specializations that have a table.
func (e *Engine) types(x *model.Entity) []*model.Entity {
	out := []*model.Entity{x}
	out = append(out, x.AllSpecializations()...)
	return out
}

// orFrags and andFrags combine conditions, simplifying constants.
func (e *Engine) orFrags(fs []*xpath.Frag) *xpath.Frag {
	d := e.st.Dialect
	var keep []*xpath.Frag
	for _, f := range fs {
		if f == nil || f.IsConst(true) {
			return xpath.ConstFrag(true, d)
		}
		if !f.IsConst(false) {
			keep = append(keep, f)
		}
	}
	return e.join(keep, " OR ", xpath.ConstFrag(false, d))
}

func (e *Engine) andFrags(fs ...*xpath.Frag) *xpath.Frag {
	d := e.st.Dialect
	var keep []*xpath.Frag
	for _, f := range fs {
		if f == nil || f.IsConst(true) {
			continue
		}
		if f.IsConst(false) {
			return xpath.ConstFrag(false, d)
		}
		keep = append(keep, f)
	}
	return e.join(keep, " AND ", xpath.ConstFrag(true, d))
}

func (e *Engine) join(fs []*xpath.Frag, op string, empty *xpath.Frag) *xpath.Frag {
	switch len(fs) {
	case 0:
		return empty
	case 1:
		return fs[0]
	}
	out := xpath.NewFrag("(", fs[0])
	for _, f := range fs[1:] {
		out = xpath.NewFrag(out, op, f)
	}
	return xpath.NewFrag(out, ")")
}

// byType builds a condition that depends on the object's own entity: for
// each type y of x, cond(y), guarded by the `_type` column when x has more
// than one type.
func (e *Engine) byType(x *model.Entity, alias string, cond func(y *model.Entity) (*xpath.Frag, error)) (*xpath.Frag, error) {
	types := e.types(x)
	if len(types) == 1 {
		return cond(x)
	}
	var parts []*xpath.Frag
	for _, y := range types {
		c, err := cond(y)
		if err != nil {
			return nil, err
		}
		if c.IsConst(false) {
			continue
		}
		parts = append(parts, e.andFrags(xpath.NewFrag(alias+"."+schema.Quote(schema.TypeColumn)+" = ", xpath.Arg{Value: y.QualifiedName()}), c))
	}
	return e.orFrags(parts), nil
}

// anyRule is the OR of the conditions of the rules of y that pass keep.
func (rs *roleSet) anyRule(y *model.Entity, alias string, keep func(*rule) bool) (*xpath.Frag, error) {
	er := rs.entities[y]
	if er == nil {
		return xpath.ConstFrag(false, rs.e.st.Dialect), nil
	}
	if er.open {
		return xpath.ConstFrag(true, rs.e.st.Dialect), nil
	}
	var fs []*xpath.Frag
	for _, r := range er.rules {
		if !keep(r) || r.redundant(keep) {
			continue
		}
		c, err := r.cond(rs.e, alias)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return xpath.ConstFrag(true, rs.e.st.Dialect), nil
		}
		fs = append(fs, c)
	}
	return rs.e.orFrags(fs), nil
}

// Visible is the retrieve filter: the object at alias, declared as x, is
// visible to the caller.
func (rs *roleSet) Visible(x *model.Entity, alias string) *xpath.Frag {
	f, err := rs.e.byType(x, alias, func(y *model.Entity) (*xpath.Frag, error) {
		return rs.anyRule(y, alias, func(r *rule) bool { return r.shows })
	})
	if err != nil {
		panic(guardError{err})
	}
	return f
}

// Readable is "the caller may read member m of the object at alias".
func (rs *roleSet) Readable(x *model.Entity, m *model.Member, alias string) *xpath.Frag {
	f, err := rs.e.byType(x, alias, func(y *model.Entity) (*xpath.Frag, error) {
		i, ok := rs.entities[y].index[m.Name]
		if !ok {
			return xpath.ConstFrag(false, rs.e.st.Dialect), nil
		}
		if neverReadable(m) {
			return xpath.ConstFrag(false, rs.e.st.Dialect), nil
		}
		return rs.anyRule(y, alias, func(r *rule) bool { return r.read.has(i) })
	})
	if err != nil {
		panic(guardError{err})
	}
	return f
}

// guardError carries a compile error out of the SQLGuard methods, which
// cannot return one.
type guardError struct{ err error }

// guardedWhere compiles a client constraint for x in guarded form.
func (rs *roleSet) guardedWhere(b *xpath.Bound, alias string) (f *xpath.Frag, err error) {
	defer func() {
		if r := recover(); r != nil {
			ge, ok := r.(guardError)
			if !ok {
				panic(r)
			}
			f, err = nil, ge.err
		}
	}()
	c := &xpath.Compiler{Map: rs.e.st.Map, Dialect: rs.e.st.Dialect, TimeZone: rs.e.app.TimeZoneID, Guard: rs, AliasPrefix: "c"}
	return c.Where(b, alias)
}

// bindClient parses and binds a client constraint, as a 400 on failure.
func (e *Engine) bindClient(x *model.Entity, text string) (*xpath.Bound, error) {
	b, err := xpath.ParseAndBind(e.app, x, text)
	if err != nil {
		var xe *xpath.Error
		if errors.As(err, &xe) {
			return nil, badRequest("xpath: %s (constraint column %d)", xe.Msg, xe.Col)
		}
		return nil, badRequest("xpath: %v", err)
	}
	return b, nil
}

// sortable resolves a sort key on x.
func (e *Engine) sortable(x *model.Entity, k SortKey) (*model.Member, error) {
	if k.Member == "id" {
		return nil, nil
	}
	m := x.Member(k.Member, nil)
	switch {
	case m == nil:
		return nil, badRequest("sort: entity %s has no attribute %s", x.QualifiedName(), k.Member)
	case m.Attribute == nil:
		return nil, badRequest("sort: %s is an association; sort by an attribute", k.Member)
	case m.Attribute.Type == model.TypeHashString || m.Attribute.Type == model.TypeBinary:
		return nil, badRequest("sort: %s cannot be sorted on", k.Member)
	}
	return m, nil
}

// orderBy builds ORDER BY: folded Strings, enumeration keys case-folded,
// empty first ascending and last descending, ties by ascending id. A
// guarded key sorts as empty where the caller cannot read it.
func (rs *roleSet) orderBy(x *model.Entity, keys []SortKey, guarded bool, alias string) (*xpath.Frag, error) {
	e := rs.e
	out := xpath.NewFrag()
	for _, k := range keys {
		m, err := e.sortable(x, k)
		if err != nil {
			return nil, err
		}
		dir := " ASC NULLS FIRST"
		if k.Desc {
			dir = " DESC NULLS LAST"
		}
		if m == nil {
			out = xpath.NewFrag(out, alias+"."+schema.Quote(schema.IDColumn)+strings.Replace(dir, " NULLS FIRST", "", 1)+", ")
			continue
		}
		a := m.Attribute
		col := alias + "." + schema.Quote(e.st.Map.AttrColumn(a).Name)
		switch {
		case a.Type == model.TypeString:
			col = alias + "." + schema.Quote(e.st.Map.FoldColumn(a).Name)
		case a.Type == model.TypeEnumeration:
			// Keys are ASCII names: lower() folds them exactly.
			col = "lower(" + col + ")"
			if e.st.Dialect == schema.Postgres {
				col += ` COLLATE "C"`
			}
		}
		expr := xpath.NewFrag(col)
		if guarded {
			expr = xpath.NewFrag("CASE WHEN ", rs.Readable(x, m, alias), " THEN "+col+" END")
		}
		out = xpath.NewFrag(out, expr, dir+", ")
	}
	return xpath.NewFrag(out, alias+"."+schema.Quote(schema.IDColumn)+" ASC"), nil
}

// readPlan is the statement that reads objects of one entity for one role
// set and one shape of request, and what its columns mean. A plan is built
// once per shape and kept: a request only renders it with its own values,
// the tokens ([%CurrentUser%], dates) and the parameters (the id of a get,
// the limit and offset of a list).
type readPlan struct {
	t     *schema.Table
	scan  store.Scanner
	q     statement // the rows
	count statement // the number of rows, without limit (lists)
	width int       // member columns (SelectColumns) at the start of a row
	// literalLimit: LIMIT and OFFSET are appended to the text per request
	// rather than bound as parameters 1 and 2.
	literalLimit bool
	// One flag per rule whose condition the row must be tested for,
	// after the member columns; then the link columns.
	flags []ruleFlag
	links []linkCol
	// linkPos gives, per type, the member position of each link column's
	// association (-1 where the type has no such member).
	linkPos map[*model.Entity][]int
	// base are the rights of every row of a type: rules without a
	// condition, and rules that hold wherever the object is visible.
	base map[*model.Entity]*rights
}

type ruleFlag struct {
	y *model.Entity
	r *rule
}

// rights are what some rules grant on one object.
type rights struct {
	read, write bits
	del         bool
}

func newRights(n int) rights {
	w := (n + 63) / 64
	b := make(bits, 2*w) // one allocation for both
	return rights{read: b[:w:w], write: b[w:]}
}

func (g *rights) grant(r *rule) {
	g.read.or(r.read)
	g.write.or(r.write)
	g.del = g.del || r.del
}

func (g *rights) grantAll(o rights) {
	g.read.or(o.read)
	g.write.or(o.write)
	g.del = g.del || o.del
}

// isSet reads a flag column: 1 when the condition held.
func isSet(v any) bool {
	switch v := v.(type) {
	case int64:
		return v != 0
	case int32:
		return v != 0
	case bool:
		return v
	}
	return false
}

// maxPlans bounds the plans kept per role set: client constraints can
// make shapes without end. When it is reached the plans are dropped and
// built again as requests come.
const maxPlans = 512

// plan returns the plan kept under key, building and keeping it on first
// use; an empty key is built and not kept.
func (rs *roleSet) plan(key string, build func() (*readPlan, error)) (*readPlan, error) {
	if key != "" {
		rs.plansMu.Lock()
		p := rs.plans[key]
		rs.plansMu.Unlock()
		if p != nil {
			return p, nil
		}
	}
	p, err := build()
	if err != nil || key == "" {
		return p, err
	}
	rs.plansMu.Lock()
	defer rs.plansMu.Unlock()
	if len(rs.plans) >= maxPlans {
		clear(rs.plans)
	}
	rs.plans[key] = p
	return p, nil
}

// newPlan builds the statement that selects the rows of x matching where,
// which must include rs.Visible(x, "t0"), in order; limited adds LIMIT
// and OFFSET (given to query as parameters 1 and 2). Besides the members, each row carries
// a flag per rule that may or may not apply to it (the row's rights follow
// from them) and the link columns.
func (rq *request) newPlan(x *model.Entity, where, order *xpath.Frag, limited bool) (*readPlan, error) {
	e, rs := rq.e, rq.rs
	t := e.st.Map.Table(x)
	const alias = "t0"
	columns := e.st.SelectColumns(t, alias)
	p := &readPlan{t: t, scan: e.st.Scanner(t), width: len(columns), base: map[*model.Entity]*rights{}}
	sel := xpath.NewFrag(strings.Join(columns, ", "))
	for _, y := range e.types(x) {
		er := rs.entities[y]
		if er == nil {
			continue
		}
		base := newRights(len(er.members))
		p.base[y] = &base
		if er.open {
			for i, m := range er.members {
				if !neverReadable(m) {
					base.read.set(i)
				}
				if !neverWritable(m) {
					base.write.set(i)
				}
			}
			base.del = true
			continue
		}
		holds := rs.holdWhereVisible(y)
		for _, r := range er.rules {
			if r.always() || holds[r] {
				base.grant(r)
				continue
			}
			c, err := r.cond(e, alias)
			if err != nil {
				return nil, err
			}
			sel = xpath.NewFrag(sel, ", CASE WHEN ", c, " THEN 1 ELSE 0 END")
			p.flags = append(p.flags, ruleFlag{y, r})
		}
	}
	p.links, sel = rq.linkColumns(x, alias, sel)
	p.linkPos = map[*model.Entity][]int{}
	for _, y := range e.types(x) {
		if er := rs.entities[y]; er != nil {
			pos := make([]int, len(p.links))
			for k, l := range p.links {
				pos[k] = -1
				if i, ok := er.index[l.name]; ok {
					pos[k] = i
				}
			}
			p.linkPos[y] = pos
		}
	}
	from := " FROM " + schema.Quote(t.Name) + " " + alias + " WHERE "
	q := xpath.NewFrag("SELECT ", sel, from, where, " ORDER BY ", order)
	if limited && e.st.Dialect == schema.SQLite {
		q = xpath.NewFrag(q, " LIMIT ", xpath.Arg{Param: 1}, " OFFSET ", xpath.Arg{Param: 2})
	}
	// PostgreSQL plans a statement whose LIMIT is a parameter as if it
	// read a tenth of the table, and then keeps planning it afresh on
	// every run: there the numbers are written into the text (page).
	p.literalLimit = limited && e.st.Dialect != schema.SQLite
	p.q = e.statement(q)
	p.count = e.statement(xpath.NewFrag("SELECT COUNT(*)"+from, where))
	return p, nil
}

// statement is a query kept for many requests: rendered once, in the
// store's dialect, unless its text depends on the request.
type statement struct {
	frag  *xpath.Frag
	text  string
	args  []xpath.Arg
	fixed bool
}

func (e *Engine) statement(f *xpath.Frag) statement {
	text, args, fixed := f.Template()
	return statement{frag: f, text: e.st.Dialect.Rebind(text), args: args, fixed: fixed}
}

// render gives the statement's SQL and arguments for one request.
func (s statement) render(env *xpath.Env, params ...any) (string, []any, error) {
	if !s.fixed {
		return s.frag.SQL(env, params...)
	}
	args, err := xpath.BindArgs(env, s.args, params...)
	return s.text, args, err
}

// holdWhereVisible lists the rules of y that hold on every object of y
// the caller sees: when one rule alone decides visibility, that rule and
// the rules it implies. Their flags need not be selected.
func (rs *roleSet) holdWhereVisible(y *model.Entity) map[*rule]bool {
	shows := func(r *rule) bool { return r.shows }
	var deciding []*rule
	for _, r := range rs.entities[y].rules {
		if r.shows && !r.redundant(shows) {
			deciding = append(deciding, r)
		}
	}
	if len(deciding) != 1 {
		return nil
	}
	holds := map[*rule]bool{deciding[0]: true}
	for _, o := range deciding[0].implies {
		holds[o] = true
	}
	return holds
}

// query runs a plan and reads each row with the caller's rights on it.
// The parameters are the id of a get, or the limit and offset of a list.
func (rq *request) query(tx *store.Tx, p *readPlan, params ...any) ([]*row, error) {
	rs := rq.rs
	sql, args, err := p.q.render(rq.env, params...)
	if err != nil {
		return nil, err
	}
	if p.literalLimit {
		sql += fmt.Sprintf(" LIMIT %d OFFSET %d", params[0], params[1])
	}
	rows, err := tx.Query(rq.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// One set of scan targets serves every row: Row copies the values out.
	cells := make([]any, p.width+len(p.flags)+len(p.links))
	dst := make([]any, len(cells))
	for i := range cells {
		dst[i] = &cells[i]
	}
	flags, links := cells[p.width:p.width+len(p.flags)], cells[p.width+len(p.flags):]
	var out []*row
	for rows.Next() {
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		id, ent, vals, err := p.scan.Row(dst[:p.width])
		if err != nil {
			return nil, err
		}
		base, er := p.base[ent], rs.entities[ent]
		if base == nil || er == nil {
			return nil, fmt.Errorf("security: no rules for %s", ent.QualifiedName())
		}
		r := &row{id: id, er: er, vals: vals, rights: newRights(len(er.members))}
		r.grantAll(*base)
		for i, f := range p.flags {
			if f.y == ent && isSet(flags[i]) {
				r.grant(f.r)
			}
		}
		if err := r.setLinks(p.links, p.linkPos[ent], links); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// linkKind says what a link column of the list query holds.
type linkKind uint8

const (
	refVisible linkKind = iota // 1 when the referenced object is visible
	setAll                     // every id of a reference set
	setVisible                 // the ids of a reference set that are visible
)

type linkCol struct {
	a    *model.Association
	name string // a's qualified name, the member's name
	kind linkKind
}

// linkColumns adds to the list query what the caller may see of the
// associations of x's objects, so that a list is one statement: whether
// each Reference's target is visible (nothing when the caller sees every
// object of the target entity), and each reference set's ids, all of them
// (writes keep the invisible ones) and the visible ones.
func (rq *request) linkColumns(x *model.Entity, alias string, sel *xpath.Frag) ([]linkCol, *xpath.Frag) {
	e, rs := rq.e, rq.rs
	var links []linkCol
	seen := map[*model.Association]bool{}
	id := alias + "." + schema.Quote(schema.IDColumn)
	for _, y := range e.types(x) {
		for _, m := range y.Members() {
			a := m.Association
			if a == nil || seen[a] || a.To == nil || e.st.Map.Table(a.To) == nil {
				continue
			}
			seen[a] = true
			va := "l" + strconv.Itoa(len(links))
			target := schema.Quote(e.st.Map.Table(a.To).Name) + " " + va
			vis := rs.Visible(a.To, va)
			if a.Type == model.Reference {
				if vis.IsConst(true) {
					continue // stored references always name existing objects
				}
				if rs.refersToCaller(x, a) {
					continue // the caller's own user object
				}
				ref := alias + "." + schema.Quote(e.st.Map.RefColumn(a).Name)
				sel = xpath.NewFrag(sel, ", CASE WHEN "+ref+" IS NULL THEN 0")
				if rs.seesSelf(a.To) {
					// The common owner column: no lookup for the caller's own user.
					sel = xpath.NewFrag(sel, " WHEN "+ref+" = ", xpath.Arg{Token: currentUser}, " THEN 1")
				}
				// A scalar subquery rather than EXISTS: PostgreSQL would turn
				// EXISTS into a hash of every visible object of the target.
				sel = xpath.NewFrag(sel, " WHEN (SELECT 1 FROM "+target+" WHERE "+va+"."+schema.Quote(schema.IDColumn)+" = "+ref+" AND ", vis, ") IS NOT NULL THEN 1 ELSE 0 END")
				links = append(links, linkCol{a, a.QualifiedName(), refVisible})
				continue
			}
			j := e.st.Map.Join(a)
			if j == nil {
				continue
			}
			ja := va + "j"
			to := ja + "." + schema.Quote(schema.ToColumn)
			from := " FROM " + schema.Quote(j.Name) + " " + ja + " WHERE " + ja + "." + schema.Quote(schema.FromColumn) + " = " + id
			sel = xpath.NewFrag(sel, ", (SELECT "+e.st.Dialect.AggregateIDs(to)+from+")")
			links = append(links, linkCol{a, a.QualifiedName(), setAll})
			if !vis.IsConst(true) {
				sel = xpath.NewFrag(sel, ", (SELECT "+e.st.Dialect.AggregateIDs(to)+from+" AND (SELECT 1 FROM "+target+" WHERE "+va+"."+schema.Quote(schema.IDColumn)+" = "+to+" AND ", vis, ") IS NOT NULL)")
				links = append(links, linkCol{a, a.QualifiedName(), setVisible})
			}
		}
	}
	return links, sel
}

// refersToCaller reports whether Reference a of every object of x the
// caller sees names the caller's own user object, which the caller sees:
// a rule that alone decides visibility says so, as the usual owner rule
// [System.owner = '[%CurrentUser%]'] does.
func (rs *roleSet) refersToCaller(x *model.Entity, a *model.Association) bool {
	if len(x.AllSpecializations()) > 0 || !rs.seesSelf(a.To) {
		return false
	}
	self := a.QualifiedName() + " = '[%CurrentUser%]'"
	for r := range rs.holdWhereVisible(x) {
		if slices.Contains(r.conjuncts, self) {
			return true
		}
	}
	return false
}

// seesSelf reports whether the caller sees their own user object when it
// is an object of x: every type of x has the built-in rule that shows it.
func (rs *roleSet) seesSelf(x *model.Entity) bool {
	for _, y := range rs.e.types(x) {
		er := rs.entities[y]
		if er == nil || !slices.ContainsFunc(er.rules, func(r *rule) bool { return r.self && r.shows }) {
			return false
		}
	}
	return true
}

// setLinks stores the link columns of one row; pos gives the member
// position of each.
func (r *row) setLinks(links []linkCol, pos []int, vals []any) error {
	for k, l := range links {
		i := pos[k]
		if i < 0 {
			continue // a member of another type of the hierarchy
		}
		switch l.kind {
		case refVisible:
			if !isSet(vals[k]) {
				if r.hidden == nil {
					r.hidden = map[*model.Association]bool{}
				}
				r.hidden[l.a] = true
			}
		case setAll, setVisible:
			ids, err := parseIDs(vals[k])
			if err != nil {
				return err
			}
			if l.kind == setAll {
				r.vals[i] = ids
			} else {
				if r.visibleSets == nil {
					r.visibleSets = map[*model.Association][]int64{}
				}
				r.visibleSets[l.a] = ids
			}
		}
	}
	return nil
}

// parseIDs reads an aggregated id list, in ascending order.
func parseIDs(v any) ([]int64, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return []int64{}, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("unexpected %T in an id list", v)
	}
	ids := make([]int64, 0, strings.Count(s, ",")+1)
	for s != "" {
		part, rest, _ := strings.Cut(s, ",")
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad id list %q", v)
		}
		ids = append(ids, n)
		s = rest
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// request is one call of a caller.
type request struct {
	e      *Engine
	rs     *roleSet
	caller Caller
	env    *xpath.Env
	ctx    context.Context
}

func (e *Engine) request(ctx context.Context, c Caller) *request {
	return &request{e: e, rs: e.set(c), caller: c, env: e.env(c), ctx: ctx}
}

// typeFilter limits rows to x and its specializations (tables hold a whole
// hierarchy).
func (e *Engine) typeFilter(x *model.Entity, alias string) *xpath.Frag {
	types := e.typeNames(x)
	if len(types) == len(e.types(e.st.Map.Table(x).Root)) {
		return nil
	}
	f := xpath.NewFrag(alias + "." + schema.Quote(schema.TypeColumn) + " IN (")
	for i, n := range types {
		if i > 0 {
			f = xpath.NewFrag(f, ", ")
		}
		f = xpath.NewFrag(f, xpath.Arg{Value: n})
	}
	return xpath.NewFrag(f, ")")
}

// entityFor checks that x can be read through the object API.
func (e *Engine) entityFor(x *model.Entity) error {
	if x == nil || !x.Persistable || e.st.Map.Table(x) == nil || x.IsA(e.app.Entity(model.SystemSession)) {
		return ErrNotFound
	}
	return nil
}

// List returns the objects of x the caller may see, with the total count
// when asked.
func (e *Engine) List(ctx context.Context, c Caller, x *model.Entity, o ListOptions) ([]*Result, int, error) {
	if err := e.entityFor(x); err != nil {
		return nil, 0, err
	}
	rq := e.request(ctx, c)
	p, err := rq.rs.plan(listKey(x, o), func() (*readPlan, error) {
		where, err := rq.listWhere(x, o)
		if err != nil {
			return nil, err
		}
		keys, guarded := o.Sort, true
		if len(keys) == 0 {
			keys, guarded = o.PageSort, false
		}
		order, err := rq.rs.orderBy(x, keys, guarded, "t0")
		if err != nil {
			return nil, err
		}
		return rq.newPlan(x, where, order, true)
	})
	if err != nil {
		return nil, 0, err
	}
	limit := int64(o.Limit)
	if limit <= 0 {
		limit = math.MaxInt64
	}
	var results []*Result
	count := 0
	err = e.st.Read(ctx, func(tx *store.Tx) error {
		rows, err := rq.query(tx, p, limit, int64(o.Offset))
		if err != nil {
			return err
		}
		if o.Count {
			sql, args, err := p.count.render(rq.env)
			if err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, sql, args...).Scan(&count); err != nil {
				return err
			}
		}
		results = rq.results(rows)
		return nil
	})
	return results, count, err
}

// listKey names the shape of a list request, under which its plan is
// kept: everything of the options that the statement's text depends on.
// A list of given ids is not kept ("").
func listKey(x *model.Entity, o ListOptions) string {
	if o.IDs != nil {
		return ""
	}
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	field("list")
	field(x.QualifiedName())
	field(o.XPath)
	field(o.Search)
	for _, m := range o.SearchMembers {
		field(m)
	}
	sortKeys := func(keys []SortKey) {
		field(strconv.Itoa(len(keys)))
		for _, k := range keys {
			field(k.Member)
			field(strconv.FormatBool(k.Desc))
		}
	}
	sortKeys(o.Sort)
	sortKeys(o.PageSort)
	if o.PageXPath != nil {
		field(o.PageXPath.Entity.QualifiedName())
		field(o.PageXPath.Source)
	}
	return b.String()
}

// listWhere is the WHERE of a list: type, visibility, the page's
// constraint, and the client's constraint and search (guarded).
func (rq *request) listWhere(x *model.Entity, o ListOptions) (*xpath.Frag, error) {
	e := rq.e
	parts := []*xpath.Frag{e.typeFilter(x, "t0"), rq.rs.Visible(x, "t0")}
	if o.IDs != nil {
		parts = append(parts, idIn(o.IDs))
	}
	if o.PageXPath != nil {
		c := &xpath.Compiler{Map: e.st.Map, Dialect: e.st.Dialect, TimeZone: e.app.TimeZoneID, AliasPrefix: "p"}
		f, err := c.Where(o.PageXPath, "t0")
		if err != nil {
			return nil, err
		}
		parts = append(parts, f)
	}
	client := o.XPath
	if o.Search != "" {
		var terms []string
		for _, m := range o.SearchMembers {
			terms = append(terms, "contains("+m+", '"+strings.ReplaceAll(o.Search, "'", "''")+"')")
		}
		if len(terms) > 0 {
			client += "[" + strings.Join(terms, " or ") + "]"
		}
	}
	if client != "" {
		b, err := e.bindClient(x, client)
		if err != nil {
			return nil, err
		}
		f, err := rq.rs.guardedWhere(b, "t0")
		if err != nil {
			return nil, err
		}
		parts = append(parts, f)
	}
	return e.andFrags(parts...), nil
}

// Get returns one object by id: x is the entity named in the request (the
// object may be of a specialization). Invisible and missing objects are
// both ErrNotFound.
func (e *Engine) Get(ctx context.Context, c Caller, x *model.Entity, id int64) (*Result, error) {
	if err := e.entityFor(x); err != nil {
		return nil, err
	}
	rq := e.request(ctx, c)
	var res *Result
	err := e.st.Read(ctx, func(tx *store.Tx) error {
		r, err := rq.getRow(tx, x, id)
		if err != nil {
			return err
		}
		res = rq.results([]*row{r})[0]
		return nil
	})
	return res, err
}

// getRow reads one visible object with its rights.
func (rq *request) getRow(tx *store.Tx, x *model.Entity, id int64) (*row, error) {
	p, err := rq.rs.plan("get:"+x.QualifiedName(), func() (*readPlan, error) {
		where := rq.e.andFrags(xpath.NewFrag("t0."+schema.Quote(schema.IDColumn)+" = ", xpath.Arg{Param: 1}), rq.e.typeFilter(x, "t0"), rq.rs.Visible(x, "t0"))
		return rq.newPlan(x, where, xpath.NewFrag("t0."+schema.Quote(schema.IDColumn)), false)
	})
	if err != nil {
		return nil, err
	}
	rows, err := rq.query(tx, p, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return rows[0], nil
}

// visibleIDs returns which of ids (objects declared as x) the caller may see.
func (rq *request) visibleIDs(tx *store.Tx, x *model.Entity, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	t := rq.e.st.Map.Table(x)
	if t == nil {
		return out, nil
	}
	where := rq.e.andFrags(idIn(ids), rq.e.typeFilter(x, "t0"), rq.rs.Visible(x, "t0"))
	sql, args, err := xpath.NewFrag("SELECT t0."+schema.Quote(schema.IDColumn)+" FROM "+schema.Quote(t.Name)+" t0 WHERE ", where).SQL(rq.env)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(rq.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// results strips what the caller may not read and hides invisible
// associated objects, as the list query computed them. It takes over the
// rows' values: the rows must not be written with afterwards.
func (rq *request) results(rows []*row) []*Result {
	out := make([]*Result, len(rows))
	for ri, r := range rows {
		er := r.er
		for i, m := range er.members {
			if !r.read.has(i) {
				r.vals[i] = nil // not kept where nothing may read it
				continue
			}
			a := m.Association
			if a == nil {
				continue
			}
			if a.Type == model.Reference && r.hidden[a] {
				r.vals[i] = int64(0)
			} else if ids, ok := r.visibleSets[a]; ok {
				r.vals[i] = ids
			}
		}
		readable, writable := rq.rs.memberMaps(er, r.read, r.write)
		out[ri] = &Result{ID: r.id, Entity: er.entity, Values: Values{er: er, vals: r.vals, has: r.read},
			Readable: readable, Writable: writable, CanDelete: r.del}
	}
	return out
}

// memberMaps returns the Readable and Writable maps of a Result with these
// rights. Results share them (they are never changed), so that a list
// builds one pair per combination of rights rather than one per object.
func (rs *roleSet) memberMaps(er *entityRules, read, write bits) (readable, writable map[string]bool) {
	build := func() (map[string]bool, map[string]bool) {
		readable, writable = map[string]bool{}, map[string]bool{}
		for i, m := range er.members {
			if read.has(i) {
				readable[m.Name] = true
			}
			if write.has(i) {
				writable[m.Name] = true
			}
		}
		return readable, writable
	}
	if len(read) > len(memberMapKey{}.read) {
		return build()
	}
	k := memberMapKey{entity: er.entity}
	copy(k.read[:], read)
	copy(k.write[:], write)
	if v, ok := rs.memberMapCache.Load(k); ok {
		m := v.([2]map[string]bool)
		return m[0], m[1]
	}
	readable, writable = build()
	rs.memberMapCache.Store(k, [2]map[string]bool{readable, writable})
	return readable, writable
}

// memberMapKey names the rights behind a pair of member maps, for
// entities of up to 256 members (larger ones build their maps each time).
type memberMapKey struct {
	entity      *model.Entity
	read, write [4]uint64
}

// idIn is "t0.id IN (ids…)"; an empty list matches nothing.
func idIn(ids []int64) *xpath.Frag {
	if len(ids) == 0 {
		return xpath.NewFrag("1 = 0")
	}
	in := xpath.NewFrag("t0." + schema.Quote(schema.IDColumn) + " IN (")
	for i, id := range ids {
		if i > 0 {
			in = xpath.NewFrag(in, ", ")
		}
		in = xpath.NewFrag(in, xpath.Arg{Value: id})
	}
	return xpath.NewFrag(in, ")")
}

// New describes a new object of x before it is saved: the defaults, with
// the rights the caller would have on it (every xpath taken as true).
func (e *Engine) New(c Caller, x *model.Entity) (*Result, error) {
	defaults, err := e.st.Defaults(x)
	if err != nil {
		return nil, err
	}
	er := e.set(c).entities[x]
	res := &Result{Entity: x, Values: Values{er: er, vals: make([]any, len(er.members)), has: newBits(len(er.members))},
		Readable: map[string]bool{}, Writable: map[string]bool{}}
	for i, m := range er.members {
		read := er.open && !neverReadable(m) || er.newRead.has(i) || c.system
		write := er.open && !neverWritable(m) || er.newWrite.has(i) || c.system
		if write {
			res.Writable[m.Name] = true
		}
		if !read {
			continue
		}
		res.Readable[m.Name] = true
		v := defaults[m.Name]
		if m.Association != nil {
			v = int64(0)
			if m.Association.Type == model.ReferenceSet {
				v = []int64{}
			}
		}
		res.Values.vals[i] = v
		res.Values.has.set(i)
	}
	return res, nil
}

// CanCreate reports whether the caller may create objects of x.
func (e *Engine) CanCreate(c Caller, x *model.Entity) bool {
	if c.system {
		return true
	}
	er := e.set(c).entities[x]
	return er != nil && (er.create || er.open && !x.IsA(e.app.Entity(model.SystemUser)))
}
