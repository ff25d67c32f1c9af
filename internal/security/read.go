package security

import (
	"context"
	"errors"
	"fmt"
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
	Values   map[string]any
	Readable map[string]bool
	Writable map[string]bool
	// CanDelete: some rule that applies to the object allows deleting it.
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
	obj         *store.Object
	read, write bits
	del         bool
	// hidden marks References whose target the caller may not see;
	// visibleSets holds the visible part of reference sets (absent when
	// the caller sees every object of the target).
	hidden      map[*model.Association]bool
	visibleSets map[*model.Association][]int64
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
		if !keep(r) {
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

// query selects the rows of x matching where (which includes visibility),
// with one boolean per conditional rule, from which each row's rights
// follow.
func (rq *request) query(tx *store.Tx, x *model.Entity, where, order *xpath.Frag, limit, offset int) ([]*row, error) {
	e, rs := rq.e, rq.rs
	t := e.st.Map.Table(x)
	const alias = "t0"
	sel := xpath.NewFrag(strings.Join(e.st.SelectColumns(t, alias), ", "))
	type ruleCol struct {
		y *model.Entity
		r *rule
	}
	var cols []ruleCol
	for _, y := range e.types(x) {
		er := rs.entities[y]
		if er == nil || er.open {
			continue
		}
		for _, r := range er.rules {
			c, err := r.cond(e, alias)
			if err != nil {
				return nil, err
			}
			if c != nil {
				sel = xpath.NewFrag(sel, ", CASE WHEN ", c, " THEN 1 ELSE 0 END")
				cols = append(cols, ruleCol{y, r})
			}
		}
	}
	links, sel := rq.linkColumns(x, alias, sel)
	q := xpath.NewFrag("SELECT ", sel, " FROM "+schema.Quote(t.Name)+" "+alias+" WHERE ", where, " ORDER BY ", order)
	if limit > 0 {
		q = xpath.NewFrag(q, " LIMIT "+strconv.Itoa(limit)+" OFFSET "+strconv.Itoa(offset))
	}
	sql, args, err := q.SQL(rq.env)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(rq.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		dst := store.ScanTargets(t)
		n := len(dst)
		flags := make([]int64, len(cols))
		for i := range flags {
			dst = append(dst, &flags[i])
		}
		linkVals := make([]any, len(links))
		for i := range linkVals {
			dst = append(dst, &linkVals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		obj, err := e.st.ScanObject(t, dst[:n])
		if err != nil {
			return nil, err
		}
		er := rs.entities[obj.Entity]
		r := &row{obj: obj, read: newBits(len(er.members)), write: newBits(len(er.members))}
		if err := r.setLinks(links, linkVals); err != nil {
			return nil, err
		}
		applied := map[*rule]bool{}
		for i, c := range cols {
			if c.y == obj.Entity && flags[i] != 0 {
				applied[c.r] = true
			}
		}
		for _, ru := range er.rules {
			if er.open || ru.always() || applied[ru] {
				r.read.or(ru.read)
				r.write.or(ru.write)
				r.del = r.del || ru.del
			}
		}
		if er.open {
			for i, m := range er.members {
				if !neverReadable(m) {
					r.read.set(i)
				}
				if !neverWritable(m) {
					r.write.set(i)
				}
			}
			r.del = true
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
				ref := alias + "." + schema.Quote(e.st.Map.RefColumn(a).Name)
				sel = xpath.NewFrag(sel, ", CASE WHEN "+ref+" IS NOT NULL AND EXISTS (SELECT 1 FROM "+target+" WHERE "+va+"."+schema.Quote(schema.IDColumn)+" = "+ref+" AND ", vis, ") THEN 1 ELSE 0 END")
				links = append(links, linkCol{a, refVisible})
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
			links = append(links, linkCol{a, setAll})
			if !vis.IsConst(true) {
				sel = xpath.NewFrag(sel, ", (SELECT "+e.st.Dialect.AggregateIDs(to)+from+" AND EXISTS (SELECT 1 FROM "+target+" WHERE "+va+"."+schema.Quote(schema.IDColumn)+" = "+to+" AND ", vis, "))")
				links = append(links, linkCol{a, setVisible})
			}
		}
	}
	return links, sel
}

// setLinks stores the link columns of one row.
func (r *row) setLinks(links []linkCol, vals []any) error {
	for i, l := range links {
		name := l.a.QualifiedName()
		if _, ok := r.obj.Values[name]; !ok {
			continue // a member of another type of the hierarchy
		}
		switch l.kind {
		case refVisible:
			if n, _ := vals[i].(int64); n == 0 {
				if r.hidden == nil {
					r.hidden = map[*model.Association]bool{}
				}
				r.hidden[l.a] = true
			}
		case setAll, setVisible:
			ids, err := parseIDs(vals[i])
			if err != nil {
				return err
			}
			if l.kind == setAll {
				r.obj.Values[name] = ids
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
	ids := []int64{}
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad id list %q", s)
		}
		ids = append(ids, n)
	}
	slices.Sort(ids)
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
	where, err := rq.listWhere(x, o)
	if err != nil {
		return nil, 0, err
	}
	keys, guarded := o.Sort, true
	if len(keys) == 0 {
		keys, guarded = o.PageSort, false
	}
	order, err := rq.rs.orderBy(x, keys, guarded, "t0")
	if err != nil {
		return nil, 0, err
	}
	var results []*Result
	count := 0
	err = e.st.Read(ctx, func(tx *store.Tx) error {
		rows, err := rq.query(tx, x, where, order, o.Limit, o.Offset)
		if err != nil {
			return err
		}
		if o.Count {
			sql, args, err := xpath.NewFrag("SELECT COUNT(*) FROM "+schema.Quote(e.st.Map.Table(x).Name)+" t0 WHERE ", where).SQL(rq.env)
			if err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, sql, args...).Scan(&count); err != nil {
				return err
			}
		}
		results, err = rq.results(tx, rows)
		return err
	})
	return results, count, err
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
		out, err := rq.results(tx, []*row{r})
		if err == nil {
			res = out[0]
		}
		return err
	})
	return res, err
}

// getRow reads one visible object with its rights.
func (rq *request) getRow(tx *store.Tx, x *model.Entity, id int64) (*row, error) {
	where := rq.e.andFrags(xpath.NewFrag("t0."+schema.Quote(schema.IDColumn)+" = ", xpath.Arg{Value: id}), rq.e.typeFilter(x, "t0"), rq.rs.Visible(x, "t0"))
	rows, err := rq.query(tx, x, where, xpath.NewFrag("t0."+schema.Quote(schema.IDColumn)), 0, 0)
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
// associated objects, as the list query computed them.
func (rq *request) results(_ *store.Tx, rows []*row) ([]*Result, error) {
	out := make([]*Result, len(rows))
	for ri, r := range rows {
		er := rq.rs.entities[r.obj.Entity]
		res := &Result{ID: r.obj.ID, Entity: r.obj.Entity, Values: map[string]any{}, Readable: map[string]bool{}, Writable: map[string]bool{}, CanDelete: r.del}
		for i, m := range er.members {
			if r.write.has(i) {
				res.Writable[m.Name] = true
			}
			if !r.read.has(i) {
				continue
			}
			res.Readable[m.Name] = true
			v := r.obj.Values[m.Name]
			if a := m.Association; a != nil {
				if a.Type == model.Reference && r.hidden[a] {
					v = int64(0)
				} else if ids, ok := r.visibleSets[a]; ok {
					v = ids
				}
			}
			res.Values[m.Name] = v
		}
		out[ri] = res
	}
	return out, nil
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
	res := &Result{Entity: x, Values: map[string]any{}, Readable: map[string]bool{}, Writable: map[string]bool{}}
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
		res.Values[m.Name] = v
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
