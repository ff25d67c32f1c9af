package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart/rampart/internal/mendix/mendixtest"
)

// Tests of the analysis commands (overview, explain, lint, diff) through
// run(args, stdout, stderr): exit codes, usage errors, --fail-on,
// --fail-on-widen, and the validity of their machine-readable output.

// anExampleApp writes the example app into a fresh directory.
func anExampleApp(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if code, _, errOut := runCmd(t, "init", dir); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	return dir
}

// anEdit replaces old, which must occur exactly once, in a file of an app.
func anEdit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	p := filepath.Join(dir, file)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), old); n != 1 {
		t.Fatalf("%s: %q occurs %d times", file, old, n)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

const clinicApp = "../../internal/analysis/testdata/apps/clinic"

func TestAnalysisUsageErrors(t *testing.T) {
	app := anExampleApp(t)
	missing := filepath.Join(t.TempDir(), "nothing-here")
	cases := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"overview", app, "--format", "pdf"}, "unknown format"},
		{[]string{"overview", app, "--role", "Nobody"}, `unknown user role "Nobody"`},
		{[]string{"overview", app, app}, "accepts at most 1 arg"},
		{[]string{"overview", app, "--colour"}, "unknown flag"},
		{[]string{"overview", missing}, "nothing-here"},
		{[]string{"explain", app}, "needs --role and --entity"},
		{[]string{"explain", app, "--role", "Employee"}, "needs --role and --entity"},
		{[]string{"explain", app, "--role", "Nobody", "--entity", "Expenses.Expense"}, `unknown user role "Nobody"`},
		{[]string{"explain", app, "--role", "Employee", "--entity", "Expense"}, `unknown entity "Expense"`},
		{[]string{"explain", app, "--role", "Employee", "--entity", "Expenses.Expense", "--member", "Colour"}, "has no member Colour"},
		{[]string{"explain", app, "--role", "Employee", "--entity", "Expenses.Expense", "--format", "yaml"}, "unknown format"},
		{[]string{"lint", app, "--format", "xml"}, "unknown format"},
		{[]string{"lint", app, "--fail-on", "severe"}, "--fail-on"},
		{[]string{"lint", missing}, "nothing-here"},
		{[]string{"diff", app}, "accepts 2 arg"},
		{[]string{"diff", app, app, "--format", "html"}, "unknown format"},
		{[]string{"diff", app, missing}, "nothing-here"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[:1], " ")+" "+strings.Join(c.args[2:], " "), func(t *testing.T) {
			code, out, errOut := runCmd(t, c.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, %q on stderr", code, out, errOut, c.want)
			}
		})
	}
}

func TestLintFailOn(t *testing.T) {
	example := anExampleApp(t)
	cases := []struct {
		app    string
		failOn string
		want   int
	}{
		// The example app's most severe finding is medium.
		{example, "", 0},
		{example, "critical", 0},
		{example, "high", 0},
		{example, "medium", 1},
		{example, "low", 1},
		// The clinic app has a critical finding (a literal admin password).
		{clinicApp, "", 0},
		{clinicApp, "critical", 1},
	}
	for _, c := range cases {
		for _, format := range []string{"text", "json", "sarif"} {
			args := []string{"lint", c.app, "--format", format}
			if c.failOn != "" {
				args = append(args, "--fail-on", c.failOn)
			}
			code, out, errOut := runCmd(t, args...)
			if code != c.want || out == "" || errOut != "" {
				t.Errorf("%v: exit %d (want %d), %d bytes of output, stderr %q", args, code, c.want, len(out), errOut)
			}
		}
	}
	// A clean finding list fails nothing.
	clean := anExampleApp(t)
	if code, _, _ := runCmd(t, "lint", clean, "--fail-on", "critical"); code != 0 {
		t.Errorf("lint --fail-on critical on the example: exit %d", code)
	}
}

// TestDiffFailOnWiden: diff exits 1 with --fail-on-widen exactly when a
// change widens (granted, widened, or changed and undecidable).
func TestDiffFailOnWiden(t *testing.T) {
	base := anExampleApp(t)
	const drafts = `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Draft']"`
	cases := []struct {
		name, file, old, new string
		want                 int // exit code with --fail-on-widen
		message              string
	}{
		{"no change", "", "", "", 0, ""},
		{"narrowed", "modules/Expenses.yaml", drafts, `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Draft'][Amount < 1000]"`, 0, "Employee: may now only delete Expenses.Expense objects where"},
		{"removed", "app.yaml", "      manageableRoles: [Employee]  # may add, block and remove users who are only Employees\n", "", 0, "Manager: may no longer manage users with user role Employee"},
		{"widened", "modules/Expenses.yaml", drafts, `xpath: "[System.owner = '[%CurrentUser%]']"`, 1, "Employee: may now delete Expenses.Expense objects where \"Own drafts\" [System.owner = '[%CurrentUser%]'], more objects than before"},
		{"granted", "modules/Expenses.yaml", "      - roles: [Employee, Manager]\n        members: {Name: ReadOnly}\n", "      - roles: [Employee, Manager]\n        members: {Name: ReadOnly, Budget: ReadOnly}\n", 1, "Employee: may now read Expenses.Project.Budget of all objects"},
		{"changed", "modules/Expenses.yaml", drafts, `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Rejected']"`, 1, "cannot be decided"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed := anExampleApp(t)
			if c.file != "" {
				anEdit(t, changed, c.file, c.old, c.new)
			}
			code, out, errOut := runCmd(t, "diff", base, changed)
			if code != 0 || errOut != "" || !strings.Contains(out, c.message) {
				t.Errorf("diff: exit %d, stderr %q, output:\n%s\nwant %q in it", code, errOut, out, c.message)
			}
			if c.message == "" && out != "" {
				t.Errorf("diff of equal apps printed %q", out)
			}
			if code, _, _ := runCmd(t, "diff", base, changed, "--fail-on-widen"); code != c.want {
				t.Errorf("diff --fail-on-widen: exit %d, want %d", code, c.want)
			}
			code, out, _ = runCmd(t, "diff", base, changed, "--format", "json", "--fail-on-widen")
			var js struct {
				UserRoles []struct {
					Name    string `json:"name"`
					Changes []struct {
						Change string `json:"change"`
						Widens bool   `json:"widens"`
					} `json:"changes"`
				} `json:"userRoles"`
			}
			if err := json.Unmarshal([]byte(out), &js); err != nil || code != c.want {
				t.Fatalf("diff --format json: exit %d, %v:\n%s", code, err, out)
			}
			widens := false
			for _, r := range js.UserRoles {
				if len(r.Changes) == 0 {
					t.Errorf("user role %s listed without changes", r.Name)
				}
				for _, ch := range r.Changes {
					widens = widens || ch.Widens
				}
			}
			if widens != (c.want == 1) {
				t.Errorf("json says widens=%v, exit code %d", widens, c.want)
			}
		})
	}
}

func TestAnalysisOutputs(t *testing.T) {
	app := anExampleApp(t)
	for _, format := range []string{"text", "json", "csv", "md", "html"} {
		code, out, errOut := runCmd(t, "overview", app, "--format", format)
		if code != 0 || errOut != "" || out == "" {
			t.Errorf("overview --format %s: exit %d, stderr %q", format, code, errOut)
		}
		if format == "json" && !json.Valid([]byte(out)) {
			t.Errorf("overview --format json is not JSON")
		}
	}
	code, out, _ := runCmd(t, "overview", app, "--role", "Employee", "--format", "json")
	var ov struct {
		UserRoles []struct{ Name string } `json:"userRoles"`
	}
	if err := json.Unmarshal([]byte(out), &ov); err != nil || code != 0 || len(ov.UserRoles) != 1 || ov.UserRoles[0].Name != "Employee" {
		t.Errorf("overview --role Employee: exit %d, %v, %+v", code, err, ov)
	}
	for _, format := range []string{"text", "json"} {
		code, out, errOut := runCmd(t, "explain", app, "--role", "Manager", "--entity", "Expenses.Expense", "--member", "Status", "--format", format)
		if code != 0 || errOut != "" || !strings.Contains(out, "Expenses of managed projects") {
			t.Errorf("explain --format %s: exit %d, stderr %q:\n%s", format, code, errOut, out)
		}
	}
	// The app defaults to the current directory.
	t.Chdir(app)
	if code, out, errOut := runCmd(t, "lint", "--format", "json"); code != 0 || errOut != "" || !json.Valid([]byte(out)) {
		t.Errorf("lint in the app directory: exit %d, stderr %q", code, errOut)
	}
}

// TestAnalysisOfMendixProject: the analysis commands read an App.mpr in
// memory; locations name the files the importer would write.
func TestAnalysisOfMendixProject(t *testing.T) {
	mpr := mendixtest.Tiny().WriteV2(t, filepath.Join(t.TempDir(), "shop"))
	code, out, errOut := runCmd(t, "lint", mpr, "--fail-on", "high")
	if code != 1 || !strings.Contains(out, "App.mpr!app.yaml:") || !strings.Contains(out, "App.mpr!modules/") {
		t.Errorf("lint App.mpr: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	for _, args := range [][]string{{"overview", mpr, "--format", "json"}, {"diff", mpr, mpr}} {
		if code, out, errOut := runCmd(t, args...); code != 0 || (args[0] == "overview") != (out != "") {
			t.Errorf("%s App.mpr: exit %d, stderr %q, %d bytes", args[0], code, errOut, len(out))
		}
	}
}

// TestAnalysisOfBrokenModel: a model with errors is still analysed, with a
// warning on stderr that counts the errors.
func TestAnalysisOfBrokenModel(t *testing.T) {
	app := anExampleApp(t)
	anEdit(t, app, "modules/Expenses.yaml", "        caption: Managed projects\n        xpath: \"[Expenses.Project_Manager", "        caption: Managed projects\n        xpath: \"[Expenses.Project_Boss")
	anEdit(t, app, "modules/Expenses.yaml", "      - roles: [Employee, Manager, Admin]\n", "      - roles: [Employee, Manager, Admin, Auditor]\n")
	code, _, _ := runCmd(t, "check", app)
	if code != 1 {
		t.Fatalf("check of the broken app: exit %d, want 1", code)
	}
	for _, cmd := range [][]string{{"overview", app}, {"lint", app}, {"explain", app, "--role", "Manager", "--entity", "Expenses.Project"}} {
		code, out, errOut := runCmd(t, cmd...)
		if code != 0 || out == "" || !strings.Contains(errOut, "has 2 model error(s)") {
			t.Errorf("%s: exit %d, stderr %q", cmd[0], code, errOut)
		}
	}
}

// sarifSchema compiles the OASIS SARIF 2.1.0 schema kept (with its notice)
// in internal/analysis/testdata, with the upstream fix of issue #578
// applied in memory (see internal/analysis/sarif_test.go).
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../internal/analysis/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	region := doc.(map[string]any)["definitions"].(map[string]any)["region"].(map[string]any)
	if props := region["properties"].(map[string]any); props["anyOf"] != nil {
		region["anyOf"] = props["anyOf"]
		delete(props, "anyOf")
	}
	const url = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	return c.MustCompile(url)
}

// TestSARIFValid validates the SARIF of rampart lint and rampart check, as
// the commands print it, against the official schema.
func TestSARIFValid(t *testing.T) {
	sch := sarifSchema(t)
	example := anExampleApp(t)
	mpr := mendixtest.Tiny().WriteV2(t, filepath.Join(t.TempDir(), "shop"))
	var outputs []string
	for _, args := range [][]string{
		{"lint", example, "--format", "sarif"},
		{"lint", clinicApp, "--format", "sarif"},
		{"lint", mpr, "--format", "sarif"},
		{"check", example, "--format", "sarif"},
		{"check", clinicApp, "--format", "sarif"},
	} {
		_, out, errOut := runCmd(t, args...)
		if errOut != "" {
			t.Errorf("%v: stderr %q", args, errOut)
		}
		outputs = append(outputs, out)
	}
	for _, dir := range envFree(t) {
		_, out, _ := runCmd(t, "check", dir, "--format", "sarif")
		if out != "" {
			outputs = append(outputs, out)
		}
	}
	for i, out := range outputs {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(out)))
		if err != nil {
			t.Errorf("output %d is not JSON: %v", i, err)
			continue
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("output %d is not valid SARIF 2.1.0: %v\n%.400s", i, err, out)
		}
	}
}
