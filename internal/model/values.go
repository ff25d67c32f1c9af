package model

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

var decimalRe = regexp.MustCompile(`^-?([0-9]+)(?:\.([0-9]+))?$`)

// Decimal limits of model.md.
const (
	MaxDecimalIntDigits  = 20
	MaxDecimalFracDigits = 8
)

// CheckValue checks that text is a valid value of attribute a, as written
// in the model (defaults). Empty text means "no value".
func CheckValue(a *Attribute, text string) error {
	if text == "" {
		if a.Type == TypeBoolean {
			return fmt.Errorf("a Boolean default is true or false")
		}
		return nil
	}
	switch a.Type {
	case TypeString:
		if n := utf8.RuneCountInString(text); a.Length > 0 && n > a.Length {
			return fmt.Errorf("%q has %d characters, more than the length %d", text, n, a.Length)
		}
	case TypeInteger:
		if _, err := strconv.ParseInt(text, 10, 32); err != nil {
			return fmt.Errorf("%q is not a 32-bit whole number", text)
		}
	case TypeLong:
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			return fmt.Errorf("%q is not a 64-bit whole number", text)
		}
	case TypeDecimal:
		m := decimalRe.FindStringSubmatch(text)
		if m == nil {
			return fmt.Errorf("%q is not a decimal in plain notation such as 12.5", text)
		}
		if len(m[1]) > MaxDecimalIntDigits || len(m[2]) > MaxDecimalFracDigits {
			return fmt.Errorf("%q has more than %d integer or %d fractional digits", text, MaxDecimalIntDigits, MaxDecimalFracDigits)
		}
	case TypeBoolean:
		if text != "true" && text != "false" {
			return fmt.Errorf("%q is not true or false", text)
		}
	case TypeDateTime:
		if _, err := time.Parse(time.RFC3339Nano, text); err != nil {
			if _, err := time.Parse(time.DateOnly, text); err != nil {
				return fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 date-time", text)
			}
		}
	case TypeEnumeration:
		if a.Enum != nil && !a.Enum.Has(text) {
			return fmt.Errorf("%q is not a key of enumeration %s (keys: %s)", text, a.Enum.QualifiedName(), enumKeys(a.Enum))
		}
	}
	return nil
}

func enumKeys(e *Enumeration) string {
	s := ""
	for i, v := range e.Values {
		if i > 0 {
			s += ", "
		}
		s += v.Key
	}
	return s
}
