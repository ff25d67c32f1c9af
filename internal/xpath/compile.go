package xpath

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
)

// SQLGuard gives, as SQL, what a user may see: the predicates that make a
// client constraint safe (security.md, "Client constraints and sorting").
// alias names the row of an object declared as entity e (it may be of a
// specialization; the guard decides by its `_type`).
type SQLGuard interface {
	Visible(e *model.Entity, alias string) *Frag
	Readable(e *model.Entity, m *model.Member, alias string) *Frag
}

// Compiler turns bound constraints into SQL for one dialect.
type Compiler struct {
	Map      *schema.Mapping
	Dialect  schema.Dialect
	TimeZone string // the app's IANA zone, for date-part functions
	// Guard, when set, compiles client constraints in guarded form.
	Guard SQLGuard
	// AliasPrefix starts the names of the subqueries' row aliases, so that
	// fragments compiled apart can be nested in one query without clashes.
	AliasPrefix string
}

// Where compiles b into a boolean SQL expression over the row alias of the
// subject object. It never yields NULL: every comparison is written so that
// two-valued logic holds, also under NOT.
func (c *Compiler) Where(b *Bound, alias string) (f *Frag, err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(compileError)
			if !ok {
				panic(r)
			}
			f, err = nil, ce
		}
	}()
	if c.Map.Table(b.Entity) == nil {
		return nil, fmt.Errorf("entity %s is not persistable", b.Entity.QualifiedName())
	}
	cs := &compileState{Compiler: c}
	return cs.cond(b.Cond, alias, b.Entity), nil
}

type compileError string

func (e compileError) Error() string { return string(e) }

type compileState struct {
	*Compiler
	aliases int
}

func (cs *compileState) alias() string {
	cs.aliases++
	return cs.AliasPrefix + "t" + strconv.Itoa(cs.aliases)
}

func (cs *compileState) col(alias, name string) string {
	return alias + "." + schema.Quote(name)
}

func (cs *compileState) tru() *Frag { return constFrag(true, cs.Dialect.True(), cs.Dialect.False()) }
func (cs *compileState) fls() *Frag { return constFrag(false, cs.Dialect.True(), cs.Dialect.False()) }

func (cs *compileState) and(fs ...*Frag) *Frag {
	var keep []*Frag
	for _, f := range fs {
		switch {
		case f == nil || f.isConst(true):
		case f.isConst(false):
			return cs.fls()
		default:
			keep = append(keep, f)
		}
	}
	return cs.join(keep, " AND ", cs.tru())
}

func (cs *compileState) or(fs ...*Frag) *Frag {
	var keep []*Frag
	for _, f := range fs {
		switch {
		case f == nil || f.isConst(false):
		case f.isConst(true):
			return cs.tru()
		default:
			keep = append(keep, f)
		}
	}
	return cs.join(keep, " OR ", cs.fls())
}

func (cs *compileState) join(fs []*Frag, op string, empty *Frag) *Frag {
	switch len(fs) {
	case 0:
		return empty
	case 1:
		return fs[0]
	}
	out := build("(")
	for i, f := range fs {
		if i > 0 {
			out.add(op)
		}
		out.add(f)
	}
	return out.add(")")
}

func (cs *compileState) not(f *Frag) *Frag {
	switch {
	case f.isConst(true):
		return cs.fls()
	case f.isConst(false):
		return cs.tru()
	}
	return build("NOT ", f)
}

func (cs *compileState) cond(c Cond, alias string, e *model.Entity) *Frag {
	switch c := c.(type) {
	case *AndCond:
		var fs []*Frag
		for _, t := range c.Terms {
			fs = append(fs, cs.cond(t, alias, e))
		}
		return cs.and(fs...)
	case *OrCond:
		var fs []*Frag
		for _, t := range c.Terms {
			fs = append(fs, cs.cond(t, alias, e))
		}
		return cs.or(fs...)
	case *NotCond:
		return cs.not(cs.cond(c.X, alias, e))
	case *ConstCond:
		if c.Value {
			return cs.tru()
		}
		return cs.fls()
	case *PathCond:
		return cs.path(c, alias, e)
	}
	panic(compileError("unknown condition"))
}

// path compiles: H or (Pempty and not R), as in the evaluator.
func (cs *compileState) path(pc *PathCond, alias string, e *model.Entity) *Frag {
	if pc.Pred.Kind == PredExists {
		return cs.holds(pc, 0, alias, e, nil)
	}
	lit := pc.Pred.Value
	if pc.Target.Kind == TargetObject && lit.Token != nil {
		// Pempty is true exactly when (Eq) or unless (Ne) the token is empty.
		whenEmpty := cs.withEmpty(pc, alias, e, pc.Pred.Op == Eq, true)
		whenSet := cs.withEmpty(pc, alias, e, pc.Pred.Op == Ne, false)
		return ifTokenEmpty(lit.Token, whenEmpty, whenSet)
	}
	return cs.withEmpty(pc, alias, e, emptyHolds(pc), false)
}

func (cs *compileState) withEmpty(pc *PathCond, alias string, e *model.Entity, pEmpty, tokenEmpty bool) *Frag {
	h := cs.holds(pc, 0, alias, e, &tokenEmpty)
	if !pEmpty {
		return h
	}
	return cs.or(h, cs.not(cs.reaches(pc, 0, alias, e)))
}

// emptyHolds is the predicate on the empty value for literals that are not
// object tokens (those are decided per request).
func emptyHolds(pc *PathCond) bool {
	ev := evaluator{env: &Env{}}
	lit := any(nil)
	switch {
	case pc.Pred.Value.Token != nil:
		lit = int64(1) // a date token: never empty
	default:
		lit = ev.literal(pc.Pred.Value)
	}
	if pc.Target.Kind == TargetObject {
		if lit == nil {
			return pc.Pred.Op == Eq
		}
		return pc.Pred.Op == Ne
	}
	if pc.Target.Func != "" && pc.Target.Func != "string-length" && pc.Target.Func != "length" {
		// Date parts of empty are empty.
		return emptyCompare(pc.Pred.Op, lit == nil)
	}
	if pc.Target.Func != "" {
		// string-length of empty is 0.
		if lit == nil {
			return pc.Pred.Op == Ne
		}
		return pc.Pred.Op.holds(cmpInt(0, lit.(int64)))
	}
	switch pc.Pred.Kind {
	case PredContains, PredStartsWith, PredEndsWith:
		return false
	}
	return emptyCompare(pc.Pred.Op, lit == nil)
}

// emptyCompare is the comparison of an empty value with a literal.
func emptyCompare(op Op, litEmpty bool) bool {
	switch op {
	case Eq:
		return litEmpty
	case Ne:
		return !litEmpty
	}
	return false
}

// step is how one association step is joined: the FROM clause and the
// condition linking the reached row y to the current row x.
func (cs *compileState) stepJoin(st BoundStep, x, y string) (from string, link *Frag) {
	target := cs.Map.Table(st.Entity)
	if target == nil {
		panic(compileError(fmt.Sprintf("entity %s is not persistable", st.Entity.QualifiedName())))
	}
	tname := schema.Quote(target.Name) + " " + y
	if st.Assoc.Type == model.Reference {
		ref := cs.Map.RefColumn(st.Assoc)
		if st.Forward {
			return tname, build(cs.col(y, schema.IDColumn), " = ", cs.col(x, ref.Name))
		}
		return tname, build(cs.col(y, ref.Name), " = ", cs.col(x, schema.IDColumn))
	}
	j := cs.Map.Join(st.Assoc)
	ja := y + "j"
	near, far := schema.FromColumn, schema.ToColumn
	if !st.Forward {
		near, far = far, near
	}
	return schema.Quote(j.Name) + " " + ja + " JOIN " + tname + " ON " + cs.col(y, schema.IDColumn) + " = " + cs.col(ja, far),
		build(cs.col(ja, near), " = ", cs.col(x, schema.IDColumn))
}

// reachedFilter is what an object must satisfy to be reached by a step.
func (cs *compileState) reachedFilter(st BoundStep, y string) *Frag {
	var fs []*Frag
	if st.TypeFilter || cs.sharedColumn(st) {
		f := build(cs.col(y, schema.TypeColumn), " IN (")
		for i, n := range schema.TypeNames(st.Entity) {
			if i > 0 {
				f.add(", ")
			}
			f.add(Arg{Value: n})
		}
		fs = append(fs, f.add(")"))
	}
	if cs.Guard != nil {
		fs = append(fs, cs.Guard.Visible(st.Entity, y))
		if !st.Forward {
			fs = append(fs, cs.Guard.Readable(st.Entity, st.Member, y))
		}
	}
	if st.Filter != nil {
		fs = append(fs, cs.cond(st.Filter, y, st.Entity))
	}
	return cs.and(fs...)
}

// sharedColumn reports a backward step through System.owner or
// System.changedBy whose column also holds the values of sibling
// specializations that declare the member themselves (schema: one column
// per hierarchy): the rows reached must then be filtered by type.
func (cs *compileState) sharedColumn(st BoundStep) bool {
	if st.Forward || !st.Assoc.Builtin {
		return false
	}
	for _, e := range cs.Map.Table(st.Entity).Entities {
		if m := e.Member(st.Member.Name, nil); m != nil && m.Association != st.Assoc {
			return true
		}
	}
	return false
}

// blockedGuard is "x may read the association of a forward step".
func (cs *compileState) stepReadable(st BoundStep, x string, e *model.Entity) *Frag {
	if cs.Guard == nil || !st.Forward {
		return nil
	}
	return cs.Guard.Readable(e, st.Member, x)
}

// simpleRef reports a step that needs no subquery: a forward Reference
// whose target row need not be looked at.
func (cs *compileState) simpleRef(st BoundStep) bool {
	return st.Forward && st.Assoc.Type == model.Reference && !st.TypeFilter && st.Filter == nil && cs.Guard == nil
}

// holds compiles H(x, i): some value reached from step i satisfies the test.
func (cs *compileState) holds(pc *PathCond, i int, x string, e *model.Entity, tokenEmpty *bool) *Frag {
	if i == len(pc.Steps) {
		return cs.target(pc, x, e, cs.col(x, schema.IDColumn), false, tokenEmpty)
	}
	st := pc.Steps[i]
	if i == len(pc.Steps)-1 && pc.Target.Kind == TargetObject && cs.simpleRef(st) {
		// The reached object's id is the reference column itself.
		ref := cs.col(x, cs.Map.RefColumn(st.Assoc).Name)
		return cs.target(pc, x, e, ref, true, tokenEmpty)
	}
	y := cs.alias()
	if st.Forward && st.Assoc.Type == model.Reference {
		rest := cs.and(cs.reachedFilter(st, y), cs.holds(pc, i+1, y, st.Entity, tokenEmpty))
		if rest.isConst(false) {
			return cs.fls()
		}
		return cs.and(cs.stepReadable(st, x, e), cs.refIn(st, x, y, rest))
	}
	from, link := cs.stepJoin(st, x, y)
	inner := cs.and(link, cs.reachedFilter(st, y), cs.holds(pc, i+1, y, st.Entity, tokenEmpty))
	if inner.isConst(false) {
		return cs.fls() // nothing reached can satisfy the test (an empty token)
	}
	return cs.and(cs.stepReadable(st, x, e), build("EXISTS (SELECT 1 FROM ", from, " WHERE ", inner, ")"))
}

// refIn compiles a forward Reference step as membership of the reference in
// the ids of the objects that satisfy rest: an uncorrelated subquery that
// the database evaluates once, instead of an EXISTS per row. The reference
// is tested for NULL first, so the result is never NULL.
func (cs *compileState) refIn(st BoundStep, x, y string, rest *Frag) *Frag {
	ref := cs.col(x, cs.Map.RefColumn(st.Assoc).Name)
	if rest.isConst(true) {
		return build(ref, " IS NOT NULL") // references always name existing objects
	}
	target := cs.Map.Table(st.Entity)
	if target == nil {
		panic(compileError(fmt.Sprintf("entity %s is not persistable", st.Entity.QualifiedName())))
	}
	return build("(", ref, " IS NOT NULL AND ", ref, " IN (SELECT ", cs.col(y, schema.IDColumn), " FROM ", schema.Quote(target.Name)+" "+y, " WHERE ", rest, "))")
}

// reaches compiles R(x, i): the path from step i reaches something; a
// forward step the user may not read counts as reaching (a false value).
func (cs *compileState) reaches(pc *PathCond, i int, x string, e *model.Entity) *Frag {
	if i == len(pc.Steps) {
		return cs.tru()
	}
	st := pc.Steps[i]
	if i == len(pc.Steps)-1 && cs.simpleRef(st) {
		return build(cs.col(x, cs.Map.RefColumn(st.Assoc).Name), " IS NOT NULL")
	}
	y := cs.alias()
	var exists *Frag
	if st.Forward && st.Assoc.Type == model.Reference {
		exists = cs.refIn(st, x, y, cs.and(cs.reachedFilter(st, y), cs.reaches(pc, i+1, y, st.Entity)))
	} else {
		from, link := cs.stepJoin(st, x, y)
		inner := cs.and(link, cs.reachedFilter(st, y), cs.reaches(pc, i+1, y, st.Entity))
		exists = build("EXISTS (SELECT 1 FROM ", from, " WHERE ", inner, ")")
	}
	if r := cs.stepReadable(st, x, e); r != nil {
		return cs.or(cs.not(r), exists)
	}
	return exists
}

// target compiles the test on one object reached (row x of entity e).
// idExpr is the SQL of the object's id: its id column, or a reference
// column (nullable, then NULL means nothing was reached).
func (cs *compileState) target(pc *PathCond, x string, e *model.Entity, idExpr string, nullable bool, tokenEmpty *bool) *Frag {
	p := pc.Pred
	if pc.Target.Kind == TargetAttr {
		var guard *Frag
		if cs.Guard != nil {
			guard = cs.Guard.Readable(e, pc.Target.Member, x)
		}
		return cs.and(guard, cs.attrTest(pc, x))
	}
	var test *Frag
	empty := p.Value.Token == nil || (tokenEmpty != nil && *tokenEmpty)
	switch {
	case p.Kind == PredExists || empty && p.Op == Ne:
		test = cs.tru()
	case empty:
		return cs.fls()
	case p.Op == Eq:
		test = build(idExpr, " = ", Arg{Token: p.Value.Token})
	default:
		test = build(idExpr, " <> ", Arg{Token: p.Value.Token})
	}
	if !nullable {
		return test
	}
	return cs.and(test, build(idExpr, " IS NOT NULL"))
}

func (cs *compileState) attrTest(pc *PathCond, x string) *Frag {
	a := pc.Target.Attr()
	p := pc.Pred
	lit := p.Value
	col := cs.Map.AttrColumn(a)
	if col == nil {
		panic(compileError(fmt.Sprintf("attribute %s has no column", a.Name)))
	}
	switch p.Kind {
	case PredContains, PredStartsWith, PredEndsWith:
		fcol := cs.col(x, cs.Map.FoldColumn(a).Name)
		t := Fold(lit.Str)
		if t == "" {
			return build(fcol, " IS NOT NULL")
		}
		n := utf8.RuneCountInString(t)
		var test string
		switch p.Kind {
		case PredContains:
			test = cs.Dialect.Contains(fcol)
		case PredStartsWith:
			test = cs.Dialect.StartsWith(fcol, n)
		default:
			test = cs.Dialect.EndsWith(fcol, n)
		}
		return build("(", fcol, " IS NOT NULL AND ", splitPlaceholder(test, Arg{Value: t}), ")")
	}
	switch pc.Target.Func {
	case "string-length", "length":
		expr := cs.Dialect.StringLength(cs.col(x, col.Name))
		if lit.Kind == LitEmpty {
			return constFor(cs, p.Op == Ne)
		}
		return build(expr, " ", p.Op.String(), " ", Arg{Value: lit.Int})
	case "":
	default:
		zone := cs.TimeZone
		if pc.Target.UTC || zone == "" {
			zone = "UTC"
		}
		expr := build("rampart_datepart(", Arg{Value: pc.Target.Func}, ", ", cs.col(x, col.Name), ", ", Arg{Value: zone}, ")")
		return cs.compare(expr, p.Op, lit, func() (*Frag, bool) { return build(Arg{Value: lit.Int}), true })
	}
	colName := col.Name
	if a.Type == model.TypeString {
		colName = cs.Map.FoldColumn(a).Name
	}
	expr := sqlText(cs.col(x, colName))
	return cs.compare(expr, p.Op, lit, func() (*Frag, bool) { return cs.argFor(a, lit) })
}

// compare writes `expr op literal` so that it is never NULL: an empty
// value compares as xpath.md says.
func (cs *compileState) compare(expr *Frag, op Op, lit Literal, arg func() (*Frag, bool)) *Frag {
	if lit.Kind == LitEmpty {
		switch op {
		case Eq:
			return build(expr, " IS NULL")
		case Ne:
			return build(expr, " IS NOT NULL")
		}
		return cs.fls()
	}
	v, exact := arg()
	if !exact {
		// A Decimal literal the column cannot hold exactly (SQLite): v is
		// the largest storable value below it.
		switch op {
		case Eq:
			return cs.fls()
		case Ne:
			return cs.tru()
		case Lt, Le:
			op = Le
		default:
			op = Gt
		}
	}
	if op == Ne {
		return build("(", expr, " IS NULL OR ", expr, " <> ", v, ")")
	}
	return build("(", expr, " ", op.String(), " ", v, " AND ", expr, " IS NOT NULL)")
}

// argFor is the bind argument of a literal compared with attribute a.
func (cs *compileState) argFor(a *model.Attribute, lit Literal) (*Frag, bool) {
	switch {
	case lit.Token != nil:
		return build(Arg{Token: lit.Token}), true
	case a.Type == model.TypeString:
		return build(Arg{Value: Fold(lit.Str)}), true
	case lit.Kind == LitEnum:
		return build(Arg{Value: lit.Str}), true
	case lit.Kind == LitBool:
		return build(Arg{Value: cs.Dialect.BoolArg(lit.Bool)}), true
	case lit.Kind == LitDecimal:
		v, exact := cs.Dialect.DecimalArg(lit.Dec)
		return splitPlaceholder(cs.Dialect.DecimalParam(), Arg{Value: v}), exact
	case lit.Kind == LitInt, lit.Kind == LitTime:
		if a.Type == model.TypeDecimal {
			return cs.argFor(a, Literal{Kind: LitDecimal, Dec: ratInt(lit.Int)})
		}
		return build(Arg{Value: lit.Int}), true
	}
	panic(compileError("unsupported literal"))
}

func constFor(cs *compileState, b bool) *Frag {
	if b {
		return cs.tru()
	}
	return cs.fls()
}

// splitPlaceholder turns a dialect template with one '?' into a fragment
// whose placeholder carries arg.
func splitPlaceholder(tmpl string, arg Arg) *Frag {
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '?' {
			return build(tmpl[:i], arg, tmpl[i+1:])
		}
	}
	panic(compileError("template without placeholder"))
}
