package model

import (
	"strings"
	"testing"
	"time"
)

func TestTooDeep(t *testing.T) {
	deep := strings.Repeat("[", maxNesting+1)
	for _, tc := range []struct {
		name      string
		src       string
		line, col int // 0: not too deep
	}{
		{"flow lists", "a: " + deep, 1, 4 + maxNesting},
		{"flow mappings", "a:\n  b: " + strings.Repeat("{x: ", maxNesting+1), 2, 6 + 4*maxNesting},
		{"at the limit", "a: " + strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting), 0, 0},
		{"closed then opened", strings.Repeat("a: "+strings.Repeat("[", 60)+strings.Repeat("]", 60)+"\n", 10), 0, 0},
		{"dashes", strings.Repeat("- ", maxNesting+1) + "x", 1, 1 + 2*maxNesting},
		{"dashes over lines", strings.Repeat("- x\n", 500), 0, 0},
		{"double quoted", `a: "` + deep + `"`, 0, 0},
		{"double quoted escape", `a: "\"` + deep + `"`, 0, 0},
		{"single quoted", `a: '` + deep + `'`, 0, 0},
		{"single quoted escape", `a: 'it''s ` + deep + `'`, 0, 0},
		{"quoted in flow", `a: [x, "` + deep + `"]`, 0, 0},
		{"comment", "a: 1 # " + deep, 0, 0},
		{"plain text", "a: b" + deep, 0, 0},
		{"plain text with a quote", "a: Manager's " + deep, 0, 0},
		{"xpath", `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Draft']"`, 0, 0},
		{"many brackets in many texts", strings.Repeat("t: a[b\n", 500), 0, 0},
	} {
		line, col, deep := tooDeep([]byte(tc.src))
		if deep != (tc.line > 0) || line != tc.line || col != tc.col {
			t.Errorf("%s: tooDeep = %d:%d %v, want %d:%d", tc.name, line, col, deep, tc.line, tc.col)
		}
	}
}

// TestParseYAMLDeep: hostile nesting is refused at once, where the YAML
// library would take minutes (it found by FuzzLoad).
func TestParseYAMLDeep(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("[", 64<<10),
		strings.Repeat("{a: ", 16<<10),
		strings.Repeat("- ", 32<<10) + "x",
	} {
		start := time.Now()
		_, _, err := parseYAML("app.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "nest more than") {
			t.Errorf("%.10q…: %v", src, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.10q…: took %s", src, d)
		}
	}
}

func TestParseYAML(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		err       string // part of the error, "" for none
		dups      int
	}{
		{"empty", "", "", 0},
		{"comment only", "# nothing\n", "", 0},
		{"byte order mark", "\xef\xbb\xbfname: x\n", "", 0},
		{"anchor", "a: &x 1\nb: *x\n", "anchors, aliases and merge keys", 0},
		{"merge key", "a: {x: 1}\nb:\n  <<: {x: 2}\n", "anchors, aliases and merge keys", 0},
		{"tag", "a: !!str 1\n", "tags are not supported", 0},
		{"two documents", "a: 1\n---\nb: 2\n", "one YAML document", 0},
		{"syntax", "a: [1, 2\n", "YAML:", 0},
		{"list as key", "[a]: 1\n", "YAML:", 0},
		{"duplicates", "a: 1\nb: 2\na: 3\nb: {c: 1, c: 2}\n", "", 3},
	} {
		root, dups, err := parseYAML("f.yaml", []byte(tc.src))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case len(dups) != tc.dups:
			t.Errorf("%s: %d duplicates, want %d", tc.name, len(dups), tc.dups)
		}
		if tc.name == "byte order mark" && (root == nil || root.pairs[0].key != "name" || root.pairs[0].keyPos.Col != 1) {
			t.Errorf("byte order mark: %+v", root)
		}
		if tc.name == "duplicates" {
			// The first of each key is kept.
			if len(root.pairs) != 2 || root.pairs[0].value.raw != "1" || root.pairs[1].value.kind != scalarNode {
				t.Errorf("duplicates: kept %+v", root.pairs)
			}
		}
	}

	// Scalars keep their text as written and whether they were quoted.
	root, _, err := parseYAML("f.yaml", []byte("a: 007\nb: \"x\"\nc: 'y'\nd: |\n  z\ne: ~\nf:\ng: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		raw    string
		quoted bool
		null   bool
	}{
		"a": {"007", false, false}, "b": {"x", true, false}, "c": {"y", true, false}, "d": {"z\n", true, false},
		"e": {"~", false, true}, "f": {"", false, true}, "g": {"true", false, false},
	}
	for _, p := range root.pairs {
		w := want[p.key]
		if p.value.raw != w.raw || p.value.quoted != w.quoted || p.value.isNull() != w.null {
			t.Errorf("%s: raw %q quoted %v null %v", p.key, p.value.raw, p.value.quoted, p.value.isNull())
		}
	}
}
