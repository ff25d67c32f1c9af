package xpath

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/model"
)

// ParseAndBind parses a constraint and binds it to entity e.
func ParseAndBind(app *model.App, e *model.Entity, src string) (*Bound, error) {
	c, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return Bind(app, e, c, src)
}

// Bind resolves every name of c against the model, with e as the subject
// entity, and checks the types. Errors are *Error with the column.
func Bind(app *model.App, e *model.Entity, c *Constraint, src string) (b *Bound, err error) {
	defer func() {
		if r := recover(); r != nil {
			be, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			b, err = nil, be
		}
	}()
	bd := binder{app: app, user: app.Entity(model.SystemUser), userRole: app.Entity(model.SystemUserRole)}
	var terms []Cond
	for _, br := range c.Brackets {
		terms = append(terms, bd.expr(e, br))
	}
	return &Bound{Entity: e, Cond: and(terms), Source: src}, nil
}

func and(terms []Cond) Cond {
	if len(terms) == 1 {
		return terms[0]
	}
	return &AndCond{Terms: terms}
}

type binder struct {
	app            *model.App
	user, userRole *model.Entity
}

func fail(col int, format string, args ...any) {
	panic(errorf(col, format, args...))
}

func (b *binder) expr(e *model.Entity, x Expr) Cond {
	switch x := x.(type) {
	case *Or:
		out := &OrCond{}
		for _, t := range x.Terms {
			out.Terms = append(out.Terms, b.expr(e, t))
		}
		return out
	case *And:
		out := &AndCond{}
		for _, t := range x.Terms {
			out.Terms = append(out.Terms, b.expr(e, t))
		}
		return out
	case *Not:
		return &NotCond{X: b.expr(e, x.X)}
	case *BoolLit:
		return &ConstCond{Value: x.Value}
	case *Exists:
		steps, _ := b.steps(e, x.Path.Steps, true)
		return &PathCond{Col: x.Col, Steps: steps, Target: Target{Kind: TargetObject}, Pred: Pred{Kind: PredExists}}
	case *Call:
		return b.stringFunc(e, x)
	case *Compare:
		return b.compare(e, x)
	}
	fail(x.Pos(), "unsupported expression")
	return nil
}

// steps binds association steps from entity e. When the last step has no
// entity (a path ending at an association), the entity reached is the
// association's other end.
func (b *binder) steps(e *model.Entity, in []Step, lastMayEndAtAssoc bool) ([]BoundStep, *model.Entity) {
	var out []BoundStep
	cur := e
	for i, s := range in {
		if s.Entity == "" && !(lastMayEndAtAssoc && i == len(in)-1) {
			fail(s.Col, "association %s must be followed by /Module.Entity", s.Assoc)
		}
		st := b.step(cur, s)
		out = append(out, st)
		cur = st.Entity
	}
	return out, cur
}

func (b *binder) step(cur *model.Entity, s Step) BoundStep {
	st := BoundStep{Col: s.Col}
	var other *model.Entity // the association's end on the far side
	if m := cur.Member(s.Assoc, nil); m != nil && m.Association != nil && !s.Reversed {
		// An association of the current entity (own, inherited or a
		// system member such as System.owner): walk it forward.
		st.Assoc, st.Member, st.Forward, other = m.Association, m, true, m.Association.To
	} else {
		a := b.app.Association(s.Assoc)
		switch {
		case a == nil && (s.Assoc == model.SystemOwner || s.Assoc == model.SystemChangedBy):
			// Backwards through a system association: it belongs to the
			// entity named in the step.
			if !cur.IsA(b.user) || s.Entity == "" {
				fail(s.Col, "%s can be walked backwards only from System.User, to a named entity", s.Assoc)
			}
			target := b.entity(s.Entity, s.EntityCol)
			m := target.Member(s.Assoc, nil)
			if m == nil {
				fail(s.EntityCol, "entity %s has no %s", target.QualifiedName(), s.Assoc)
			}
			st.Assoc, st.Member, other = m.Association, m, m.Association.From
		case a == nil:
			if _, local, _ := strings.Cut(s.Assoc, "."); cur.Member(local, nil) != nil {
				fail(s.Col, "%s is an attribute; attributes are written without a module", s.Assoc)
			}
			fail(s.Col, "unknown association %s", s.Assoc)
		case a.From == nil || a.To == nil:
			fail(s.Col, "association %s has an unknown end", s.Assoc)
		case s.Reversed && a.From != a.To && !cur.IsA(a.To):
			fail(s.Col, "[reversed()] walks %s from %s back to %s, but this step starts at %s", s.Assoc, a.To.QualifiedName(), a.From.QualifiedName(), cur.QualifiedName())
		case cur.IsA(a.To):
			st.Assoc, st.Member, other = a, a.From.Member(a.QualifiedName(), nil), a.From
		default:
			fail(s.Col, "association %s goes from %s to %s and cannot be walked from %s", s.Assoc, a.From.QualifiedName(), a.To.QualifiedName(), cur.QualifiedName())
		}
	}
	st.Entity = other
	if s.Entity != "" {
		named := b.entity(s.Entity, s.EntityCol)
		if !named.IsA(other) {
			fail(s.EntityCol, "%s reaches %s, and %s is not %s or a specialization of it", s.Assoc, other.QualifiedName(), named.QualifiedName(), other.QualifiedName())
		}
		st.Entity, st.TypeFilter = named, named != other
	}
	if s.Filter != nil {
		st.Filter = b.expr(st.Entity, s.Filter)
	}
	return st
}

func (b *binder) entity(name string, col int) *model.Entity {
	e := b.app.Entity(name)
	if e == nil {
		fail(col, "unknown entity %s", name)
	}
	return e
}

// attr resolves the attribute at the end of a path.
func (b *binder) attr(e *model.Entity, name string, col int) *model.Member {
	m := e.Member(name, nil)
	if m == nil {
		if strings.Contains(name, ".") {
			fail(col, "unknown association %s", name)
		}
		fail(col, "entity %s has no attribute %s", e.QualifiedName(), name)
	}
	if m.Association != nil {
		fail(col, "%s is an association", name)
	}
	return m
}

func (b *binder) stringFunc(e *model.Entity, x *Call) Cond {
	kinds := map[string]PredKind{"contains": PredContains, "starts-with": PredStartsWith, "ends-with": PredEndsWith}
	kind, ok := kinds[x.Name]
	if !ok {
		fail(x.Col, "%s() yields a number; compare it, as in %s(…) > 3", x.Name, x.Name)
	}
	steps, end := b.steps(e, x.Path.Steps, false)
	if x.Path.ID || x.Path.Attr == "" {
		fail(x.Path.Col, "the first argument of %s() must end in a String attribute", x.Name)
	}
	m := b.attr(end, x.Path.Attr, x.Path.AttrCol)
	if m.Attribute.Type != model.TypeString {
		fail(x.Path.AttrCol, "%s() needs a String attribute, but %s is %s", x.Name, m.Name, m.Attribute.Type)
	}
	var lit Literal
	switch v := x.Arg.(type) {
	case *StringLit:
		lit = Literal{Kind: LitString, Str: v.Value}
	case *Empty:
		lit = Literal{Kind: LitString}
	case *Variable:
		b.variable(v)
	default:
		fail(x.Arg.Pos(), "the second argument of %s() must be a string", x.Name)
	}
	return &PathCond{Col: x.Col, Steps: steps, Target: Target{Kind: TargetAttr, Member: m}, Pred: Pred{Kind: kind, Value: lit}}
}

func (b *binder) variable(v *Variable) {
	fail(v.Col, "variables ($%s) are not allowed in access rules or page constraints", v.Name)
}

func (b *binder) compare(e *model.Entity, x *Compare) Cond {
	if v, ok := x.Value.(*Variable); ok {
		b.variable(v)
	}
	pc := &PathCond{Col: x.Col, Pred: Pred{Kind: PredCompare, Op: x.Op}}
	switch s := x.Subject.(type) {
	case *Call:
		if !numericFuncs[s.Name] {
			fail(s.Col, "%s() is a condition and cannot be compared", s.Name)
		}
		steps, end := b.steps(e, s.Path.Steps, false)
		if s.Path.ID || s.Path.Attr == "" {
			fail(s.Path.Col, "the argument of %s() must end in an attribute", s.Name)
		}
		m := b.attr(end, s.Path.Attr, s.Path.AttrCol)
		want := model.TypeDateTime
		if s.Name == "string-length" || s.Name == "length" {
			want = model.TypeString
		}
		if m.Attribute.Type != want {
			fail(s.Path.AttrCol, "%s() needs a %s attribute, but %s is %s", s.Name, want, m.Name, m.Attribute.Type)
		}
		pc.Steps = steps
		pc.Target = Target{Kind: TargetAttr, Member: m, Func: s.Name, UTC: s.Arg != nil}
		pc.Pred.Value = b.number(x.Value, model.TypeInteger, s.Name+"()")
		return pc
	case *Path:
		if s.ID {
			pc.Target = Target{Kind: TargetObject}
			pc.Pred.Value = b.object(e, x, "id")
			return pc
		}
		steps, end := b.steps(e, s.Steps, true)
		pc.Steps = steps
		if s.Attr == "" {
			pc.Target = Target{Kind: TargetObject}
			pc.Pred.Value = b.object(end, x, "association "+s.Steps[len(s.Steps)-1].Assoc)
			return pc
		}
		m := b.attr(end, s.Attr, s.AttrCol)
		pc.Target = Target{Kind: TargetAttr, Member: m}
		pc.Pred.Value = b.literal(m, x)
		return pc
	}
	fail(x.Col, "unsupported comparison")
	return nil
}

// object types the value compared with an object identity: a token that
// yields an object, or empty.
func (b *binder) object(end *model.Entity, x *Compare, what string) Literal {
	if x.Op != Eq && x.Op != Ne {
		fail(x.Col, "%s compares only with = and !=", what)
	}
	switch v := x.Value.(type) {
	case *Empty:
		return Literal{Kind: LitEmpty}
	case *StringLit:
		if v.Value == "" {
			return Literal{Kind: LitEmpty}
		}
	case *TokenLit:
		switch {
		case v.Token == "CurrentUser":
			if !end.IsA(b.user) {
				fail(v.Col, "[%%CurrentUser%%] is a System.User, but %s leads to %s", what, end.QualifiedName())
			}
			return Literal{Kind: LitObject, Token: v}
		case strings.HasPrefix(v.Token, "UserRole_"):
			name := strings.TrimPrefix(v.Token, "UserRole_")
			if b.app.UserRole(name) == nil {
				fail(v.Col, "unknown user role %s in [%%%s%%]", name, v.Token)
			}
			if !end.IsA(b.userRole) {
				fail(v.Col, "[%%%s%%] is a System.UserRole, but %s leads to %s", v.Token, what, end.QualifiedName())
			}
			return Literal{Kind: LitObject, Token: v}
		}
	}
	fail(x.Value.Pos(), "%s compares only with [%%CurrentUser%%], a [%%UserRole_NAME%%] token or empty", what)
	return Literal{}
}

// literal types the value compared with attribute m.
func (b *binder) literal(m *model.Member, x *Compare) Literal {
	a := m.Attribute
	if a.Type == model.TypeHashString || a.Type == model.TypeBinary {
		// Not even with empty: whether a password is set is not a
		// condition a constraint may ask.
		fail(x.Col, "%s is %s and cannot be compared", a.Name, a.Type)
	}
	if _, ok := x.Value.(*Empty); ok {
		return Literal{Kind: LitEmpty}
	}
	if v, ok := x.Value.(*StringLit); ok && v.Value == "" {
		return Literal{Kind: LitEmpty}
	}
	eqOnly := func() {
		if x.Op != Eq && x.Op != Ne {
			fail(x.Col, "%s is %s and compares only with = and !=", a.Name, a.Type)
		}
	}
	switch a.Type {
	case model.TypeString:
		if v, ok := x.Value.(*StringLit); ok {
			return Literal{Kind: LitString, Str: v.Value}
		}
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber, model.TypeDecimal:
		return b.number(x.Value, a.Type, a.Name)
	case model.TypeBoolean:
		eqOnly()
		switch v := x.Value.(type) {
		case *BoolLit:
			return Literal{Kind: LitBool, Bool: v.Value}
		case *StringLit:
			if v.Value == "true" || v.Value == "false" {
				return Literal{Kind: LitBool, Bool: v.Value == "true"}
			}
		}
		fail(x.Value.Pos(), "%s is Boolean: compare it with true() or false()", a.Name)
	case model.TypeEnumeration:
		eqOnly()
		if v, ok := x.Value.(*StringLit); ok {
			if a.Enum != nil && !a.Enum.Has(v.Value) {
				fail(v.Col, "'%s' is not a key of enumeration %s", v.Value, a.Enum.QualifiedName())
			}
			return Literal{Kind: LitEnum, Str: v.Value}
		}
	case model.TypeDateTime:
		switch v := x.Value.(type) {
		case *TokenLit:
			if classifyToken(v.Token) != dateToken {
				fail(v.Col, "%s is DateTime and compares with dates, not [%%%s%%]", a.Name, v.Token)
			}
			return Literal{Kind: LitTime, Token: v}
		case *StringLit:
			ms, err := b.parseTime(v.Value)
			if err != nil {
				fail(v.Col, "%s is DateTime: %v", a.Name, err)
			}
			return Literal{Kind: LitTime, Int: ms}
		}
	}
	fail(x.Value.Pos(), "%s is %s and cannot be compared with %s", a.Name, a.Type, Format(x.Value))
	return Literal{}
}

// number types a numeric literal for an integer or decimal subject.
func (b *binder) number(v Value, t model.AttrType, what string) Literal {
	n, ok := v.(*NumberLit)
	if !ok {
		if _, isEmpty := v.(*Empty); isEmpty {
			return Literal{Kind: LitEmpty}
		}
		fail(v.Pos(), "%s is a number and compares with numbers, not %s", what, Format(v))
	}
	if t == model.TypeDecimal {
		r, ok := new(big.Rat).SetString(n.Text)
		if !ok {
			fail(n.Col, "invalid number %s", n.Text)
		}
		return Literal{Kind: LitDecimal, Dec: r}
	}
	i, err := strconv.ParseInt(n.Text, 10, 64)
	if err != nil {
		if strings.Contains(n.Text, ".") {
			fail(n.Col, "%s is a whole number and compares with whole numbers, not %s", what, n.Text)
		}
		fail(n.Col, "number %s is out of range", n.Text)
	}
	return Literal{Kind: LitInt, Int: i}
}

// parseTime reads an RFC 3339 date-time or a YYYY-MM-DD date, which means
// midnight in the app's time zone. Values are instants with millisecond
// precision, so finer literals are refused rather than rounded.
func (b *binder) parseTime(s string) (int64, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		// The date's first instant, as for [%BeginOfCurrentDay%]: where the
		// clocks skip midnight, time.Date would land on the day before.
		y, m, dd := d.Date()
		return wallFloor(time.Date(y, m, dd, 12, 0, 0, 0, b.app.TimeZone), day).UnixMilli(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("'%s' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with an offset", s)
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return 0, fmt.Errorf("'%s' is more precise than a millisecond", s)
	}
	return t.UnixMilli(), nil
}
