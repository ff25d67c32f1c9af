package analysis_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/analysis"
)

// TestOverviewJSONShape checks the JSON of cli.md ("Reports") on both
// golden apps: the keys, and conditions that are {"all": true} alone or
// {"rule", "xpath"}; members the role cannot read are listed with empty
// lists.
func TestOverviewJSONShape(t *testing.T) {
	for _, g := range goldenApps {
		app, eng := g.load(t)
		var b bytes.Buffer
		if err := analysis.BuildOverview(app, eng, "").WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			App       string                       `json:"app"`
			Level     string                       `json:"securityLevel"`
			UserRoles []map[string]json.RawMessage `json:"userRoles"`
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.App != app.Name || doc.Level != string(app.Security.Level) || len(doc.UserRoles) != len(app.Security.UserRoles) {
			t.Errorf("%s: app %q level %q, %d user roles", g.name, doc.App, doc.Level, len(doc.UserRoles))
		}
		checkConds := func(where string, raw json.RawMessage) int {
			var cs []map[string]any
			if err := json.Unmarshal(raw, &cs); err != nil || cs == nil {
				t.Fatalf("%s: %s is not a list: %s", g.name, where, raw)
			}
			for _, c := range cs {
				keys := slices.Sorted(func(yield func(string) bool) {
					for k := range c {
						if !yield(k) {
							return
						}
					}
				})
				switch {
				case slices.Equal(keys, []string{"all"}) && c["all"] == true && len(cs) == 1:
				case slices.Equal(keys, []string{"rule", "xpath"}):
				default:
					t.Errorf("%s: %s has condition %v", g.name, where, c)
				}
			}
			return len(cs)
		}
		unreadable := 0
		for _, r := range doc.UserRoles {
			for _, k := range []string{"name", "moduleRoles", "manages", "entities", "pages", "microflows"} {
				if _, ok := r[k]; !ok {
					t.Errorf("%s: user role without %q", g.name, k)
				}
			}
			var ents []struct {
				Entity  string          `json:"entity"`
				Create  *bool           `json:"create"`
				Delete  json.RawMessage `json:"delete"`
				Members []struct {
					Member string          `json:"member"`
					Read   json.RawMessage `json:"read"`
					Write  json.RawMessage `json:"write"`
				} `json:"members"`
			}
			if err := json.Unmarshal(r["entities"], &ents); err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if e.Entity == "" || e.Create == nil {
					t.Errorf("%s: entity without name or create", g.name)
				}
				checkConds(e.Entity+" delete", e.Delete)
				for _, m := range e.Members {
					if checkConds(e.Entity+"."+m.Member+" read", m.Read) == 0 {
						unreadable++
					}
					checkConds(e.Entity+"."+m.Member+" write", m.Write)
				}
			}
		}
		if unreadable == 0 {
			t.Errorf("%s: no member is listed as unreadable (with an empty list)", g.name)
		}
	}
}

// TestOverviewCSV: one row per user role × entity × member, after a
// header; an entity without members still gets a row for create and
// delete.
func TestOverviewCSV(t *testing.T) {
	files := fstest.MapFS{
		"app.yaml": {Data: []byte("name: Csv\nsecurity:\n  adminUser: {name: keeper, role: Admin}\n  userRoles:\n    Admin:\n      moduleRoles: [System.Administrator, M.Admin]\n")},
		"modules/M.yaml": {Data: []byte(`module: M
roles:
  Admin: Everything
entities:
  Marker:
    access:
      - roles: [Admin]
        create: true
        delete: true
  Item:
    attributes:
      Name: {type: String}
      Note: {type: String}
    access:
      - roles: [Admin]
        caption: "Odd, \"quoted\" caption"
        xpath: "[Name != empty]"
        members: {Name: ReadOnly}
`)},
	}
	for _, c := range []struct {
		name string
		app  func(testing.TB) (*analysis.Overview, error)
	}{
		{"example", func(tb testing.TB) (*analysis.Overview, error) {
			app, eng := exampleApp(tb)
			return analysis.BuildOverview(app, eng, ""), nil
		}},
		{"no members", func(tb testing.TB) (*analysis.Overview, error) {
			app, eng := loadFS(tb, files)
			return analysis.BuildOverview(app, eng, ""), nil
		}},
	} {
		ov, _ := c.app(t)
		var b bytes.Buffer
		if err := ov.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], []string{"user_role", "entity", "member", "create", "delete", "read", "write"}) {
			t.Errorf("%s: header %q", c.name, rows[0])
		}
		want := 0
		for _, r := range ov.UserRoles {
			for _, e := range r.Entities {
				want += max(1, len(e.Members))
			}
		}
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want %d", c.name, len(rows)-1, want)
		}
		if c.name == "no members" {
			if !slices.ContainsFunc(rows, func(r []string) bool {
				return r[1] == "M.Marker" && r[2] == "" && r[3] == "true" && r[4] == "all objects"
			}) {
				t.Errorf("no row for the entity without members:\n%q", rows)
			}
			if !slices.ContainsFunc(rows, func(r []string) bool { return r[2] == "Name" && r[5] == `"Odd, \"quoted\" caption" [Name != empty]` }) {
				t.Errorf("caption not kept through CSV quoting:\n%q", rows)
			}
		}
	}
}

// TestOverviewHTML: the report is self-contained and works under a strict
// Content-Security-Policy: no scripts, no external resources, no inline
// style attributes, its one style sheet allowed by the hash in its own
// policy; text from the model is escaped.
func TestOverviewHTML(t *testing.T) {
	files := editedFS(t, examplesFS(), map[string][][2]string{
		"modules/Expenses.yaml": {{"caption: Own drafts", `caption: "<script>alert('x')</script> & drafts"`}},
	})
	app, eng := loadFS(t, files)
	var b bytes.Buffer
	if err := analysis.BuildOverview(app, eng, "").WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "href=", " style=", "javascript:", "http://", "https://", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the report contains %q", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; drafts") {
		t.Errorf("the caption is not escaped")
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(html)
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(html, -1)
	if csp == nil || len(style) != 1 {
		t.Fatalf("want one policy and one style sheet, got %v and %d", csp, len(style))
	}
	sum := sha256.Sum256([]byte(style[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(csp[1], "default-src 'none'") || !strings.Contains(csp[1], "style-src "+hash) {
		t.Errorf("policy %q does not allow exactly the style sheet (%s)", csp[1], hash)
	}
	// The at-a-glance matrix: one row per entity, one column per user role.
	if !strings.Contains(html, `<table class="matrix"><thead><tr><th>entity</th><th>Administrator</th><th>Employee</th><th>Manager</th></tr>`) {
		t.Errorf("no matrix with a column per user role")
	}
	// Employee: creates expenses, reads, writes and deletes only some.
	if !strings.Contains(html, `<tr><th>Expenses.Expense</th><td><b class="all">C</b> <b class="all">R</b> <b class="all">W</b> <b class="all">D</b></td><td><b class="all">C</b> <i class="some">r</i> <i class="some">w</i> <i class="some">d</i></td>`) {
		t.Errorf("the matrix row of Expenses.Expense is not as expected")
	}
}

// TestOverviewMarkdownEscapes: table cells escape what Markdown would
// read as structure.
func TestOverviewMarkdownEscapes(t *testing.T) {
	files := editedFS(t, examplesFS(), map[string][][2]string{
		"modules/Expenses.yaml": {{"caption: Own drafts", `caption: "a | b *c* _d_ <e>"`}},
	})
	app, eng := loadFS(t, files)
	var b bytes.Buffer
	if err := analysis.BuildOverview(app, eng, "Employee").WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"a \| b \*c\* \_d\_ &lt;e&gt;"`) {
		t.Errorf("caption not escaped in:\n%s", b.String())
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 4 {
			t.Errorf("table row with a wrong number of cells: %s", line)
		}
	}
}

// TestOverviewLevelsAndRoles covers what the overview says beyond access
// rules: the anonymous role first, prototype and off levels, who manages
// whom (users without roles included), pages and microflows.
func TestOverviewLevelsAndRoles(t *testing.T) {
	app, eng := testdataApp(t, "clinic")
	ov := analysis.BuildOverview(app, eng, "")
	if ov.UserRoles[0].Name != "Guest" || !ov.UserRoles[0].Anonymous {
		t.Errorf("the anonymous role is not first: %s", ov.UserRoles[0].Name)
	}
	byName := map[string]analysis.RoleOverview{}
	for _, r := range ov.UserRoles {
		byName[r.Name] = r
	}
	if a := byName["Administrator"]; !slices.Equal(a.Manages, []string{"Administrator", "Doctor", "Nurse", "Patient"}) || !a.ManagesNoRoles {
		t.Errorf("Administrator manages %v (no roles: %v); want every role but the anonymous one, and users without roles", a.Manages, a.ManagesNoRoles)
	}
	if n := byName["Nurse"]; !slices.Equal(n.Manages, []string{"Doctor", "Patient"}) || n.ManagesNoRoles {
		t.Errorf("Nurse manages %v", n.Manages)
	}
	if g := byName["Guest"]; !slices.Equal(g.Pages, []string{"Clinic.Appointments"}) || !slices.Equal(g.Microflows, []string{"Clinic.BookAppointment"}) {
		t.Errorf("Guest: pages %v, microflows %v", g.Pages, g.Microflows)
	}
	if p := byName["Patient"]; slices.Contains(p.Pages, "Clinic.Archive") {
		t.Errorf("a page with no roles is listed for Patient")
	}

	for _, level := range []string{"prototype", "off"} {
		app, eng := loadFS(t, editedFS(t, examplesFS(), map[string][][2]string{
			"app.yaml": {{"  level: production ", "  level: " + level + " "}},
		}))
		ov := analysis.BuildOverview(app, eng, "Employee")
		emp := ov.UserRoles[0]
		var expense *analysis.EntityOverview
		for i := range emp.Entities {
			if emp.Entities[i].Entity == "Expenses.Expense" {
				expense = &emp.Entities[i]
			}
		}
		if expense == nil || !expense.Create || len(expense.Delete) != 1 || !expense.Delete[0].All {
			t.Fatalf("%s: Employee on Expense: %+v", level, expense)
		}
		for _, m := range expense.Members {
			if len(m.Read) != 1 || !m.Read[0].All {
				t.Errorf("%s: Employee reads %s under %+v, want all objects", level, m.Member, m.Read)
			}
		}
		allPages := len(app.Pages())
		if level == "off" && (len(emp.Pages) != allPages || !emp.ManagesNoRoles || len(emp.Manages) != 3) {
			t.Errorf("off: Employee opens %d of %d pages, manages %v (no roles: %v)", len(emp.Pages), allPages, emp.Manages, emp.ManagesNoRoles)
		}
		if level == "prototype" && len(emp.Pages) == allPages {
			t.Errorf("prototype: pages are still limited by role")
		}
	}
}

// TestExplainWhyNot: when no rule grants a right, explain lists the role's
// rules and what each grants; rules that share a caption are told apart.
func TestExplainWhyNot(t *testing.T) {
	app, eng := loadFS(t, editedFS(t, examplesFS(), map[string][][2]string{
		"modules/Expenses.yaml": {{"caption: Own drafts", "caption: Own expenses"}},
	}))
	ex, err := analysis.Explain(app, eng, app.UserRole("Employee"), app.Entity("Expenses.Expense"), "Status")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Rights) != 2 || ex.Rights[0].Right != "read" || len(ex.Rights[0].Rules) != 1 || ex.Rights[1].Right != "write" || len(ex.Rights[1].Rules) != 0 {
		t.Fatalf("rights: %+v", ex.Rights)
	}
	if len(ex.Rules) != 2 || ex.Rules[0].Caption != ex.Rules[1].Caption {
		t.Fatalf("rules: %+v", ex.Rules)
	}
	// The first rule grants read on everything, the second the writes.
	if !slices.Contains(ex.Rules[0].Grants, "read Status") || slices.Contains(ex.Rules[1].Grants, "read Status") || !slices.Contains(ex.Rules[1].Grants, "write Description") || slices.Contains(ex.Rules[0].Grants, "write Description") {
		t.Errorf("grants mixed up between rules that share a caption:\n%q\n%q", ex.Rules[0].Grants, ex.Rules[1].Grants)
	}
	var b bytes.Buffer
	if err := ex.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "write Status: no rule grants it\n") || !strings.Contains(b.String(), "The role's rules on Expenses.Expense and what each grants:") {
		t.Errorf("text:\n%s", b.String())
	}
	if _, err := analysis.Explain(app, eng, app.UserRole("Employee"), app.Entity("Expenses.Expense"), "Colour"); err == nil {
		t.Errorf("explain of an unknown member: no error")
	}
}
