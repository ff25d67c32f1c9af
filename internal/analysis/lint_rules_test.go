package analysis_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/analysis"
)

// A lint case is one insecure model and a close variant of it, in one file
// under testdata/lint:
//
//	# what the case shows
//	want RULE SEVERITY FILE:LINE:COL     (one line per expected finding)
//	-- app.yaml --
//	...
//	-- modules/Shop.yaml --
//	...
//	-- negative --
//	FILE: OLD => NEW                     (edits; \n in OLD or NEW is a newline;
//	                                      `FILE: OLD =>` deletes OLD)
//
// The rule of the want lines must report exactly those findings on the model
// (severity and location), and nothing at all on the model with the edits of
// the negative section applied.
type lintCase struct {
	name  string
	rule  string
	wants []string // "SEVERITY FILE:LINE:COL"
	files fstest.MapFS
	edits map[string][][2]string
}

func readLintCase(t *testing.T, path string) lintCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := lintCase{name: strings.TrimSuffix(filepath.Base(path), ".txt"), files: fstest.MapFS{}, edits: map[string][][2]string{}}
	section := ""
	var body strings.Builder
	flush := func() {
		if section != "" && section != "negative" {
			c.files[section] = &fstest.MapFile{Data: []byte(body.String())}
		}
		body.Reset()
	}
	for i, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") {
			flush()
			section = strings.TrimSuffix(strings.TrimPrefix(trimmed, "-- "), " --")
			continue
		}
		switch section {
		case "":
			fields := strings.Fields(trimmed)
			switch {
			case len(fields) == 0 || strings.HasPrefix(trimmed, "#"):
			case fields[0] == "want" && len(fields) == 4:
				if c.rule != "" && c.rule != fields[1] {
					t.Fatalf("%s:%d: a case tests one rule", path, i+1)
				}
				c.rule = fields[1]
				c.wants = append(c.wants, fields[2]+" "+fields[3])
			default:
				t.Fatalf("%s:%d: want a comment or `want RULE SEVERITY FILE:LINE:COL`, got %q", path, i+1, trimmed)
			}
		case "negative":
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			file, rest, ok1 := strings.Cut(trimmed, ": ")
			old, new, ok2 := strings.Cut(rest, " => ")
			if r, ok := strings.CutSuffix(rest, " =>"); ok && !ok2 {
				old, new, ok2 = r, "", true // deletes OLD
			}
			if !ok1 || !ok2 {
				t.Fatalf("%s:%d: want `FILE: OLD => NEW`, got %q", path, i+1, trimmed)
			}
			unescape := strings.NewReplacer(`\n`, "\n").Replace
			c.edits[file] = append(c.edits[file], [2]string{unescape(old), unescape(new)})
		default:
			body.WriteString(line)
		}
	}
	flush()
	if c.rule == "" || len(c.files) == 0 || len(c.edits) == 0 {
		t.Fatalf("%s: a case needs want lines, model files and a negative section", path)
	}
	return c
}

func lintCases(t *testing.T) []lintCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "lint", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no lint cases: %v", err)
	}
	var out []lintCase
	for _, p := range paths {
		out = append(out, readLintCase(t, p))
	}
	return out
}

// findingsOf lists a rule's findings as "SEVERITY FILE:LINE:COL".
func findingsOf(fs []analysis.Finding, rule string) []string {
	var out []string
	for _, f := range fs {
		if f.Rule.ID == rule {
			out = append(out, f.Severity.String()+" "+f.Pos.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestLintRules(t *testing.T) {
	for _, c := range lintCases(t) {
		t.Run(c.name, func(t *testing.T) {
			app, eng := loadFS(t, c.files)
			fs := analysis.Lint(app, eng)
			want := slices.Sorted(slices.Values(c.wants))
			if got := findingsOf(fs, c.rule); !slices.Equal(got, want) {
				t.Errorf("%s on the insecure model: got %q, want %q", c.rule, got, want)
				for _, f := range fs {
					t.Logf("  %s %s %s: %s", f.Pos, f.Severity, f.Rule.ID, f.Message)
				}
			}
			for _, f := range fs {
				if f.Rule.ID == c.rule && f.Severity > f.Rule.Max {
					t.Errorf("%s reports %s, above its declared maximum %s", c.rule, f.Severity, f.Rule.Max)
				}
			}
			neg, negEng := loadFS(t, editedFS(t, c.files, c.edits))
			if got := findingsOf(analysis.Lint(neg, negEng), c.rule); len(got) > 0 {
				t.Errorf("%s on the close variant: got %q, want nothing", c.rule, got)
			}
		})
	}
}

// TestLintRuleCoverage: every rule has an insecure model and a close
// variant, and every rule is well described.
func TestLintRuleCoverage(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range lintCases(t) {
		covered[c.rule] = true
	}
	ids := map[string]bool{}
	names := map[string]bool{}
	for i, r := range analysis.Rules {
		if !covered[r.ID] {
			t.Errorf("rule %s (%s) has no case under testdata/lint", r.ID, r.Name)
		}
		if ids[r.ID] || names[r.Name] {
			t.Errorf("rule %s %s: duplicate id or name", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		if i > 0 && analysis.Rules[i-1].ID >= r.ID {
			t.Errorf("rules are not in id order at %s", r.ID)
		}
		if r.Summary == "" || !strings.HasSuffix(r.Help, ".") || r.Max == 0 {
			t.Errorf("rule %s needs a summary, a help sentence and a maximum severity", r.ID)
		}
	}
	for id := range covered {
		if !ids[id] {
			t.Errorf("testdata/lint tests unknown rule %s", id)
		}
	}
}

// TestFindingShape: on every case model, each finding points into a file of
// the model and has a one-sentence message and remedy.
func TestFindingShape(t *testing.T) {
	for _, c := range lintCases(t) {
		app, eng := loadFS(t, c.files)
		for _, f := range analysis.Lint(app, eng) {
			if _, ok := c.files[f.Pos.File]; !ok || f.Pos.Line < 1 || f.Pos.Col < 1 {
				t.Errorf("%s: %s points at %s, not into a model file", c.name, f.Rule.ID, f.Pos)
			}
			for _, s := range []string{f.Message, f.Remedy} {
				if s == "" || !strings.HasSuffix(s, ".") || strings.Contains(s, "\n") {
					t.Errorf("%s: %s: %q is not one sentence", c.name, f.Rule.ID, s)
				}
			}
		}
	}
}
