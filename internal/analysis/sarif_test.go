package analysis_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// sarifSchema compiles the OASIS SARIF 2.1.0 schema (testdata, see
// SARIF-SCHEMA-NOTICE), asserting formats such as uri.
func sarifSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	fixRegionAnyOf(t, doc)
	const url = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// fixRegionAnyOf applies the upstream fix of oasis-tcs/sarif-spec issue
// #578 in memory: Errata 01 put region's "at least one of startLine,
// charOffset, byteOffset" constraint under region.properties, where no
// JSON Schema meta-schema accepts an array; the corrected schema has it on
// region itself. The file in testdata stays exactly as published.
func fixRegionAnyOf(t testing.TB, doc any) {
	t.Helper()
	defs, _ := doc.(map[string]any)["definitions"].(map[string]any)
	region, _ := defs["region"].(map[string]any)
	props, _ := region["properties"].(map[string]any)
	anyOf, ok := props["anyOf"]
	if !ok {
		return // a schema without the defect
	}
	delete(props, "anyOf")
	region["anyOf"] = anyOf
}

func validateSARIF(t *testing.T, sch *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("not valid SARIF 2.1.0: %v", err)
	}
}

// sarifLog is the part of a SARIF log the tests look at.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID                   string `json:"id"`
					Help                 struct{ Text string }
					DefaultConfiguration struct{ Level string }
					Properties           map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string         `json:"ruleId"`
			RuleIndex int            `json:"ruleIndex"`
			Level     string         `json:"level"`
			Props     map[string]any `json:"properties"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					Region           struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// TestLintSARIF validates the lint SARIF of every golden app and every lint
// case against the official schema, and checks what code scanning needs:
// every rule declared with help text, results pointing at their rule, a
// physical location, and levels following the severity.
func TestLintSARIF(t *testing.T) {
	sch := sarifSchema(t)
	type input struct {
		name string
		fs   []analysis.Finding
	}
	var inputs []input
	for _, g := range goldenApps {
		app, eng := g.load(t)
		inputs = append(inputs, input{g.name, analysis.Lint(app, eng)})
	}
	for _, c := range lintCases(t) {
		app, eng := loadFS(t, c.files)
		inputs = append(inputs, input{c.name, analysis.Lint(app, eng)})
	}
	inputs = append(inputs, input{"no findings", nil})
	levels := map[string]string{"critical": "error", "high": "error", "medium": "warning", "low": "note"}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := analysis.WriteFindingsSARIF(&b, in.fs, "1.2.3"); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, sch, b.Bytes())
			var log sarifLog
			if err := json.Unmarshal(b.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			if log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("version %q, %d runs", log.Version, len(log.Runs))
			}
			run := log.Runs[0]
			rules := run.Tool.Driver.Rules
			if len(rules) != len(analysis.Rules) {
				t.Errorf("%d rules declared, want all %d", len(rules), len(analysis.Rules))
			}
			for _, r := range rules {
				if r.Help.Text == "" || r.Properties["security-severity"] == nil || r.DefaultConfiguration.Level == "" {
					t.Errorf("rule %s lacks help, security-severity or a default level", r.ID)
				}
			}
			if len(run.Results) != len(in.fs) {
				t.Fatalf("%d results for %d findings", len(run.Results), len(in.fs))
			}
			for i, r := range run.Results {
				f := in.fs[i]
				if r.RuleID != f.Rule.ID || rules[r.RuleIndex].ID != r.RuleID {
					t.Errorf("result %d: rule %s at index %d, want %s", i, r.RuleID, r.RuleIndex, f.Rule.ID)
				}
				if r.Level != levels[f.Severity.String()] || r.Props["severity"] != f.Severity.String() {
					t.Errorf("result %d: level %s, severity %v for a %s finding", i, r.Level, r.Props["severity"], f.Severity)
				}
				if len(r.Locations) != 1 {
					t.Fatalf("result %d: %d locations", i, len(r.Locations))
				}
				loc := r.Locations[0].PhysicalLocation
				if loc.ArtifactLocation.URI != f.Pos.File || loc.Region.StartLine != f.Pos.Line || loc.Region.StartColumn != f.Pos.Col {
					t.Errorf("result %d: location %+v, want %s", i, loc, f.Pos)
				}
			}
		})
	}
}

// TestCheckSARIFSchema validates the SARIF of rampart check
// (internal/diag) on the broken models of the model package's golden
// tests, and on the example app.
func TestCheckSARIFSchema(t *testing.T) {
	sch := sarifSchema(t)
	dirs, err := filepath.Glob(filepath.Join("..", "model", "testdata", "broken", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no broken models: %v", err)
	}
	dirs = append(dirs, filepath.Join("..", "..", "examples", "expenses"))
	sawResults := false
	for _, dir := range dirs {
		_, diags, err := check.Dir(dir, model.Options{Getenv: noEnv})
		if err != nil {
			continue // unreadable on purpose
		}
		var b bytes.Buffer
		if err := diag.WriteSARIF(&b, diags, "1.2.3", check.Describe); err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(dir), func(t *testing.T) { validateSARIF(t, sch, b.Bytes()) })
		sawResults = sawResults || len(diags) > 0
	}
	if !sawResults {
		t.Error("no broken model produced a diagnostic")
	}
}

// TestSARIFSchemaRejects makes sure the validator is not vacuous: broken
// logs fail.
func TestSARIFSchemaRejects(t *testing.T) {
	sch := sarifSchema(t)
	for _, bad := range []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A", "level": "fatal", "message": {"text": "m"}}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startLine": 0}}}]}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yaml"}, "region": {"startColumn": 3}}}]}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "informationUri": "not a uri"}}}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}
