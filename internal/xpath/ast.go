// Package xpath parses Rampart's constraint language, the subset of Mendix XPath described in
// shared/spec/xpath.md, into a syntax tree, and prints that tree back in a canonical form.
//
// The parser checks syntax and the fixed vocabulary only: keywords, function names and token
// names. Entity, association and attribute names are recorded as written, each with its own
// column, and are resolved against the model by a binder.
//
// Every node carries Col, the 1-based column, counted in code points, where it starts in the
// constraint text; errors from later stages report it as "(constraint column N)".
package xpath

// Node is any node of the tree.
type Node interface{ Pos() int }

// Expr is a boolean expression: *Or, *And, *Not, *Compare, *Exists, *Call (contains,
// starts-with, ends-with) or *BoolLit.
type Expr interface {
	Node
	expr()
}

// Subject is the side of a comparison that reads the object: *Path (including id) or *Call
// (string-length, length and the date-part functions).
type Subject interface {
	Node
	subject()
}

// Value is the literal side of a comparison or a function argument: *StringLit, *NumberLit,
// *BoolLit, *Empty, *TokenLit or *Variable.
type Value interface {
	Node
	value()
}

// Constraint is a parsed constraint. Adjacent brackets mean AND; there is at least one.
type Constraint struct {
	Brackets []Expr
}

// Or holds when one of its Terms holds; And when all do. Both have at least two terms, in
// source order: `a or b or c` is one Or with three terms, while `(a or b) or c` keeps its
// parentheses as a nested Or. Col is the column of the first term.
type Or struct {
	Col   int
	Terms []Expr
}

// And: see Or.
type And struct {
	Col   int
	Terms []Expr
}

// Not is `not(X)`.
type Not struct {
	Col int
	X   Expr
}

// Compare is a comparison, normalised so that the subject is on the left: `5 < Amount` is
// stored as Amount > 5 (Op mirrored). Col is the start of the comparison as written.
type Compare struct {
	Col     int
	Op      Op
	Subject Subject
	Value   Value
}

// Exists is a path used as a whole expression: an existence test. The path ends at an
// association or at a step, never at an attribute or id (the parser rejects those).
type Exists struct {
	Col  int
	Path *Path
}

// Call is a function call. Its first argument is always a path (Path). Arg is the second
// argument, or nil: for contains, starts-with and ends-with it is required and may be any
// Value (the binder checks its type); for the date-part functions it is optional and, when
// present, always the string 'UTC'; string-length and length have none.
//
// A Call of contains, starts-with or ends-with is an Expr; the others are Subjects. The
// parser never puts a Call where its kind does not belong.
type Call struct {
	Col  int
	Name string
	Path *Path
	Arg  Value
}

// Path is `id` (ID set, nothing else) or a walk over Steps that ends either at an attribute
// (Attr, unqualified, may be a system member such as createdDate), at an association
// (the last step has no Entity, e.g. System.owner), or at the entity of the last step.
type Path struct {
	Col     int
	ID      bool
	Steps   []Step
	Attr    string
	AttrCol int
}

// Step is `Module.Assoc[reversed()]/Module.Entity[Filter]`. Entity is empty (and Filter nil)
// only for the last step of a path that ends at an association. Col is the column of Assoc.
type Step struct {
	Col       int
	Assoc     string
	Reversed  bool
	Entity    string
	EntityCol int
	Filter    Expr
}

// StringLit is a quoted string without a token; Value has doubled quotes undone.
type StringLit struct {
	Col   int
	Value string
}

// NumberLit keeps the exact text (`-12.50`) so that decimals are never rounded through a float.
type NumberLit struct {
	Col  int
	Text string
}

// BoolLit is `true()` or `false()`, as an expression or as a value.
type BoolLit struct {
	Col   int
	Value bool
}

// Empty is the keyword `empty` or `NULL`, as written.
type Empty struct {
	Col     int
	Keyword string
}

// TokenLit is a quoted token such as '[%CurrentUser%]' or
// '[%BeginOfCurrentDay%] - 30 * [%DayLength%]'. Token is the name between [% and %]; it is
// one of CurrentUser, UserRole_NAME, or a date token (then Terms may follow). Col is the
// column of the opening quote.
type TokenLit struct {
	Col   int
	Token string
	Terms []DurationTerm
}

// DurationTerm is `+ N * [%Unit%]` or `- [%Unit%]` (Count 1) in date arithmetic. Sign is +1 or
// -1; Unit is a length token name such as DayLength; Col is the column of the sign.
type DurationTerm struct {
	Col   int
	Sign  int
	Count int64
	Unit  string
}

// Variable is `$Name`. It is never valid in access rules or page constraints; it is parsed
// only so that the binder can reject it with a clear message.
type Variable struct {
	Col  int
	Name string
}

// Op is a comparison operator.
type Op uint8

// The comparison operators.
const (
	Eq Op = iota // =
	Ne           // !=
	Lt           // <
	Le           // <=
	Gt           // >
	Ge           // >=
)

var opText = [...]string{Eq: "=", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">="}

func (o Op) String() string { return opText[o] }

// Mirror returns the operator that holds for swapped operands: a < b is b > a.
func (o Op) Mirror() Op {
	switch o {
	case Lt:
		return Gt
	case Le:
		return Ge
	case Gt:
		return Lt
	case Ge:
		return Le
	}
	return o
}

func (n *Or) Pos() int        { return n.Col }
func (n *And) Pos() int       { return n.Col }
func (n *Not) Pos() int       { return n.Col }
func (n *Compare) Pos() int   { return n.Col }
func (n *Exists) Pos() int    { return n.Col }
func (n *Call) Pos() int      { return n.Col }
func (n *Path) Pos() int      { return n.Col }
func (n *StringLit) Pos() int { return n.Col }
func (n *NumberLit) Pos() int { return n.Col }
func (n *BoolLit) Pos() int   { return n.Col }
func (n *Empty) Pos() int     { return n.Col }
func (n *TokenLit) Pos() int  { return n.Col }
func (n *Variable) Pos() int  { return n.Col }

func (*Or) expr()      {}
func (*And) expr()     {}
func (*Not) expr()     {}
func (*Compare) expr() {}
func (*Exists) expr()  {}
func (*Call) expr()    {}
func (*BoolLit) expr() {}

func (*Path) subject() {}
func (*Call) subject() {}

func (*StringLit) value() {}
func (*NumberLit) value() {}
func (*BoolLit) value()   {}
func (*Empty) value()     {}
func (*TokenLit) value()  {}
func (*Variable) value()  {}
