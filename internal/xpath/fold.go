package xpath

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold maps s with Unicode simple case folding (CaseFolding.txt statuses C
// and S), without normalization. Strings compare case-insensitively by
// comparing their folds code point by code point; the stores keep a folded
// shadow copy of every String written by this same function, so that no
// database collation or ctype takes part.
func Fold(s string) string {
	// Fast path: nothing to change.
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if foldRune(r) != r {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the CaseFolding.txt target of r: the lower-case member of
// r's case orbit, except for Cherokee, whose folds are the upper-case
// letters (a stability rule of Unicode).
func foldRune(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if unicode.SimpleFold(r) == r {
		return r // no case orbit (such as U+0130 İ, which folds only fully)
	}
	if 0x13A0 <= r && r <= 0x13F5 || 0x13F8 <= r && r <= 0x13FD || 0xAB70 <= r && r <= 0xABBF {
		return unicode.ToUpper(r)
	}
	if c := unicode.ToLower(unicode.ToUpper(r)); c == r || inOrbit(r, c) {
		return c
	}
	if c := unicode.ToLower(r); inOrbit(r, c) {
		return c
	}
	// Defensive: the smallest member of the orbit is a stable representative.
	m := r
	for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
		m = min(m, c)
	}
	return m
}

func inOrbit(r, c rune) bool {
	for x := unicode.SimpleFold(r); x != r; x = unicode.SimpleFold(x) {
		if x == c {
			return true
		}
	}
	return false
}
