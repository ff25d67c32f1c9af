package mendix

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files of the tiny project")

// noEnv is an environment with nothing set, so that results do not depend
// on this process's environment.
func noEnv(string) (string, bool) { return "", false }

// importTiny writes the tiny project in one format and imports it.
func importTiny(t *testing.T, format int) (*Result, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shop")
	f := tinyProject()
	var path string
	if format == 1 {
		path = f.WriteV1(t, dir)
	} else {
		path = f.WriteV2(t, dir)
	}
	res, err := Import(path, Options{})
	if err != nil {
		t.Fatalf("import MPR v%d: %v", format, err)
	}
	return res, path
}

// headerRe matches the header lines, which name the format.
var headerRe = regexp.MustCompile(`(?m)^# .*imported from App\.mpr \(MPR v[12][^\n]*\n`)

// TestTinyGolden imports the tiny project from both formats: the files
// are the golden ones (go test -update rewrites them) and the same for v1
// and v2 but for the header.
func TestTinyGolden(t *testing.T) {
	v1, _ := importTiny(t, 1)
	v2, _ := importTiny(t, 2)
	if !slices.Equal(v1.Paths(), v2.Paths()) {
		t.Fatalf("v1 wrote %v, v2 wrote %v", v1.Paths(), v2.Paths())
	}
	for _, p := range v2.Paths() {
		a, b := headerRe.ReplaceAll(v1.Files[p], nil), headerRe.ReplaceAll(v2.Files[p], nil)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between MPR v1 and v2:\n%s\n----\n%s", p, a, b)
		}
	}
	golden := filepath.Join("testdata", "tiny")
	diags := diagText(v2.Diags)
	want := map[string][]byte{"diagnostics.txt": []byte(diags)}
	for p, b := range v2.Files {
		want[p] = b
	}
	if *update {
		os.RemoveAll(golden)
		for p, b := range want {
			dst := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for p, b := range want {
		g, err := os.ReadFile(filepath.Join(golden, filepath.FromSlash(p)))
		if err != nil {
			t.Errorf("%v (run go test -update to write the golden files)", err)
			continue
		}
		if !bytes.Equal(g, b) {
			t.Errorf("%s differs from the golden file; run go test -update if the change is right.\ngot:\n%s\nwant:\n%s", p, b, g)
		}
	}
}

func diagText(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintln(&b, d)
	}
	return b.String()
}

// TestTinyChecks loads what the importer wrote: it checks without errors,
// and the loader's only warnings are the ones the tiny project asks for.
func TestTinyChecks(t *testing.T) {
	for _, format := range []int{1, 2} {
		res, _ := importTiny(t, format)
		app, diags, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		diags = check.Constraints(app, diags)
		var codes []string
		for _, d := range diags {
			if d.Severity == diag.Error {
				t.Errorf("MPR v%d: %s", format, d)
			}
			codes = append(codes, d.Code)
		}
		// RP0008: the admin password variable is not set; RP0406: the
		// Account rule names System.User's Name, which has no effect.
		if want := []string{"RP0008", "RP0406"}; !slices.Equal(codes, want) {
			t.Errorf("MPR v%d: loader diagnostics %v, want %v:\n%s", format, codes, want, diagText(diags))
		}
	}
}

// TestTinyContents checks the conversion of each construct in the model
// the loader reads back.
func TestTinyContents(t *testing.T) {
	res, _ := importTiny(t, 2)
	app, _, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	// Passwords are never written.
	for p, b := range res.Files {
		for _, secret := range []string{tinyAdminPassword, tinyDemoPassword} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains the project's password %q", p, secret)
			}
		}
	}
	s := app.Security
	if s.Level != model.LevelProduction || !s.CheckSecurity || !s.StrictMode {
		t.Errorf("security level %s, check %v, strict %v", s.Level, s.CheckSecurity, s.StrictMode)
	}
	if s.HashAlgorithm.Name != "ssha256" {
		t.Errorf("hash algorithm %s, want ssha256", s.HashAlgorithm)
	}
	if s.AdminUser.Name != "MxAdmin" || s.AdminUser.RoleName != "Administrator" || !s.AdminUser.Password.EnvOnly || s.AdminUser.Password.VarName != AdminPasswordVar {
		t.Errorf("admin user %+v", s.AdminUser)
	}
	if app.TimeZoneID != "Europe/Amsterdam" || s.Session.MultiplePerUser {
		t.Errorf("time zone %s, multiple sessions %v", app.TimeZoneID, s.Session.MultiplePerUser)
	}
	if p := s.PasswordPolicy; p.MinLength != 10 || !p.RequireDigit || p.RequireMixedCase || !p.RequireSymbol || p.BlockCommon || p.NotContainUsername {
		t.Errorf("password policy %+v", p)
	}
	var roles []string
	for _, r := range s.UserRoles {
		var mr []string
		for _, m := range r.ModuleRoles {
			mr = append(mr, m.QualifiedName())
		}
		roles = append(roles, r.Name+"="+strings.Join(mr, ","))
	}
	wantRoles := []string{
		"Administrator=Admin.Administrator,Shop.Manager,System.Administrator",
		"Customer=Admin.User,Shop.Customer,System.User",
		"Guest_role=System.User",
		"Support=Shop.Manager,System.User",
	}
	if !slices.Equal(roles, wantRoles) {
		t.Errorf("user roles %v, want %v", roles, wantRoles)
	}
	if r := app.UserRole("Administrator"); !r.ManageAll || !r.ManageUsersWithoutRoles {
		t.Errorf("Administrator manages all %v, without roles %v", r.ManageAll, r.ManageUsersWithoutRoles)
	}
	if r := app.UserRole("Support"); len(r.ManageableRoles) != 1 || r.ManageableRoles[0].Name != "Customer" {
		t.Errorf("Support manages %v", r.ManageableRoles)
	}
	if r := app.UserRole("Guest_role"); r.CheckSecurity || !s.Anonymous.Enabled || s.Anonymous.Role != r {
		t.Errorf("anonymous %+v, guest role %+v", s.Anonymous, r)
	}
	if d := s.DemoUsers; !d.Enabled || len(d.Users) != 1 || d.Users[0].Name != "demo_customer" || d.Users[0].Entity.QualifiedName() != "Admin.Account" {
		t.Errorf("demo users %+v", d)
	}

	shop := app.Module("Shop")
	adminMod := app.Module("Admin")
	if adminMod.Version != "1.2.3" || !strings.Contains(adminMod.Description, "Marketplace") || shop.Version != "" {
		t.Errorf("Admin version %q description %q; Shop version %q", adminMod.Version, adminMod.Description, shop.Version)
	}
	if len(shop.Roles) != 2 || shop.Roles[0].Name != "Customer" || shop.Roles[0].Description != "Buys things" {
		t.Errorf("Shop roles %+v", shop.Roles)
	}
	status := app.Enumeration("Shop.Status")
	if status == nil || len(status.Values) != 2 || status.Values[1].Caption != "Gesloten" {
		t.Errorf("enumeration Status %+v (captions in the project's language, nl_NL)", status)
	}
	if e := app.Enumeration("Shop.Answer"); e == nil || e.Values[0].Key != "Yes" {
		t.Errorf("enumeration Answer %+v", e)
	}

	order := app.Entity("Shop.Order")
	if order == nil || !order.Persistable || !order.System.Owner || !order.System.CreatedDate || order.System.ChangedBy {
		t.Fatalf("Order %+v", order)
	}
	types := map[string]string{}
	for _, a := range order.Attributes {
		types[a.Name] = string(a.Type)
		if a.Length > 0 {
			types[a.Name] += fmt.Sprint(a.Length)
		}
		if a.Required {
			types[a.Name] += " required"
		}
		if a.Unique {
			types[a.Name] += " unique"
		}
		if a.Default != nil {
			types[a.Name] += " =" + a.Default.Text
		}
	}
	wantTypes := map[string]string{
		"Number": "AutoNumber", "Total": "Decimal required =0", "Status": "Enumeration =Open", "Note": "String unique",
		"Paid": "Boolean =true", "Count": "Integer =0", "Big": "Long", "When": "DateTime", "Secret": "HashString",
		"Data": "Binary", "Price": "Decimal", "id_": "String20", "Gr__e": "String10 =M", "Label": "String50", "Code": "String5",
	}
	for k, v := range wantTypes {
		if types[k] != v {
			t.Errorf("attribute %s: %q, want %q", k, types[k], v)
		}
	}
	if len(types) != len(wantTypes) {
		t.Errorf("attributes %v", types)
	}
	if len(order.Indexes) != 1 || len(order.Indexes[0].Members) != 2 || order.Indexes[0].Members[0].Name != "Status" {
		t.Errorf("indexes %+v", order.Indexes)
	}
	if len(order.Access) != 2 {
		t.Fatalf("Order rules %d", len(order.Access))
	}
	r := order.Access[0]
	if !r.Create || r.Delete || r.XPath == nil || r.XPath.Text != "[System.owner = '[%CurrentUser%]']" || r.Caption != "Own orders" || r.DefaultMemberAccess != model.ReadOnly {
		t.Errorf("rule 1 %+v", r)
	}
	var members []string
	for _, m := range r.Members {
		members = append(members, m.Name+":"+m.Access.String())
	}
	if want := []string{"Total:ReadWrite", "Number:ReadOnly", "createdDate:ReadOnly", "System.owner:ReadOnly", "Order_Customer:ReadWrite", "Gr__e:ReadWrite"}; !slices.Equal(members, want) {
		t.Errorf("rule 1 members %v, want %v", members, want)
	}
	r = order.Access[1]
	if r.Create || !r.Delete || r.DefaultMemberAccess != model.ReadWrite || r.Caption != "Managers see all; costs ${CURRENCY}" || len(r.Roles) != 1 || r.Roles[0].Name != "Manager" {
		t.Errorf("rule 2 %+v", r)
	}
	if e := app.Entity("Shop.Line"); e.Persistable {
		t.Errorf("Line is persistable")
	}
	photo := app.Entity("Shop.Photo")
	if photo.Generalization == nil || photo.Generalization.QualifiedName() != "System.Image" || len(photo.Access[0].Members) != 2 || photo.Access[0].Members[0].Name != "Name" {
		t.Errorf("Photo %+v", photo)
	}
	account := app.Entity("Admin.Account")
	if account.Generalization.QualifiedName() != "System.User" || len(account.Access[0].Members) != 2 || account.Access[1].Caption != "Own account only" {
		t.Errorf("Account %+v", account)
	}
	assocs := map[string]string{}
	for _, a := range shop.Associations {
		assocs[a.Name] = fmt.Sprintf("%s>%s %s %s", a.From.QualifiedName(), a.To.QualifiedName(), a.Type, a.OnDelete)
	}
	wantAssocs := map[string]string{
		"Order_Customer": "Shop.Order>Shop.Customer Reference prevent",
		"Line_Customer":  "Shop.Line>Shop.Customer ReferenceSet keep",
		"Order_Account":  "Shop.Order>Admin.Account Reference cascade",
	}
	if !mapsEqual(assocs, wantAssocs) {
		t.Errorf("associations %v, want %v", assocs, wantAssocs)
	}

	pages := map[string]string{}
	for _, p := range app.Pages() {
		var rs []string
		for _, r := range p.AllowedRoles {
			rs = append(rs, r.Name)
		}
		pages[p.QualifiedName()] = fmt.Sprintf("%s|%s|%s", p.Title, strings.Join(rs, ","), p.URL)
	}
	wantPages := map[string]string{
		"Shop.OrderList": "Bestellingen|Customer,Manager|/p/orders",
		"Shop.OrderEdit": "Order|Manager|",
		"Admin.Accounts": "Accounts|Administrator|",
	}
	if !mapsEqual(pages, wantPages) {
		t.Errorf("pages %v, want %v", pages, wantPages)
	}
	submit := app.Microflow("Shop.Submit")
	if submit == nil || !submit.ApplyEntityAccess || len(submit.AllowedRoles) != 1 || len(submit.Parameters) != 2 ||
		submit.Parameters[0].Entity == nil || submit.Parameters[1].TypeName.Name != "String" {
		t.Errorf("microflow Submit %+v", submit)
	}
	if e := app.Microflow("Shop.Export"); e == nil || e.URL != "/p/export-orders" || len(e.AllowedRoles) != 0 {
		t.Errorf("microflow Export %+v", e)
	}
	nav := app.Navigation
	if nav.Home == nil || nav.Home.Name != "Shop.OrderList" || len(nav.RoleHomes) != 1 || nav.RoleHomes[0].RoleName != "Administrator" {
		t.Errorf("navigation %+v", nav)
	}
	if len(nav.Menu) != 2 || nav.Menu[0].Page.Name != "Shop.OrderList" || len(nav.Menu[1].Items) != 1 || nav.Menu[1].Items[0].Caption != "Accounts" {
		t.Errorf("menu %+v", nav.Menu)
	}

	s2 := res.Summary
	if s2.Modules != 2 || s2.MarketplaceModules != 1 || s2.Entities != 5 || s2.AccessRules != 7 || s2.ModuleRoles != 4 || s2.UserRoles != 4 ||
		s2.Enumerations != 2 || s2.Pages != 3 || s2.Microflows != 2 || s2.DemoUsers != 1 || !s2.AdminPassword || s2.Format != 2 || s2.ProductVersion != "10.18.0.12345" {
		t.Errorf("summary %+v", s2)
	}
	notConverted := map[string]int{}
	for _, c := range s2.NotConverted {
		notConverted[c.What] = c.N
	}
	for k, n := range map[string]int{"nanoflows": 1, "workflows": 1, "published REST services": 1, "documents excluded from the project": 1,
		"widgets": 6, "microflow activities": 2, "entity event handlers": 1, "validation rules": 1} {
		if notConverted[k] != n {
			t.Errorf("not converted %s: %d, want %d (%v)", k, notConverted[k], n, notConverted)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTinyDiagnostics checks that every importer code is used, with a
// place in a written file.
func TestTinyDiagnostics(t *testing.T) {
	res, _ := importTiny(t, 1)
	seen := map[string]int{}
	for _, d := range res.Diags {
		seen[d.Code]++
		if d.Severity != diag.Warning || d.Pos.Line < 1 || d.Pos.Col < 1 || CodeSummaries[d.Code] == "" {
			t.Errorf("bad diagnostic %s", d)
		}
		if _, ok := res.Files[d.Pos.File]; !ok {
			t.Errorf("diagnostic in a file that was not written: %s", d)
		}
	}
	for code := range CodeSummaries {
		if seen[code] == 0 {
			t.Errorf("the tiny project gives no %s", code)
		}
	}
	// Each diagnostic points at a line that exists and is about its subject.
	for _, d := range res.Diags {
		lines := strings.Split(string(res.Files[d.Pos.File]), "\n")
		if d.Pos.Line > len(lines) || d.Pos.Col > len(lines[d.Pos.Line-1])+1 {
			t.Errorf("%s points past the end of its file", d)
		}
	}
}

// TestFilePrefix: the prefix names the project in diagnostics.
func TestFilePrefix(t *testing.T) {
	dir := t.TempDir()
	path := tinyProject().WriteV2(t, dir)
	app, diags, res, err := Load(path, model.Options{Getenv: noEnv})
	if err != nil || app == nil {
		t.Fatal(err)
	}
	if len(res.Diags) == 0 {
		t.Fatal("no importer diagnostics")
	}
	for _, d := range diags {
		if !strings.HasPrefix(d.Pos.File, "App.mpr!") {
			t.Errorf("diagnostic without the App.mpr! prefix: %s", d)
		}
	}
	if !slices.IsSortedFunc(diags, func(a, b diag.Diagnostic) int {
		return strings.Compare(a.Pos.File, b.Pos.File)*4 + cmpInt(a.Pos.Line, b.Pos.Line)*2 + cmpInt(a.Pos.Col, b.Pos.Col)
	}) {
		t.Error("diagnostics are not sorted")
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestWriteDir writes into an absent or empty directory only.
func TestWriteDir(t *testing.T) {
	res, _ := importTiny(t, 2)
	dir := filepath.Join(t.TempDir(), "out")
	if err := res.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "modules", "Shop.yaml"))
	if err != nil || !bytes.Equal(b, res.Files["modules/Shop.yaml"]) {
		t.Fatalf("modules/Shop.yaml: %v", err)
	}
	if err := res.WriteDir(dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("writing into a full directory: %v", err)
	}
	app, diags, err := model.Load(dir, model.Options{Getenv: noEnv})
	if err != nil || diags.HasErrors() || app.Name != "shop" {
		t.Errorf("loading the written app: %v %v", err, diags)
	}
}

// TestPositions: where the importer says it wrote an element is where the
// loader reads it, so the importer's diagnostics point at the right line.
func TestPositions(t *testing.T) {
	paths := []string{tinyProject().WriteV2(t, filepath.Join(t.TempDir(), "tiny"))}
	for _, name := range realProjects {
		p := filepath.Join(realDirOrEmpty(), name, "App.mpr")
		if _, err := os.Stat(p); err == nil {
			paths = append(paths, p)
		}
	}
	for _, path := range paths {
		p, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		c, res, err := convertProject(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		app, _, err := model.LoadFS(res.FS(), model.Options{Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		same := func(what string, got, want diag.Pos) {
			n++
			if got != want {
				t.Errorf("%s: %s: importer %v, loader %v", path, what, got, want)
			}
		}
		for _, m := range c.modules {
			mm := app.Module(m.name)
			same("module "+m.name, m.pos, mm.Pos)
			for i, r := range m.roles {
				same("role "+r.name, r.pos, mm.Roles[i].Pos)
			}
			for _, e := range m.entities {
				me := app.Entity(e.qualified())
				same("entity "+e.qualified(), e.pos, me.Pos)
				for i, a := range e.attrs {
					same("attribute "+a.name, a.pos, me.Attributes[i].Pos)
				}
				for i, r := range e.rules {
					same(fmt.Sprintf("rule %d of %s", i+1, e.qualified()), r.pos, me.Access[i].Pos)
				}
			}
			for _, a := range m.assocs {
				same("association "+a.name, a.pos, app.Association(a.qualified()).Pos)
			}
			for _, pg := range m.pages {
				same("page "+pg.name, pg.pos, app.Page(pg.qualified()).Pos)
			}
		}
		for i, ur := range c.userRoles {
			same("user role "+ur.name, ur.pos, app.Security.UserRoles[i].Pos)
		}
		for i, du := range c.sec.demoUsers {
			same("demo user "+du.name, du.pos, app.Security.DemoUsers.Users[i].Pos)
		}
		if n < 10 {
			t.Errorf("%s: only %d positions compared", path, n)
		}
	}
}
