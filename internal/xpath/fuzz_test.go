package xpath

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that the canonical form of whatever it accepts
// parses to the same tree and prints identically (the round trip the binder and the SQL
// golden tests rely on).
func FuzzParse(f *testing.F) {
	for _, src := range specExamples {
		f.Add(src)
	}
	for _, tc := range validCases {
		f.Add(tc.src)
	}
	for _, tc := range errorCases {
		if len(tc.src) <= 1024 {
			f.Add(tc.src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) returned %T, want *Error", src, err)
			}
			return
		}
		s := c.String()
		if len(s) > MaxLength {
			return // canonical spacing can push a near-limit constraint over the limit
		}
		c2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q fails: %v", src, s, err)
		}
		if s2 := c2.String(); s2 != s {
			t.Fatalf("canonical form not stable:\n%q\n%q", s, s2)
		}
		if !reflect.DeepEqual(stripCols(c), stripCols(c2)) {
			t.Fatalf("Parse(%q) and Parse(%q) differ", src, s)
		}
	})
}
