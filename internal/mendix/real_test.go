package mendix

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// The real projects live beside the repository, in
// ../shared/testdata/mendix/ (see its README); they are never copied in.

// realDir finds ../shared/testdata/mendix from the repository root, or
// skips the test.
func realDir(t testing.TB) string {
	t.Helper()
	real := realDirOrEmpty()
	if real == "" {
		t.Skip("repository root (go.mod) not found")
	}
	if _, err := os.Stat(real); err != nil {
		t.Skipf("the real Mendix projects are not at %s (../shared/testdata/mendix beside the repository): %v", real, err)
	}
	return real
}

// realDirOrEmpty is realDir without skipping: "" when absent.
func realDirOrEmpty() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "testdata", "mendix")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var realProjects = []string{"expense-management", "learnnow", "mxcli-v1"}

func realProject(t testing.TB, name string) string {
	p := filepath.Join(realDir(t), name, "App.mpr")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is absent: %v", p, err)
	}
	return p
}

// rawCounts counts, straight from the units, what the imported model must
// hold.
type rawCounts struct {
	entities    []string // qualified names
	rules       int
	xpathRules  int
	defaultRW   int
	moduleRoles []string
	userRoles   []string
	format      int
}

func countRaw(t *testing.T, path string) rawCounts {
	t.Helper()
	p, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	moduleName := func(u *Unit) string {
		for i := 0; u != nil && i < 50; i++ {
			if u.Type == "Projects$ModuleImpl" {
				return u.Doc.Str("Name")
			}
			u = p.Unit(u.ContainerID)
		}
		return ""
	}
	var rc rawCounts
	rc.format = p.Format
	for _, u := range p.Units {
		switch u.Type {
		case "DomainModels$DomainModel":
			for _, e := range u.Doc.Docs("Entities") {
				rc.entities = append(rc.entities, moduleName(u)+"."+e.Str("Name"))
				for _, r := range e.Docs("AccessRules") {
					rc.rules++
					if r.Str("XPathConstraint") != "" {
						rc.xpathRules++
					}
					if r.Str("DefaultMemberAccessRights") == "ReadWrite" {
						rc.defaultRW++
					}
				}
			}
		case "Security$ModuleSecurity":
			for _, r := range u.Doc.Docs("ModuleRoles") {
				rc.moduleRoles = append(rc.moduleRoles, moduleName(u)+"."+r.Str("Name"))
			}
		case "Security$ProjectSecurity":
			for _, r := range u.Doc.Docs("UserRoles") {
				rc.userRoles = append(rc.userRoles, r.Str("Name"))
			}
		}
	}
	slices.Sort(rc.entities)
	slices.Sort(rc.moduleRoles)
	return rc
}

// TestRealProjects imports each real project: the model holds exactly the
// project's entities, access rules, module roles and user roles, checks
// without errors, and a second import writes the same files.
func TestRealProjects(t *testing.T) {
	for _, name := range realProjects {
		t.Run(name, func(t *testing.T) {
			path := realProject(t, name)
			raw := countRaw(t, path)
			res, err := Import(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			app, diags, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			diags = check.Constraints(app, diags)
			for _, d := range diags {
				if d.Severity == diag.Error {
					t.Errorf("check: %s", d)
				}
			}

			var entities, moduleRoles []string
			rules, xpathRules, defaultRW := 0, 0, 0
			for _, m := range app.Modules {
				if m.System {
					continue
				}
				for _, r := range m.Roles {
					moduleRoles = append(moduleRoles, r.QualifiedName())
				}
				for _, e := range m.Entities {
					entities = append(entities, e.QualifiedName())
					rules += len(e.Access)
					for _, r := range e.Access {
						if r.XPath != nil {
							xpathRules++
						}
						if r.DefaultMemberAccess == model.ReadWrite {
							defaultRW++
						}
					}
				}
			}
			slices.Sort(entities)
			slices.Sort(moduleRoles)
			if !slices.Equal(entities, raw.entities) {
				t.Errorf("entities %v, the project has %v", entities, raw.entities)
			}
			if !slices.Equal(moduleRoles, raw.moduleRoles) {
				t.Errorf("module roles %v, the project has %v", moduleRoles, raw.moduleRoles)
			}
			if rules != raw.rules || xpathRules != raw.xpathRules || defaultRW != raw.defaultRW {
				t.Errorf("access rules %d (%d with XPath, %d default ReadWrite), the project has %d (%d, %d)",
					rules, xpathRules, defaultRW, raw.rules, raw.xpathRules, raw.defaultRW)
			}
			var userRoles []string
			for _, r := range app.Security.UserRoles {
				userRoles = append(userRoles, r.Name)
			}
			if !slices.Equal(userRoles, raw.userRoles) {
				t.Errorf("user roles %v, the project has %v", userRoles, raw.userRoles)
			}
			s := res.Summary
			if s.Entities != len(raw.entities) || s.AccessRules != raw.rules || s.ModuleRoles != len(raw.moduleRoles) || s.UserRoles != len(raw.userRoles) || s.Format != raw.format {
				t.Errorf("summary %+v", s)
			}
			t.Logf("%s: MPR v%d, %d units; %d modules, %d entities, %d access rules (%d with XPath), %d module roles, %d user roles, %d pages, %d microflows; %d importer warnings, %d check diagnostics",
				name, s.Format, s.Units, s.Modules, s.Entities, s.AccessRules, raw.xpathRules, s.ModuleRoles, s.UserRoles, s.Pages, s.Microflows, len(res.Diags), len(diags))

			// A second import writes the same bytes.
			again, err := Import(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Paths(), again.Paths()) {
				t.Fatalf("second import wrote %v, first %v", again.Paths(), res.Paths())
			}
			for _, p := range res.Paths() {
				if !bytes.Equal(res.Files[p], again.Files[p]) {
					t.Errorf("%s differs between two imports", p)
				}
			}
			if diagText(res.Diags) != diagText(again.Diags) {
				t.Error("the diagnostics differ between two imports")
			}
		})
	}
}

// TestRealProjectFacts checks what the README of the test data says of
// each project, and details of the conversion.
func TestRealProjectFacts(t *testing.T) {
	load := func(name string) (*model.App, *Result) {
		res, err := Import(realProject(t, name), Options{})
		if err != nil {
			t.Fatal(err)
		}
		app, _, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		return app, res
	}
	t.Run("expense-management", func(t *testing.T) {
		app, res := load("expense-management")
		s := res.Summary
		if s.Modules != 9 || s.Entities != 13 || s.AccessRules != 14 || s.Format != 2 {
			t.Errorf("summary %+v", s)
		}
		sec := app.Security
		var roles []string
		for _, r := range sec.UserRoles {
			roles = append(roles, r.Name)
		}
		if !slices.Equal(roles, []string{"Administrator", "Requestor", "Approver", "Anonymous"}) {
			t.Errorf("user roles %v", roles)
		}
		if !sec.Anonymous.Enabled || sec.Anonymous.Role == nil || sec.Anonymous.Role.Name != "Anonymous" || !sec.DemoUsers.Enabled || sec.AdminUser.Name != "MxAdmin" {
			t.Errorf("anonymous %+v, demo users %v, admin %q", sec.Anonymous, sec.DemoUsers.Enabled, sec.AdminUser.Name)
		}
		if !sec.AdminUser.Password.EnvOnly || sec.AdminUser.Password.VarName != AdminPasswordVar {
			t.Errorf("admin password %+v", sec.AdminUser.Password)
		}
		account := app.Entity("Administration.Account")
		if account == nil || account.Generalization.QualifiedName() != "System.User" || len(account.Access) != 3 || account.Access[2].XPath.Text != "[id='[%CurrentUser%]']" {
			t.Errorf("Administration.Account %+v", account)
		}
		if tm := app.Entity("Expenses.TeamMember"); tm == nil || tm.Generalization != account {
			t.Errorf("Expenses.TeamMember %+v", tm)
		}
		// The demo users' generated passwords are in the project; none is written.
		p, _ := Open(realProject(t, "expense-management"))
		for _, u := range p.Units {
			if u.Type != "Security$ProjectSecurity" {
				continue
			}
			for _, du := range u.Doc.Docs("DemoUsers") {
				pw := du.Str("Password")
				for f, b := range res.Files {
					if pw != "" && bytes.Contains(b, []byte(pw)) {
						t.Errorf("%s contains the password of demo user %s", f, du.Str("UserName"))
					}
				}
			}
		}
	})
	t.Run("learnnow", func(t *testing.T) {
		app, res := load("learnnow")
		s := res.Summary
		if s.Entities != 16 || s.AccessRules != 27 || s.ModuleRoles != 10 {
			t.Errorf("summary %+v", s)
		}
		xpaths, defaultRW := 0, 0
		for _, e := range app.Entities() {
			for _, r := range e.Access {
				if r.XPath != nil {
					xpaths++
					if r.XPath.Text != "[id='[%CurrentUser%]']" {
						t.Errorf("XPath %q", r.XPath.Text)
					}
				}
				if r.DefaultMemberAccess == model.ReadWrite {
					defaultRW++
				}
			}
		}
		if xpaths != 1 || defaultRW != 10 {
			t.Errorf("%d rules with XPath, %d with default ReadWrite; the README says 1 and 10", xpaths, defaultRW)
		}
		// Deleting a training event is refused while registrations refer
		// to it (the project's own error message says so).
		if a := app.Association("MyFirstModule.Registration_TrainingEvent"); a == nil || a.OnDelete != model.DeletePrevent {
			t.Errorf("Registration_TrainingEvent %+v", a)
		}
	})
	t.Run("mxcli-v1", func(t *testing.T) {
		app, res := load("mxcli-v1")
		if res.Summary.Format != 1 || app.Security.Level != model.LevelOff || app.Security.HashAlgorithm.String() != "bcrypt:10" {
			t.Errorf("format %d, level %s, hash %s", res.Summary.Format, app.Security.Level, app.Security.HashAlgorithm)
		}
		// The project's user roles name modules it does not contain.
		missing := 0
		for _, d := range res.Diags {
			if d.Code == CodeMissingRef {
				missing++
			}
		}
		if missing == 0 {
			t.Error("no warnings about the missing Administration and MyFirstModule modules")
		}
	})
}

// TestRealImportSpeed measures importing: units per second, and what that
// means for a project of 2,000 units.
func TestRealImportSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	total, elapsed := 0, time.Duration(0)
	for _, name := range realProjects {
		path := realProject(t, name)
		if _, err := Import(path, Options{}); err != nil { // warm the file cache
			t.Fatal(err)
		}
		const runs = 5
		start := time.Now()
		var units int
		for range runs {
			res, err := Import(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			units = res.Summary.Units
		}
		d := time.Since(start) / runs
		total += units
		elapsed += d
		t.Logf("%-20s %4d units in %7.1f ms: %6.0f units/s", name, units, float64(d.Microseconds())/1000, float64(units)/d.Seconds())
	}
	rate := float64(total) / elapsed.Seconds()
	t.Logf("overall %.0f units/s; a project of 2,000 units would take about %.2f s at this rate", rate, 2000/rate)
	if 2000/rate > 5 && !raceEnabled {
		t.Errorf("importing 2,000 units would take %.1f s, more than a few seconds", 2000/rate)
	}
}

// BenchmarkImport imports each real project.
func BenchmarkImport(b *testing.B) {
	for _, name := range realProjects {
		b.Run(name, func(b *testing.B) {
			path := realProject(b, name)
			var units int
			for b.Loop() {
				res, err := Import(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				units = res.Summary.Units
			}
			b.ReportMetric(float64(units)*float64(b.N)/b.Elapsed().Seconds(), "units/s")
		})
	}
}

// TestRealCheckOutput: rampart check of a project names the files the
// importer would write, prefixed with App.mpr!.
func TestRealCheckOutput(t *testing.T) {
	path := realProject(t, "expense-management")
	app, diags, _, err := Load(path, model.Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	diags = check.Constraints(app, diags)
	if len(diags) == 0 {
		t.Fatal("no diagnostics")
	}
	for _, d := range diags {
		if !strings.HasPrefix(d.Pos.File, "App.mpr!") {
			t.Errorf("%s", d)
		}
	}
}
