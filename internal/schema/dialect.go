package schema

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Dialect is what differs between the stores. Everything else about SQL is
// shared: compiled constraints use only the expressions given here.
type Dialect interface {
	Name() string
	// Rebind turns the '?' placeholders of shared SQL into the dialect's.
	Rebind(sql string) string
	// ColumnType is the SQL type of a column kind.
	ColumnType(k ColumnKind) string
	// DecimalParam is the placeholder for a Decimal value.
	DecimalParam() string
	// DecimalArg converts an exact decimal into a bind argument for
	// comparing with a Decimal column. exact is false when the column's
	// domain cannot hold r; the argument is then the largest domain value
	// below r (callers adjust the operator).
	DecimalArg(r *big.Rat) (arg any, exact bool)
	// BoolArg converts a boolean into a bind argument.
	BoolArg(b bool) any
	// Contains, StartsWith and EndsWith test a folded column against a
	// folded '?' parameter of n code points (n > 0).
	Contains(col string) string
	StartsWith(col string, n int) string
	EndsWith(col string, n int) string
	// StringLength is the length in code points of a String column, 0 when
	// empty.
	StringLength(col string) string
	// True and False are boolean constants usable in WHERE.
	True() string
	False() string
	// AggregateIDs joins the ids an id expression takes over a group into
	// one comma-separated text (NULL for none), in no particular order.
	AggregateIDs(expr string) string
}

// Quote quotes an identifier; model names never contain quotes, but the
// function is total anyway.
func Quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// SQLite is the embedded store's dialect.
var SQLite Dialect = sqlite{}

// Postgres is PostgreSQL's dialect.
var Postgres Dialect = postgres{}

type sqlite struct{}

func (sqlite) Name() string             { return "sqlite" }
func (sqlite) Rebind(sql string) string { return sql }
func (sqlite) ColumnType(k ColumnKind) string {
	switch k {
	case KindID:
		return "INTEGER PRIMARY KEY"
	case KindText, KindFolded, KindDecimal:
		return "TEXT"
	case KindBlob:
		return "BLOB"
	}
	return "INTEGER"
}
func (sqlite) DecimalParam() string { return "?" }
func (sqlite) DecimalArg(r *big.Rat) (any, bool) {
	return EncodeDecimal(r)
}
func (sqlite) BoolArg(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}
func (sqlite) Contains(col string) string { return "instr(" + col + ", ?) > 0" }
func (sqlite) StartsWith(col string, n int) string {
	return "substr(" + col + ", 1, " + strconv.Itoa(n) + ") = ?"
}
func (sqlite) EndsWith(col string, n int) string {
	return "substr(" + col + ", -" + strconv.Itoa(n) + ") = ?"
}
func (sqlite) StringLength(col string) string  { return "coalesce(length(" + col + "), 0)" }
func (sqlite) True() string                    { return "1" }
func (sqlite) AggregateIDs(expr string) string { return "group_concat(" + expr + ")" }
func (sqlite) False() string                   { return "0" }

type postgres struct{}

func (postgres) Name() string { return "postgres" }

// Rebind numbers the placeholders: ? becomes $1, $2, … in order. Shared SQL
// never holds a '?' elsewhere: no literal text is ever spliced into it.
func (postgres) Rebind(sql string) string {
	if strings.IndexByte(sql, '?') < 0 {
		return sql // nothing to do, or already rebound
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(sql); i++ {
		if sql[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(sql[i])
	}
	return b.String()
}
func (postgres) ColumnType(k ColumnKind) string {
	switch k {
	case KindID:
		return "BIGINT PRIMARY KEY"
	case KindText:
		return "TEXT"
	case KindFolded:
		return `TEXT COLLATE "C"`
	case KindDecimal:
		return "NUMERIC(28,8)"
	case KindBool:
		return "BOOLEAN"
	case KindBlob:
		return "BYTEA"
	}
	return "BIGINT"
}
func (postgres) DecimalParam() string { return "CAST(? AS NUMERIC)" }
func (postgres) DecimalArg(r *big.Rat) (any, bool) {
	return ratString(r), true
}
func (postgres) BoolArg(b bool) any         { return b }
func (postgres) Contains(col string) string { return "strpos(" + col + ", ?) > 0" }
func (postgres) StartsWith(col string, n int) string {
	return "left(" + col + ", " + strconv.Itoa(n) + ") = ?"
}
func (postgres) EndsWith(col string, n int) string {
	return "right(" + col + ", " + strconv.Itoa(n) + ") = ?"
}

// StringLength is BIGINT, like every integer the compiler binds: char_length
// alone is an int4, and a literal beyond 32 bits would not bind.
func (postgres) StringLength(col string) string {
	return "CAST(coalesce(char_length(" + col + "), 0) AS BIGINT)"
}
func (postgres) True() string  { return "TRUE" }
func (postgres) False() string { return "FALSE" }

// ratString prints an exact decimal (a Rat whose denominator is a power of
// ten, as parsed from plain notation) in plain notation.
func ratString(r *big.Rat) string {
	for prec := 0; prec <= 64; prec++ {
		s := r.FloatString(prec)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(64)
}

// Decimal storage in SQLite: an order-preserving exact text encoding.
// Values have at most 20 integer and 8 fractional digits (model.md), so
// v·10^8 is an integer below 10^28. The encoding is a sign character
// ('1' for v ≥ 0, '0' for v < 0) and 30 digits: v·10^8 for v ≥ 0, and
// 10^30 + v·10^8 for v < 0. Byte order equals numeric order, and equal
// values have equal encodings.
const decimalDigits = 30

var (
	decScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(8), nil)
	decSpan  = new(big.Int).Exp(big.NewInt(10), big.NewInt(decimalDigits), nil)
	// decLimit bounds what is encoded: values beyond it clamp, which keeps
	// comparisons right because stored values are far smaller.
	decLimit = new(big.Int).Exp(big.NewInt(10), big.NewInt(decimalDigits-1), nil)
)

// EncodeDecimal encodes r for SQLite. When r has more than 8 fractional
// digits (or is beyond the domain) the result encodes the largest
// representable value below r and exact is false.
func EncodeDecimal(r *big.Rat) (string, bool) {
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(decScale))
	n := new(big.Int).Div(scaled.Num(), scaled.Denom()) // Euclidean: floor for positive denominators
	exact := scaled.IsInt()
	if n.CmpAbs(decLimit) > 0 {
		exact = false
		if n.Sign() > 0 {
			n.Set(decLimit)
		} else {
			n.Neg(decLimit)
		}
	}
	if n.Sign() >= 0 {
		return "1" + fmt.Sprintf("%0*s", decimalDigits, n.String()), exact
	}
	return "0" + fmt.Sprintf("%0*s", decimalDigits, new(big.Int).Add(decSpan, n).String()), exact
}

// DecodeDecimal reverses EncodeDecimal for stored (exact) values.
func DecodeDecimal(s string) (*big.Rat, error) {
	if len(s) != decimalDigits+1 || (s[0] != '0' && s[0] != '1') {
		return nil, fmt.Errorf("bad decimal encoding %q", s)
	}
	n, ok := new(big.Int).SetString(s[1:], 10)
	if !ok {
		return nil, fmt.Errorf("bad decimal encoding %q", s)
	}
	if s[0] == '0' {
		n.Sub(n, decSpan)
	}
	return new(big.Rat).SetFrac(n, decScale), nil
}

func (postgres) AggregateIDs(expr string) string {
	return "string_agg(CAST(" + expr + " AS TEXT), ',')"
}
