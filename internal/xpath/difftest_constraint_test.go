package xpath_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/xpath"
)

// Random constraints over a generated model, written as text (so the
// parser takes part) with literals drawn near the data.

type cgen struct {
	r              *rand.Rand
	app            *model.App
	ds             *dataset
	vg             *valgen
	user, userRole *model.Entity
	assocs         []*model.Association // every association with both ends (System ones included)
	sysOwners      []*model.Member      // System.owner/changedBy as declared on each entity
	values         map[*model.Attribute][]any
}

func newCgen(r *rand.Rand, app *model.App, ds *dataset, vg *valgen) *cgen {
	g := &cgen{r: r, app: app, ds: ds, vg: vg, user: app.Entity(model.SystemUser), userRole: app.Entity(model.SystemUserRole),
		values: map[*model.Attribute][]any{}}
	for _, m := range app.Modules {
		for _, a := range m.Associations {
			if a.From != nil && a.To != nil {
				g.assocs = append(g.assocs, a)
			}
		}
	}
	for _, e := range app.Entities() {
		for _, m := range e.Members() {
			if m.Association != nil && m.Association.Builtin && !m.Inherited {
				g.sysOwners = append(g.sysOwners, m)
			}
		}
	}
	for _, o := range ds.objs {
		for _, m := range o.ent.Members() { // in order: a seed must give the same constraints
			if v := o.attrs[m.Attribute]; m.Attribute != nil && v != nil {
				g.values[m.Attribute] = append(g.values[m.Attribute], v)
			}
		}
	}
	return g
}

// subjects lists the entities constraints are generated for.
func subjects(app *model.App) []*model.Entity {
	var out []*model.Entity
	for _, e := range app.Entities() {
		if e.Persistable {
			out = append(out, e)
		}
	}
	return out
}

func (g *cgen) pct(p int) bool { return g.r.IntN(100) < p }

func (g *cgen) sp() string {
	switch g.r.IntN(16) {
	case 0, 1:
		return ""
	case 2:
		return "  "
	case 3:
		return "\n\t"
	}
	return " "
}

// constraint is one to three adjacent brackets.
func (g *cgen) constraint(e *model.Entity) string {
	n := 1
	if g.pct(25) {
		n += 1 + g.r.IntN(2)
	}
	var b strings.Builder
	for range n {
		b.WriteString("[" + g.expr(e, 0) + "]")
	}
	return b.String()
}

func (g *cgen) expr(e *model.Entity, depth int) string {
	if depth >= 3 || g.pct(45) {
		return g.atom(e, depth)
	}
	switch g.r.IntN(5) {
	case 0, 1:
		terms := []string{g.expr(e, depth+1), g.expr(e, depth+1)}
		if g.pct(20) {
			terms = append(terms, g.expr(e, depth+1))
		}
		return strings.Join(terms, " and ")
	case 2, 3:
		terms := []string{g.expr(e, depth+1), g.expr(e, depth+1)}
		if g.pct(20) {
			terms = append(terms, g.expr(e, depth+1))
		}
		return strings.Join(terms, " or ")
	case 4:
		if g.pct(60) {
			return "not(" + g.sp() + g.expr(e, depth+1) + g.sp() + ")"
		}
	}
	return "(" + g.expr(e, depth+1) + ")"
}

func (g *cgen) atom(e *model.Entity, depth int) string {
	for range 30 {
		var s string
		var ok bool
		switch k := g.r.IntN(100); {
		case k < 36:
			s, ok = g.attrCompare(e, depth)
		case k < 46:
			s, ok = g.strFunc(e, depth)
		case k < 51:
			s, ok = g.strLength(e, depth)
		case k < 61:
			s, ok = g.datePart(e, depth)
		case k < 78:
			s, ok = g.objCompare(e, depth)
		case k < 97:
			s, ok = g.exists(e, depth)
		default:
			return []string{"true()", "false()"}[g.r.IntN(2)]
		}
		if ok {
			return s
		}
	}
	return "true()"
}

// ---- paths ----

type stepOpt struct {
	assoc  string        // the association as written, with [reversed()] if any
	reach  *model.Entity // the entity reached before any type filter
	system bool          // System.owner/changedBy walked backwards: the entity must be named
}

func (g *cgen) stepOpts(cur *model.Entity) []stepOpt {
	var out []stepOpt
	for _, m := range cur.Members() {
		if a := m.Association; a != nil {
			out = append(out, stepOpt{assoc: m.Name, reach: a.To})
		}
	}
	for _, a := range g.assocs {
		if !cur.IsA(a.To) {
			continue
		}
		switch {
		case cur.IsA(a.From):
			out = append(out, stepOpt{assoc: a.QualifiedName() + "[reversed()]", reach: a.From})
		case g.pct(20):
			out = append(out, stepOpt{assoc: a.QualifiedName() + "[reversed()]", reach: a.From})
		default:
			out = append(out, stepOpt{assoc: a.QualifiedName(), reach: a.From})
		}
	}
	if cur.IsA(g.user) {
		for _, m := range g.sysOwners {
			out = append(out, stepOpt{assoc: m.Name, reach: m.Association.From, system: true})
		}
	}
	return out
}

func (g *cgen) stepCount(depth int) int {
	k := g.r.IntN(100)
	if depth > 0 {
		k += 30
	}
	switch {
	case k < 35:
		return 0
	case k < 70:
		return 1
	case k < 93:
		return 2
	}
	return 3
}

// walk writes n steps from e, each ending in '/', and returns the entity
// reached.
func (g *cgen) walk(e *model.Entity, n, depth int) (string, *model.Entity, bool) {
	var b strings.Builder
	cur := e
	for range n {
		opts := g.stepOpts(cur)
		if len(opts) == 0 {
			return "", nil, false
		}
		o := opts[g.r.IntN(len(opts))]
		named := o.reach
		if specs := o.reach.AllSpecializations(); len(specs) > 0 && g.pct(30) {
			named = specs[g.r.IntN(len(specs))]
		}
		b.WriteString(o.assoc + "/" + named.QualifiedName())
		if depth < 2 && g.pct(20) {
			b.WriteString("[" + g.expr(named, depth+1) + "]")
		}
		b.WriteString("/")
		cur = named
	}
	return b.String(), cur, true
}

// objectPath is a path that ends at an association or an entity, with the
// entity it reaches.
func (g *cgen) objectPath(e *model.Entity, depth int) (string, *model.Entity, bool) {
	n := 1 + g.stepCount(depth+1)
	if g.pct(50) {
		// Ends at an association.
		prefix, cur, ok := g.walk(e, n-1, depth)
		if !ok {
			return "", nil, false
		}
		var opts []stepOpt
		for _, o := range g.stepOpts(cur) {
			if !o.system {
				opts = append(opts, o)
			}
		}
		if len(opts) == 0 {
			return "", nil, false
		}
		o := opts[g.r.IntN(len(opts))]
		return prefix + o.assoc, o.reach, true
	}
	prefix, cur, ok := g.walk(e, n, depth)
	if !ok {
		return "", nil, false
	}
	return strings.TrimSuffix(prefix, "/"), cur, true
}

// attrPath is a path to an attribute accepted by want.
func (g *cgen) attrPath(e *model.Entity, depth int, want func(*model.Attribute) bool) (string, *model.Attribute, bool) {
	for range 6 {
		prefix, end, ok := g.walk(e, g.stepCount(depth), depth)
		if !ok {
			continue
		}
		var attrs []*model.Attribute
		for _, m := range end.Members() {
			if a := m.Attribute; a != nil && a.Type != model.TypeHashString && a.Type != model.TypeBinary && want(a) {
				attrs = append(attrs, a)
			}
		}
		if len(attrs) > 0 {
			a := attrs[g.r.IntN(len(attrs))]
			return prefix + a.Name, a, true
		}
	}
	return "", nil, false
}

// ---- atoms ----

var allOps = []string{"=", "!=", "<", "<=", ">", ">="}

func (g *cgen) cmp(subject, op, value string) string {
	if g.pct(25) {
		mirror := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
		if m, ok := mirror[op]; ok {
			op = m
		}
		return value + g.sp() + op + g.sp() + subject
	}
	return subject + g.sp() + op + g.sp() + value
}

func (g *cgen) attrCompare(e *model.Entity, depth int) (string, bool) {
	path, a, ok := g.attrPath(e, depth, func(*model.Attribute) bool { return true })
	if !ok {
		return "", false
	}
	op := allOps[g.r.IntN(len(allOps))]
	if a.Type == model.TypeBoolean || a.Type == model.TypeEnumeration {
		op = allOps[g.r.IntN(2)]
	}
	if g.pct(10) {
		return g.cmp(path, op, []string{"empty", "NULL", "''", `""`}[g.r.IntN(4)]), true
	}
	var lit string
	switch a.Type {
	case model.TypeString:
		lit = g.quote(g.strValue(a))
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		lit = g.intLit(a)
	case model.TypeDecimal:
		lit = g.decLit(a)
	case model.TypeBoolean:
		lit = []string{"true()", "false()", "'true'", "'false'"}[g.r.IntN(4)]
	case model.TypeEnumeration:
		lit = g.quote(a.Enum.Values[g.r.IntN(len(a.Enum.Values))].Key)
	case model.TypeDateTime:
		lit = g.timeLit(a)
	}
	return g.cmp(path, op, lit), true
}

func isString(a *model.Attribute) bool   { return a.Type == model.TypeString }
func isDateTime(a *model.Attribute) bool { return a.Type == model.TypeDateTime }

func (g *cgen) strFunc(e *model.Entity, depth int) (string, bool) {
	path, a, ok := g.attrPath(e, depth, isString)
	if !ok {
		return "", false
	}
	fn := []string{"contains", "starts-with", "ends-with"}[g.r.IntN(3)]
	var arg string
	switch k := g.r.IntN(20); {
	case k == 0:
		arg = "''"
	case k == 1:
		arg = []string{"empty", "NULL", `""`}[g.r.IntN(3)]
	default:
		s := g.strValue(a)
		if n := utf8.RuneCountInString(s); n > 1 && g.pct(60) {
			// A piece of a value: its start, end or middle.
			i := g.r.IntN(n)
			j := i + 1 + g.r.IntN(n-i)
			s = string([]rune(s)[i:j])
		}
		arg = g.quote(s)
	}
	return fn + "(" + path + "," + g.sp() + arg + ")", true
}

func (g *cgen) strLength(e *model.Entity, depth int) (string, bool) {
	path, a, ok := g.attrPath(e, depth, isString)
	if !ok {
		return "", false
	}
	fn := "string-length"
	if g.pct(20) {
		fn = "length"
	}
	var n int64
	switch k := g.r.IntN(20); {
	case k == 0:
		return g.cmp(fn+"("+path+")", allOps[g.r.IntN(6)], "empty"), true
	case k == 1:
		n = []int64{-1, 3000000000, 9223372036854775807}[g.r.IntN(3)]
	case k < 10:
		if vals := g.values[a]; len(vals) > 0 {
			n = int64(utf8.RuneCountInString(vals[g.r.IntN(len(vals))].(string))) + g.r.Int64N(3) - 1
		}
	default:
		n = g.r.Int64N(9)
	}
	return g.cmp(fn+"("+path+")", allOps[g.r.IntN(6)], strconv.FormatInt(n, 10)), true
}

var datePartFuncs = []string{"year-from-dateTime", "month-from-dateTime", "day-from-dateTime", "hours-from-dateTime",
	"minutes-from-dateTime", "seconds-from-dateTime", "quarter-from-dateTime", "day-of-year-from-dateTime",
	"week-from-dateTime", "weekday-from-dateTime"}

func (g *cgen) datePart(e *model.Entity, depth int) (string, bool) {
	path, a, ok := g.attrPath(e, depth, isDateTime)
	if !ok {
		return "", false
	}
	fn := datePartFuncs[g.r.IntN(len(datePartFuncs))]
	utc := g.pct(35)
	loc := g.vg.loc
	call := fn + "(" + path + ")"
	if utc {
		loc = time.UTC
		call = fn + "(" + path + "," + g.sp() + "'UTC')"
	}
	var n int64
	vals := g.values[a]
	switch k := g.r.IntN(20); {
	case k == 0:
		return g.cmp(call, allOps[g.r.IntN(6)], []string{"empty", "NULL"}[g.r.IntN(2)]), true
	case k == 1:
		n = []int64{0, -1, 99999}[g.r.IntN(3)]
	case k < 15 && len(vals) > 0:
		n = xpath.DatePart(fn, vals[g.r.IntN(len(vals))].(int64), loc) + g.r.Int64N(3) - 1
	default:
		n = xpath.DatePart(fn, g.vg.instant(), loc)
	}
	return g.cmp(call, allOps[g.r.IntN(6)], strconv.FormatInt(n, 10)), true
}

// objCompare compares an object (id, or a path ending at an association or
// entity) with [%CurrentUser%], [%UserRole_X%] or empty.
func (g *cgen) objCompare(e *model.Entity, depth int) (string, bool) {
	op := allOps[g.r.IntN(2)]
	kind := g.r.IntN(4) // 0, 1: CurrentUser; 2: UserRole; 3: empty
	for range 15 {
		path, end := "id", e
		if !g.pct(20) {
			var ok bool
			path, end, ok = g.objectPath(e, depth)
			if !ok {
				continue
			}
		}
		switch {
		case kind <= 1 && end.IsA(g.user):
			return g.cmp(path, op, "'"+g.sp()+"[%CurrentUser%]"+g.sp()+"'"), true
		case kind == 2 && end.IsA(g.userRole):
			return g.cmp(path, op, "'[%UserRole_"+diffRoles[g.r.IntN(len(diffRoles))]+"%]'"), true
		case kind == 3:
			return g.cmp(path, op, []string{"empty", "NULL", "''"}[g.r.IntN(3)]), true
		}
	}
	return "", false
}

func (g *cgen) exists(e *model.Entity, depth int) (string, bool) {
	path, _, ok := g.objectPath(e, depth)
	if !ok {
		return "", false
	}
	if g.pct(30) {
		return "not(" + path + ")", true
	}
	return path, true
}

// ---- literals ----

// quote writes a string literal; the quote character is doubled inside.
func (g *cgen) quote(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) || g.pct(25) {
		q = `"`
	}
	return q + strings.ReplaceAll(s, q, q+q) + q
}

// strValue is a string near the values of a: one of them, in another case,
// a prefix or extension of one, or a fresh one.
func (g *cgen) strValue(a *model.Attribute) string {
	vals := g.values[a]
	if len(vals) == 0 || g.pct(20) {
		return g.vg.variant(g.vg.str(0) + "x")
	}
	s := vals[g.r.IntN(len(vals))].(string)
	switch g.r.IntN(6) {
	case 0:
		s = prefix(s, g.r.IntN(utf8.RuneCountInString(s)+1))
	case 1:
		s += string(diffRunes[g.r.IntN(len(diffRunes))])
	}
	if s == "" {
		s = "a"
	}
	return g.vg.variant(s)
}

func (g *cgen) intLit(a *model.Attribute) string {
	vals := g.values[a]
	if len(vals) == 0 || g.pct(25) {
		return strconv.FormatInt(g.vg.integer(a.Type == model.TypeLong || g.pct(20)), 10)
	}
	v := big.NewInt(vals[g.r.IntN(len(vals))].(int64))
	v.Add(v, big.NewInt(g.r.Int64N(3)-1))
	if !v.IsInt64() {
		return strconv.FormatInt(vals[0].(int64), 10)
	}
	return v.String()
}

func (g *cgen) decLit(a *model.Attribute) string {
	vals := g.values[a]
	var r *big.Rat
	switch k := g.r.IntN(10); {
	case k == 0:
		return []string{"123456789012345678901234567890", "-123456789012345678901234567890.5", "0.000000001",
			"-0.000000001", "-0", "0.0", "007", "12.50000000000"}[g.r.IntN(8)]
	case k < 3 || len(vals) == 0:
		r = g.vg.decimal()
	default:
		r = new(big.Rat).Set(vals[g.r.IntN(len(vals))].(*big.Rat))
	}
	switch g.r.IntN(6) {
	case 0:
		r.Add(r, big.NewRat(1, 100_000_000))
	case 1:
		r.Sub(r, big.NewRat(1, 100_000_000))
	case 2:
		// Finer than the stores keep: the comparison must still be exact.
		r.Add(r, big.NewRat(int64(g.r.IntN(3))*2-1, 1_000_000_000))
	}
	s := r.FloatString(9)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if r.IsInt() && g.pct(50) {
		s = r.FloatString(0)
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

var lengthTokens = []string{"SecondLength", "MinuteLength", "HourLength", "DayLength", "WeekLength", "MonthLength", "YearLength"}

func (g *cgen) timeLit(a *model.Attribute) string {
	vals := g.values[a]
	var ms int64
	if len(vals) > 0 && g.pct(60) {
		ms = vals[g.r.IntN(len(vals))].(int64) + timeDeltas[g.r.IntN(len(timeDeltas))]
	} else {
		ms = g.vg.instant()
	}
	switch k := g.r.IntN(10); {
	case k < 4:
		return g.tokenLit()
	case k < 5:
		return g.quote(time.UnixMilli(ms).In(g.vg.loc).Format(time.DateOnly))
	default:
		t := time.UnixMilli(ms)
		zones := []*time.Location{time.UTC, g.vg.loc, time.FixedZone("", 5*3600+45*60), time.FixedZone("", -(3*3600 + 30*60)), time.FixedZone("", 14*3600)}
		t = t.In(zones[g.r.IntN(len(zones))])
		layout := "2006-01-02T15:04:05.000Z07:00"
		if t.Nanosecond() == 0 && g.pct(50) {
			layout = time.RFC3339
		}
		return g.quote(t.Format(layout))
	}
}

func (g *cgen) tokenLit() string {
	tok := diffDateTokens[g.r.IntN(len(diffDateTokens))]
	if g.pct(30) {
		tok += "UTC"
	}
	var b strings.Builder
	b.WriteString("'[%" + tok + "%]")
	for k := g.r.IntN(4) - 1; k > 0; k-- {
		b.WriteString(g.sp() + []string{"+", "-"}[g.r.IntN(2)] + g.sp())
		if g.pct(60) {
			fmt.Fprintf(&b, "%d%s*%s", g.r.IntN(40), g.sp(), g.sp())
		}
		b.WriteString("[%" + lengthTokens[g.r.IntN(len(lengthTokens))] + "%]")
	}
	return b.String() + "'"
}
