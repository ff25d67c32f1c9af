package analysis_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart/rampart/internal/analysis"
)

const governanceDoc = "../../docs/governance.md"

// docSchemas compiles the JSON schemas of docs/governance.md: each is the
// ```json block after a `<!-- schema: NAME -->` line.
func docSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	doc, err := os.ReadFile(governanceDoc)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- schema: ([a-z]+) -->\n```json\n(.*?)\n```")
	out := map[string]*jsonschema.Schema{}
	for _, m := range re.FindAllSubmatch(doc, -1) {
		name := string(m[1])
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(m[2]))
		if err != nil {
			t.Fatalf("schema %s in %s: %v", name, governanceDoc, err)
		}
		url := "https://rampart.invalid/governance/" + name + ".json"
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(url, v); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			t.Fatalf("schema %s in %s: %v", name, governanceDoc, err)
		}
		out[name] = sch
	}
	for _, name := range []string{"overview", "explain", "lint", "diff"} {
		if out[name] == nil {
			t.Fatalf("%s has no schema %q", governanceDoc, name)
		}
	}
	return out
}

func validateJSON(t *testing.T, sch *jsonschema.Schema, what string, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Errorf("%s: not JSON: %v", what, err)
		return
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not follow the schema of docs/governance.md: %v", what, err)
	}
}

// TestDocumentedSchemas validates the JSON of every command against the
// schemas documented in docs/governance.md: the golden files, and the
// overview and lint output of every lint case model.
func TestDocumentedSchemas(t *testing.T) {
	schemas := docSchemas(t)
	golden, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.json"))
	if err != nil || len(golden) == 0 {
		t.Fatalf("no golden JSON: %v", err)
	}
	for _, p := range golden {
		base := filepath.Base(p)
		kind := strings.SplitN(strings.TrimSuffix(base, ".json"), "-", 2)[0]
		sch := schemas[kind]
		if sch == nil {
			t.Fatalf("%s: no schema for %q", p, kind)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		validateJSON(t, sch, p, b)
	}
	for _, c := range lintCases(t) {
		app, eng := loadFS(t, c.files)
		var ov, lint bytes.Buffer
		if err := analysis.BuildOverview(app, eng, "").WriteJSON(&ov); err != nil {
			t.Fatal(err)
		}
		if err := analysis.WriteFindingsJSON(&lint, analysis.Lint(app, eng)); err != nil {
			t.Fatal(err)
		}
		validateJSON(t, schemas["overview"], c.name+" overview", ov.Bytes())
		validateJSON(t, schemas["lint"], c.name+" lint", lint.Bytes())
	}
	// An empty diff and an empty finding list.
	var diff, lint bytes.Buffer
	if err := analysis.WriteDiffJSON(&diff, nil); err != nil {
		t.Fatal(err)
	}
	if err := analysis.WriteFindingsJSON(&lint, nil); err != nil {
		t.Fatal(err)
	}
	validateJSON(t, schemas["diff"], "empty diff", diff.Bytes())
	validateJSON(t, schemas["lint"], "no findings", lint.Bytes())
	// The schemas are not vacuous.
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"findings": [{"rule": "RPL001", "severity": "grave"}]}`))
	if schemas["lint"].Validate(inst) == nil {
		t.Errorf("the lint schema accepts a bad finding")
	}
}

// TestDocumentedRules: every rule is in the table of docs/governance.md,
// with its name and maximum severity, and the table has no other rule.
func TestDocumentedRules(t *testing.T) {
	doc, err := os.ReadFile(governanceDoc)
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^\| <a id="(rpl\d{3})"></a>(RPL\d{3}) \| `+"`([a-z-]+)`"+` \| ([a-z]+) \| (.+) \| (.+) \|$`).FindAllStringSubmatch(string(doc), -1)
	documented := map[string][]string{}
	for _, r := range rows {
		documented[r[2]] = r
		if r[1] != strings.ToLower(r[2]) {
			t.Errorf("%s: anchor %s", r[2], r[1])
		}
	}
	for _, r := range analysis.Rules {
		row := documented[r.ID]
		if row == nil {
			t.Errorf("%s (%s) is not in the rule table of %s", r.ID, r.Name, governanceDoc)
			continue
		}
		if row[3] != r.Name || row[4] != r.Max.String() {
			t.Errorf("%s: documented as %s, %s; the rule is %s, %s", r.ID, row[3], row[4], r.Name, r.Max)
		}
		delete(documented, r.ID)
	}
	for id := range documented {
		t.Errorf("%s documents rule %s, which does not exist", governanceDoc, id)
	}
	if len(rows) != len(analysis.Rules) {
		t.Errorf("%d rows for %d rules", len(rows), len(analysis.Rules))
	}
}
