package xpath

import (
	"math/big"

	"github.com/rampart/rampart/internal/model"
)

// A bound constraint is the parsed constraint resolved against the model and
// type-checked. The evaluator and the SQL compiler both walk this form, so
// they agree on what every name means.
//
// Semantics, shared by both (xpath.md, security.md "Client constraints"):
// a PathCond walks Steps from the subject object and applies Pred to the
// Target of every object reached. It holds when some reached value satisfies
// Pred, or when nothing is reached and Pred holds for the empty value. In
// guarded mode (client constraints) a forward step through an association
// the user cannot read, and a target member the user cannot read, count as
// reached but false; objects that are invisible, or reached backwards
// through an association the user cannot read on them, are not reached.

// Bound is a constraint bound to the entity it applies to.
type Bound struct {
	Entity *model.Entity
	Cond   Cond
	Source string // the constraint as written
}

// Cond is a bound condition: *AndCond, *OrCond, *NotCond, *ConstCond or *PathCond.
type Cond interface{ cond() }

// AndCond holds when all terms hold.
type AndCond struct{ Terms []Cond }

// OrCond holds when some term holds.
type OrCond struct{ Terms []Cond }

// NotCond is plain negation.
type NotCond struct{ X Cond }

// ConstCond is true() or false().
type ConstCond struct{ Value bool }

// PathCond is a comparison, a string function or an existence test.
type PathCond struct {
	Col    int
	Steps  []BoundStep
	Target Target
	Pred   Pred
}

// BoundStep walks one association.
type BoundStep struct {
	Col   int
	Assoc *model.Association
	// Forward walks from the association's from side to its to side.
	Forward bool
	// Member is the association as a member of the entity it lives on
	// (the from side): the entity before a forward step, the one reached by
	// a backward step. Guards check the user's right on it.
	Member *model.Member
	// Entity is the entity reached; when it is narrower than the
	// association's end, only objects of Entity (or its specializations) are
	// reached.
	Entity     *model.Entity
	TypeFilter bool
	Filter     Cond // the step's bracket, or nil
}

// TargetKind says what a PathCond reads on each object reached.
type TargetKind uint8

const (
	// TargetObject: the object itself (id, or a path ending at an
	// association or entity). Existence tests use it with PredExists.
	TargetObject TargetKind = iota
	// TargetAttr: an attribute, optionally through a function.
	TargetAttr
)

// Target is what a PathCond reads.
type Target struct {
	Kind   TargetKind
	Member *model.Member // the attribute, for TargetAttr
	Func   string        // "" or a function of Funcs with a numeric result
	UTC    bool          // date-part functions: use UTC, not the app's zone
}

// Attr is the target attribute, or nil.
func (t Target) Attr() *model.Attribute {
	if t.Member == nil {
		return nil
	}
	return t.Member.Attribute
}

// PredKind is the test applied to each value.
type PredKind uint8

const (
	PredCompare PredKind = iota
	PredContains
	PredStartsWith
	PredEndsWith
	PredExists // true for every object reached
)

// Pred is the test applied to each value reached.
type Pred struct {
	Kind  PredKind
	Op    Op
	Value Literal
}

// LitKind is the type of a literal.
type LitKind uint8

const (
	LitEmpty LitKind = iota
	LitString
	LitInt
	LitDecimal
	LitBool
	LitEnum
	LitTime   // milliseconds since the Unix epoch, UTC
	LitObject // only from tokens: CurrentUser, UserRole_NAME
)

// Literal is the value side of a comparison. A token is resolved per
// request: Token is then set and the other fields are unused.
type Literal struct {
	Kind  LitKind
	Str   string   // LitString (as written, not folded), LitEnum
	Int   int64    // LitInt, LitTime
	Dec   *big.Rat // LitDecimal, exact
	Bool  bool
	Token *TokenLit
}

// IsToken reports whether the literal is resolved per request.
func (l Literal) IsToken() bool { return l.Token != nil }

func (*AndCond) cond()   {}
func (*OrCond) cond()    {}
func (*NotCond) cond()   {}
func (*ConstCond) cond() {}
func (*PathCond) cond()  {}

// Funcs with a numeric result, usable as comparison subjects.
var numericFuncs = map[string]bool{
	"string-length": true, "length": true,
	"year-from-dateTime": true, "month-from-dateTime": true, "day-from-dateTime": true,
	"hours-from-dateTime": true, "minutes-from-dateTime": true, "seconds-from-dateTime": true,
	"quarter-from-dateTime": true, "day-of-year-from-dateTime": true, "week-from-dateTime": true,
	"weekday-from-dateTime": true,
}

func ratInt(i int64) *big.Rat { return new(big.Rat).SetInt64(i) }
