package model

import (
	"strings"
	"unicode/utf8"
)

// suggest returns the candidate closest to name when it is close enough to
// be a likely typo ("Titel" for "Title"), else "". Case is ignored.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	n := strings.ToLower(name)
	limit := min(2, utf8.RuneCountInString(name)/3)
	for _, c := range candidates {
		if d := editDistance(n, strings.ToLower(c), limit); d <= limit && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (in runes, with
// transpositions counting once), or limit+1 when it is larger than limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit || len(ra) > 200 || len(rb) > 200 {
		return limit + 1
	}
	// Three rows: two back for transpositions.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
