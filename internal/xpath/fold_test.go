package xpath

import (
	"testing"
	"unicode"
)

// Every rune of a case orbit must fold to the same member of that orbit:
// that is what makes folded comparison a case-insensitive equality.
func TestFoldOrbits(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.SimpleFold(r) == r {
			if f := foldRune(r); f != r {
				t.Fatalf("fold(%U) = %U, but %U has no case orbit", r, f, r)
			}
			continue
		}
		f := foldRune(r)
		if f != r && !inOrbit(r, f) {
			t.Fatalf("fold(%U) = %U, outside its orbit", r, f)
		}
		for c := unicode.SimpleFold(r); c != r; c = unicode.SimpleFold(c) {
			if foldRune(c) != f {
				t.Fatalf("fold(%U) = %U but fold(%U) = %U", r, f, c, foldRune(c))
			}
		}
	}
}

// Entries of CaseFolding.txt (status C or S) that a plain ToLower gets wrong
// or that have more than two members.
func TestFoldKnownTargets(t *testing.T) {
	cases := map[rune]rune{
		'A': 'a', 'ς': 'σ', 'Σ': 'σ', 'ſ': 's', 'K': 'k', 'Å': 'å', 'ẞ': 'ß',
		'µ': 'μ', 'ϑ': 'θ', 'ϴ': 'θ', 'ͅ': 'ι', 'ι': 'ι', 'ǅ': 'ǆ', 'ẛ': 'ṡ', 'ᲀ': 'в',
		'Ა': 'ა', 'ꭰ': 'Ꭰ', 'ᏸ': 'Ᏸ', 'Ꭰ': 'Ꭰ', 'İ': 'İ', 'ı': 'ı', 'ß': 'ß', 'ǈ': 'ǉ',
	}
	for in, want := range cases {
		if got := foldRune(in); got != want {
			t.Errorf("fold(%U %c) = %U %c, want %U %c", in, in, got, got, want, want)
		}
	}
	if got := Fold("Straße ΣΟΦΟΣ"); got != "straße σοφοσ" {
		t.Errorf("Fold = %q", got)
	}
}
