package xpath

import (
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/model"
)

// The reference evaluator: the executable definition of what a constraint
// means on objects in memory. It is written for clarity; the SQL compiler
// must agree with it on every object (the differential tests check this).

// Data is an object graph the evaluator reads.
type Data interface {
	// Type is the entity of an object.
	Type(id int64) *model.Entity
	// Attr is an attribute's value: nil when empty, else string (String,
	// Enumeration), int64 (Integer, Long, AutoNumber, DateTime in
	// milliseconds), *big.Rat (Decimal) or bool.
	Attr(id int64, a *model.Attribute) any
	// Linked lists the objects an association links id to: its to side
	// when forward, else its from side.
	Linked(id int64, a *model.Association, forward bool) []int64
}

// Guard limits a client constraint to what the user may see; nil means
// no limit (constraints written in the model).
type Guard interface {
	Visible(id int64) bool
	Readable(id int64, m *model.Member) bool
}

// Eval reports whether b holds for object id.
func Eval(b *Bound, data Data, guard Guard, env *Env, id int64) bool {
	ev := evaluator{data: data, guard: guard, env: env}
	return ev.cond(b.Cond, id)
}

type evaluator struct {
	data  Data
	guard Guard
	env   *Env
}

func (ev *evaluator) cond(c Cond, id int64) bool {
	switch c := c.(type) {
	case *AndCond:
		for _, t := range c.Terms {
			if !ev.cond(t, id) {
				return false
			}
		}
		return true
	case *OrCond:
		for _, t := range c.Terms {
			if ev.cond(t, id) {
				return true
			}
		}
		return false
	case *NotCond:
		return !ev.cond(c.X, id)
	case *ConstCond:
		return c.Value
	case *PathCond:
		return ev.path(c, id)
	}
	panic("unknown condition")
}

// path: some value reached satisfies the predicate, or nothing is reached
// and the predicate holds for the empty value.
func (ev *evaluator) path(c *PathCond, id int64) bool {
	lit := ev.literal(c.Pred.Value)
	if ev.holds(c, lit, id, 0) {
		return true
	}
	return c.Pred.Kind != PredExists && ev.test(c, lit, ev.emptyTarget(c)) && !ev.reaches(c, id, 0)
}

// next lists the objects reached from id by step i.
func (ev *evaluator) next(st BoundStep, id int64) []int64 {
	var out []int64
	for _, y := range ev.data.Linked(id, st.Assoc, st.Forward) {
		if st.TypeFilter && !ev.data.Type(y).IsA(st.Entity) {
			continue
		}
		if ev.guard != nil && (!ev.guard.Visible(y) || !st.Forward && !ev.guard.Readable(y, st.Member)) {
			continue
		}
		if st.Filter != nil && !ev.cond(st.Filter, y) {
			continue
		}
		out = append(out, y)
	}
	return out
}

// blocked reports a forward step through an association the user may not
// read: the comparison then counts as false on that object.
func (ev *evaluator) blocked(st BoundStep, id int64) bool {
	return ev.guard != nil && st.Forward && !ev.guard.Readable(id, st.Member)
}

// reaches reports whether the path from step i reaches anything (a blocked
// step counts as reaching a false value).
func (ev *evaluator) reaches(c *PathCond, id int64, i int) bool {
	if i == len(c.Steps) {
		return true
	}
	st := c.Steps[i]
	if ev.blocked(st, id) {
		return true
	}
	for _, y := range ev.next(st, id) {
		if ev.reaches(c, y, i+1) {
			return true
		}
	}
	return false
}

// holds reports whether some value reached from step i satisfies the test.
func (ev *evaluator) holds(c *PathCond, lit any, id int64, i int) bool {
	if i == len(c.Steps) {
		return ev.atTarget(c, lit, id)
	}
	st := c.Steps[i]
	if ev.blocked(st, id) {
		return false
	}
	for _, y := range ev.next(st, id) {
		if ev.holds(c, lit, y, i+1) {
			return true
		}
	}
	return false
}

func (ev *evaluator) atTarget(c *PathCond, lit any, id int64) bool {
	if c.Pred.Kind == PredExists {
		return true
	}
	if c.Target.Kind == TargetObject {
		return ev.test(c, lit, id)
	}
	if ev.guard != nil && !ev.guard.Readable(id, c.Target.Member) {
		return false
	}
	return ev.test(c, lit, ev.targetValue(c, ev.data.Attr(id, c.Target.Attr())))
}

// targetValue applies the target's function to an attribute value.
func (ev *evaluator) targetValue(c *PathCond, v any) any {
	switch c.Target.Func {
	case "":
		return v
	case "string-length", "length":
		if v == nil {
			return int64(0)
		}
		return int64(utf8.RuneCountInString(v.(string)))
	}
	if v == nil {
		return nil
	}
	loc := ev.env.loc()
	if c.Target.UTC {
		loc = time.UTC
	}
	return DatePart(c.Target.Func, v.(int64), loc)
}

// emptyTarget is the target's value when the path reaches nothing.
func (ev *evaluator) emptyTarget(c *PathCond) any {
	if c.Target.Kind == TargetObject {
		return int64(0)
	}
	return ev.targetValue(c, nil)
}

// literal resolves a literal to the same representation as values, with
// nil (or object id 0) for empty.
func (ev *evaluator) literal(l Literal) any {
	switch {
	case l.Token != nil:
		v, err := ev.env.TokenValue(l.Token)
		if err != nil {
			panic(err)
		}
		return v
	case l.Kind == LitEmpty:
		return nil
	case l.Kind == LitString, l.Kind == LitEnum:
		return l.Str
	case l.Kind == LitInt, l.Kind == LitTime:
		return l.Int
	case l.Kind == LitDecimal:
		return l.Dec
	case l.Kind == LitBool:
		return l.Bool
	}
	return nil
}

// test applies the predicate to one value.
func (ev *evaluator) test(c *PathCond, lit, v any) bool {
	p := c.Pred
	if c.Target.Kind == TargetObject {
		// Object identity; 0 is empty on both sides.
		a, b := v.(int64), int64(0)
		if lit != nil {
			b = lit.(int64)
		}
		if p.Op == Eq {
			return a == b
		}
		return a != b
	}
	switch p.Kind {
	case PredContains, PredStartsWith, PredEndsWith:
		if v == nil {
			return false
		}
		s, t := Fold(v.(string)), Fold(lit.(string))
		switch p.Kind {
		case PredContains:
			return strings.Contains(s, t)
		case PredStartsWith:
			return strings.HasPrefix(s, t)
		}
		return strings.HasSuffix(s, t)
	}
	if v == nil || lit == nil {
		switch p.Op {
		case Eq:
			return v == nil && lit == nil
		case Ne:
			return (v == nil) != (lit == nil)
		}
		return false
	}
	return p.Op.holds(compareValues(v, lit))
}

// compareValues orders two non-empty values of the same type.
func compareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(Fold(a), Fold(b.(string)))
	case int64:
		return cmpInt(a, b.(int64))
	case *big.Rat:
		return a.Cmp(b.(*big.Rat))
	case bool:
		if a == b.(bool) {
			return 0
		}
		return 1 // only = and != apply to Booleans
	}
	panic("uncomparable value")
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (o Op) holds(c int) bool {
	switch o {
	case Eq:
		return c == 0
	case Ne:
		return c != 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	case Gt:
		return c > 0
	}
	return c >= 0
}
