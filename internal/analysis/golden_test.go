package analysis_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// The golden files under testdata/golden are the exact output of every
// format on the example app (expenses) and on a deliberately insecure app
// (testdata/apps/clinic). Rewrite them with -update and review the diff.

type goldenApp struct {
	name string
	load func(testing.TB) (*model.App, *security.Engine)
	// explain cases: role, entity, member ("" for every right).
	explain [][3]string
}

var goldenApps = []goldenApp{
	{
		name: "expenses",
		load: exampleApp,
		explain: [][3]string{
			{"Employee", "Expenses.Expense", ""},
			{"Manager", "Expenses.Expense", "Status"},
			{"Employee", "Expenses.Project", "Budget"},
			{"Manager", "Administration.Account", ""},
		},
	},
	{
		name: "clinic",
		load: func(t testing.TB) (*model.App, *security.Engine) { return testdataApp(t, "clinic") },
		explain: [][3]string{
			{"Guest", "Clinic.Appointment", ""},
			{"Nurse", "Clinic.Note", ""},
		},
	},
}

func TestGoldenOverview(t *testing.T) {
	for _, g := range goldenApps {
		app, eng := g.load(t)
		ov := analysis.BuildOverview(app, eng, "")
		for _, format := range []string{"text", "json", "csv", "md", "html"} {
			t.Run(g.name+"/"+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := ov.Write(&b, format); err != nil {
					t.Fatal(err)
				}
				golden(t, fmt.Sprintf("%s/overview.%s", g.name, ext(format)), b.Bytes())
			})
		}
	}
}

func ext(format string) string {
	if format == "text" {
		return "txt"
	}
	return format
}

func TestGoldenExplain(t *testing.T) {
	for _, g := range goldenApps {
		app, eng := g.load(t)
		for _, c := range g.explain {
			ex, err := analysis.Explain(app, eng, app.UserRole(c[0]), app.Entity(c[1]), c[2])
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s/explain-%s-%s", g.name, c[0], c[1])
			if c[2] != "" {
				name += "-" + c[2]
			}
			t.Run(name, func(t *testing.T) {
				var text, js bytes.Buffer
				if err := ex.WriteText(&text); err != nil {
					t.Fatal(err)
				}
				if err := ex.WriteJSON(&js); err != nil {
					t.Fatal(err)
				}
				golden(t, name+".txt", text.Bytes())
				golden(t, name+".json", js.Bytes())
			})
		}
	}
}

func TestGoldenLint(t *testing.T) {
	for _, g := range goldenApps {
		app, eng := g.load(t)
		fs := analysis.Lint(app, eng)
		t.Run(g.name, func(t *testing.T) {
			var text, js, sarif bytes.Buffer
			if err := analysis.WriteFindingsText(&text, fs); err != nil {
				t.Fatal(err)
			}
			if err := analysis.WriteFindingsJSON(&js, fs); err != nil {
				t.Fatal(err)
			}
			if err := analysis.WriteFindingsSARIF(&sarif, fs, "test"); err != nil {
				t.Fatal(err)
			}
			golden(t, g.name+"/lint.txt", text.Bytes())
			golden(t, g.name+"/lint.json", js.Bytes())
			golden(t, g.name+"/lint.sarif", sarif.Bytes())
		})
	}
}

// changedExample is the example app after a change that touches every kind
// of right: a conjunct removed (widened) and added (narrowed), a constraint
// changed in a way that cannot be compared, a member granted, delete
// removed, a microflow added, a manageable role dropped and a user role
// added.
func changedExample(t testing.TB) (*model.App, *security.Engine) {
	t.Helper()
	return loadFS(t, editedFS(t, examples.Expenses(), map[string][][2]string{
		"modules/Expenses.yaml": {
			{`xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Draft']"`, `xpath: "[System.owner = '[%CurrentUser%]']"`},
			{`xpath: "[Expenses.Expense_Project/Expenses.Project/Expenses.Project_Manager = '[%CurrentUser%]']"
        members: {Status: ReadWrite, "*": ReadOnly}`, `xpath: "[Expenses.Expense_Project/Expenses.Project/Expenses.Project_Manager = '[%CurrentUser%]'][Status = 'Submitted']"
        members: {Status: ReadWrite, "*": ReadOnly}`},
			{`xpath: "[Expenses.Project_Manager = '[%CurrentUser%]']"
        members: {Name: ReadOnly, Budget: ReadOnly}`, `xpath: "[Expenses.Project_Manager = '[%CurrentUser%]' or Budget = empty]"
        members: {Name: ReadOnly, Budget: ReadOnly}`},
			{`      - roles: [Employee, Manager]
        members: {Name: ReadOnly}
      # A manager`, `      - roles: [Employee, Manager]
        members: {Name: ReadOnly, Expenses.Project_Manager: ReadOnly}
      # A manager`},
			{`        caption: Maintain tags
        create: true
        delete: true`, `        caption: Maintain tags
        create: true`},
			{`microflows:
`, `microflows:
  RecalculateBudgets:
    allowedRoles: [Manager]
`},
		},
		"app.yaml": {
			{`      manageableRoles: [Employee]  # may add, block and remove users who are only Employees
`, ``},
			{`  anonymous:`, `    Auditor:
      description: Reads their own account
      moduleRoles: [System.User, Administration.User]

  anonymous:`},
		},
	}))
}

func TestGoldenDiff(t *testing.T) {
	oldApp, oldEng := exampleApp(t)
	newApp, newEng := changedExample(t)
	changes := analysis.Diff(analysis.BuildOverview(oldApp, oldEng, ""), analysis.BuildOverview(newApp, newEng, ""))
	var text, js bytes.Buffer
	if err := analysis.WriteDiffText(&text, changes); err != nil {
		t.Fatal(err)
	}
	if err := analysis.WriteDiffJSON(&js, changes); err != nil {
		t.Fatal(err)
	}
	golden(t, "expenses/diff.txt", text.Bytes())
	golden(t, "expenses/diff.json", js.Bytes())
}
