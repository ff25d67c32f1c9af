package store

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/rampart/rampart/internal/model"
)

// Values of attributes in Go, the same representation the evaluator reads
// (xpath.Data): nil for empty; string for String, Enumeration and
// HashString (the hash); int64 for Integer, Long, AutoNumber and DateTime
// (milliseconds since the Unix epoch); *big.Rat for Decimal; bool for
// Boolean; []byte for Binary.

// FormatDecimal prints a decimal in canonical plain notation: no exponent,
// no leading zeros, no trailing fractional zeros ("12.5", "100", "-0.25").
func FormatDecimal(r *big.Rat) string {
	s := r.FloatString(8)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// ParseDecimal reads a decimal in plain notation within model.md's limits
// (20 integer and 8 fractional digits).
func ParseDecimal(s string) (*big.Rat, error) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(body, ".")
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || strings.HasSuffix(body, ".") {
		return nil, fmt.Errorf("%q is not a decimal in plain notation such as 12.5", s)
	}
	if len(strings.TrimLeft(intPart, "0")) > model.MaxDecimalIntDigits || len(strings.TrimRight(frac, "0")) > model.MaxDecimalFracDigits {
		return nil, fmt.Errorf("%q has more than %d integer or %d fractional digits", s, model.MaxDecimalIntDigits, model.MaxDecimalFracDigits)
	}
	r, ok := new(big.Rat).SetString(body)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal", s)
	}
	if neg {
		r.Neg(r)
	}
	return r, nil
}
