package server_test

import (
	"context"
	"strings"
	"testing"
)

var crossSite = []opt{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example")}

func TestDemoUsers(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		admin := f.as("admin")
		f.createUser("emma", "Employee")
		demo := func(name string) string { return "/api/v1/demo-users/" + name + "/login" }
		f.run(t, []call{
			{name: "list in model order", method: "GET", path: "/api/v1/demo-users", status: 200,
				check: func(t *testing.T, r *resp) {
					want := `[{"name":"demo_employee","roles":["Employee"]},{"name":"demo_manager","roles":["Manager"]}]`
					if strings.TrimSpace(string(r.body)) != want {
						t.Errorf("demo users %s", r.body)
					}
				}},
			{name: "sign in", method: "POST", path: demo("demo_manager"), status: 200, has: []string{`"name":"demo_manager"`, `"roles":["Manager"]`, `"csrfToken":"`},
				check: func(t *testing.T, r *resp) { checkSessionCookie(t, r, "rampart-session", "Strict", false) }},
			{name: "not a demo user", method: "POST", path: demo("emma"), status: 404, code: "not_found"},
			{name: "the admin is not a demo user", method: "POST", path: demo("admin"), status: 404, code: "not_found"},
			{name: "unknown", method: "POST", path: demo("nobody"), status: 404, code: "not_found"},
			{name: "case of the name", method: "POST", path: demo("DEMO_EMPLOYEE"), status: 200},
			{name: "cross-origin", method: "POST", path: demo("demo_employee"), opts: crossSite, status: 403, code: "csrf_failed"},
			{name: "block", c: admin, method: "PATCH", path: "/api/v1/users/" + demoID(t, f, admin, "demo_employee"), body: map[string]any{"blocked": true}, status: 200},
			{name: "blocked demo user", method: "POST", path: demo("demo_employee"), status: 401, code: "invalid_credentials"},
			{name: "deactivate", c: admin, method: "PATCH", path: "/api/v1/users/" + demoID(t, f, admin, "demo_manager"), body: map[string]any{"active": false}, status: 200},
			{name: "inactive demo user", method: "POST", path: demo("demo_manager"), status: 401, code: "invalid_credentials"},
		})
	})
}

// demoID is the id of a user by name, from the admin's user list.
func demoID(t testing.TB, f *fixture, admin *client, name string) string {
	t.Helper()
	if id, ok := f.ids[name]; ok {
		return id
	}
	for _, it := range admin.do("GET", "/api/v1/users", nil).items(t) {
		if it["name"] == name {
			f.ids[name] = it["id"].(string)
			return f.ids[name]
		}
	}
	t.Fatalf("no user %s", name)
	return ""
}

// TestRoutesThatAreOff: demo-user calls with demo users off, and sign-in
// calls at level off, are unknown routes: 404 before anything else.
func TestRoutesThatAreOff(t *testing.T) {
	t.Parallel()
	big := `{"x": "` + strings.Repeat("x", 1<<20) + `"}`
	t.Run("demo users disabled", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{edits: []edit{{"  demoUsers:\n    enabled: true", "  demoUsers:\n    enabled: false"}}})
		f.run(t, []call{
			{name: "list", method: "GET", path: "/api/v1/demo-users", status: 404, code: "not_found"},
			{name: "sign in", method: "POST", path: "/api/v1/demo-users/demo_employee/login", status: 404, code: "not_found"},
			{name: "404 before 403 cross-origin", method: "POST", path: "/api/v1/demo-users/demo_employee/login", opts: crossSite, status: 404, code: "not_found"},
			{name: "404 before 413", method: "POST", path: "/api/v1/demo-users/demo_employee/login", body: big, status: 404, code: "not_found"},
			{name: "404 not 405", method: "DELETE", path: "/api/v1/demo-users", status: 404, code: "not_found"},
		})
	})
	t.Run("level off", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{edits: []edit{{"level: production", "level: off"}}})
		f.run(t, []call{
			{name: "login", method: "POST", path: "/api/v1/login", body: loginBody("admin", adminPW), status: 404, code: "not_found"},
			{name: "login cross-origin", method: "POST", path: "/api/v1/login", opts: crossSite, status: 404, code: "not_found"},
			{name: "login too large", method: "POST", path: "/api/v1/login", body: big, status: 404, code: "not_found"},
			{name: "login wrong method", method: "GET", path: "/api/v1/login", status: 404, code: "not_found"},
			{name: "logout", method: "POST", path: "/api/v1/logout", status: 404, code: "not_found"},
			{name: "demo users", method: "GET", path: "/api/v1/demo-users", status: 404, code: "not_found"},
			{name: "demo sign-in", method: "POST", path: "/api/v1/demo-users/demo_employee/login", status: 404, code: "not_found"},
		})
	})
}

func TestLevelOff(t *testing.T) {
	onEachStore(t, lab(edit{"level: production", "level: off"}), func(t *testing.T, f *fixture) {
		c := f.client()
		var id string
		f.run(t, []call{
			{name: "session", c: c, method: "GET", path: "/api/v1/session", status: 200, has: []string{`"user":null`, `"securityLevel":"off"`, `"mode":"development"`}},
			{name: "create without session", c: c, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: map[string]any{"Description": "Open", "Amount": 1}, status: 201,
				has:   []string{`"System.owner":null`, `"System.changedBy":null`},
				check: func(t *testing.T, r *resp) { id = r.obj(t)["id"].(string) }},
		})
		obj := "/api/v1/objects/Expenses.Expense/" + id
		f.run(t, []call{
			{name: "list", c: c, method: "GET", path: "/api/v1/objects/Expenses.Expense", status: 200, has: []string{`"Description":"Open"`}},
			{name: "status writable", c: c, method: "PATCH", path: obj, body: map[string]any{"Status": "Approved"}, status: 200, has: []string{`"Status":"Approved"`}},
			{name: "system members still not writable", c: c, method: "PATCH", path: obj, body: map[string]any{"Number": 5}, status: 403, code: "access_denied"},
			{name: "any page", c: c, method: "POST", path: "/api/v1/ops/Lab.Forbidden/list", body: `{}`, status: 200},
			{name: "cross-origin still refused", c: c, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: `{}`, opts: crossSite, status: 403, code: "csrf_failed"},
			{name: "users: every non-anonymous user", c: c, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "emma", "password": userPW, "roles": []string{"Manager"}}, status: 201},
			{name: "users list", c: c, method: "GET", path: "/api/v1/users", status: 200, has: []string{`"name":"emma"`}, not: []string{`"name":"admin"`, "demo_"}},
			{name: "delete", c: c, method: "DELETE", path: obj, status: 204},
			{name: "navigation shows every page", c: c, method: "GET", path: "/api/v1/navigation", status: 200,
				has: []string{`"home":"Expenses.MyExpenses"`, "Expenses.Approvals", "Expenses.AllExpenses", "Administration.Accounts", "Administration.MyAccount"}},
		})
	})
}

func TestLevelPrototype(t *testing.T) {
	onEachStore(t, lab(edit{"level: production", "level: prototype"}), func(t *testing.T, f *fixture) {
		emma := f.as("emma", "Employee")
		erik := f.as("erik", "Employee")
		tina := f.as("tina", "Tester")
		exp := erik.create("Expenses.Expense", map[string]any{"Description": "Erik's", "Amount": 3})
		acct := "/api/v1/objects/Administration.Account/"
		f.run(t, []call{
			{name: "module rules skipped: read others' data", c: emma, method: "GET", path: "/api/v1/objects/Expenses.Expense/" + exp, status: 200, has: []string{`"Description":"Erik's"`}},
			{name: "module rules skipped: write", c: emma, method: "PATCH", path: "/api/v1/objects/Expenses.Expense/" + exp, body: map[string]any{"Status": "Approved"}, status: 200},
			{name: "module rules skipped: create", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Project", body: map[string]any{"Name": "P"}, status: 201},
			{name: "even entities without rules", c: tina, method: "POST", path: "/api/v1/objects/Lab.Gadget", body: map[string]any{"Name": "g"}, status: 201},
			{name: "system members not writable", c: emma, method: "PATCH", path: "/api/v1/objects/Expenses.Expense/" + exp, body: map[string]any{"System.owner": f.ids["emma"]}, status: 403, code: "access_denied"},
			{name: "account's own members", c: emma, method: "PATCH", path: acct + f.ids["erik"], body: map[string]any{"FullName": "E. Rik"}, status: 200},
			{name: "built-in user rules kept: no Name of others", c: emma, method: "GET", path: acct + f.ids["erik"], status: 200, not: []string{`"Name"`, "FailedLogins", "Password", "BlockedSince"}},
			{name: "built-in user rules kept: no write of Name", c: emma, method: "PATCH", path: acct + f.ids["erik"], body: map[string]any{"Name": "hacked"}, status: 403, code: "access_denied"},
			{name: "built-in user rules kept: no roles", c: emma, method: "PATCH", path: acct + f.ids["erik"], body: map[string]any{"Blocked": true}, status: 403, code: "access_denied"},
			{name: "own Name readable", c: emma, method: "GET", path: acct + f.ids["emma"], status: 200, has: []string{`"Name":"emma"`}},
			{name: "no user deletes through objects", c: emma, method: "DELETE", path: acct + f.ids["erik"], status: 403, code: "access_denied"},
			{name: "users API checks kept", c: emma, method: "GET", path: "/api/v1/users", status: 200, has: []string{`{"items":[]}`}},
			{name: "users API create refused", c: emma, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "x", "password": userPW, "roles": []string{"Employee"}}, status: 403, code: "access_denied"},
			{name: "System.Session", c: emma, method: "GET", path: "/api/v1/objects/System.Session", status: 404, code: "not_found"},
			{name: "pages enforced", c: emma, method: "POST", path: "/api/v1/ops/Expenses.AllExpenses/list", body: `{}`, status: 403, code: "access_denied"},
			{name: "session shows the level", c: emma, method: "GET", path: "/api/v1/session", status: 200, has: []string{`"securityLevel":"prototype"`}},
		})
	})
}

func TestNavigation(t *testing.T) {
	t.Parallel()
	f := start(t, lab())
	menu := func(t *testing.T, r *resp) string { return strings.TrimSpace(string(r.body)) }
	for _, tc := range []struct {
		user  string
		roles []string
		want  string
	}{
		{"emma", []string{"Employee"}, `{"home":"Expenses.MyExpenses","menu":[{"caption":"My expenses","page":"Expenses.MyExpenses"},{"caption":"My account","page":"Administration.MyAccount"}]}`},
		{"max", []string{"Manager"}, `{"home":"Expenses.Approvals","menu":[{"caption":"My expenses","page":"Expenses.MyExpenses"},{"caption":"Approvals","items":[{"caption":"To approve","page":"Expenses.Approvals"},{"caption":"My projects","page":"Expenses.ManagedProjects"}]},{"caption":"My account","page":"Administration.MyAccount"}]}`},
		{"admin", nil, `{"home":"Expenses.AllExpenses","menu":[{"caption":"Admin","items":[{"caption":"All expenses","page":"Expenses.AllExpenses"},{"caption":"Projects","page":"Expenses.Projects"},{"caption":"Tags","page":"Expenses.Tags"},{"caption":"Accounts","page":"Administration.Accounts"}]}]}`},
		{"tina", []string{"Tester"}, `{"home":null,"menu":[]}`},
		// The first user role (app.yaml order) with a home the user may
		// open: Employee has none, Manager's is Approvals.
		{"both", []string{"Employee", "Manager"}, `"home":"Expenses.Approvals"`},
		{"boss", []string{"Manager", "Administrator"}, `"home":"Expenses.AllExpenses"`},
	} {
		t.Run(tc.user, func(t *testing.T) {
			c := f.as(tc.user, tc.roles...)
			r := c.do("GET", "/api/v1/navigation", nil)
			expect(t, r, 200, "")
			if got := menu(t, r); !strings.Contains(got, tc.want) {
				t.Errorf("navigation\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestNavigationHomeFallback: a role home the user may not open falls back
// to navigation.home, and to null when that cannot be opened either.
func TestNavigationHomeFallback(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{edits: []edit{{"Manager: Expenses.Approvals", "Manager: Expenses.AllExpenses"}}})
	expect(t, f.as("max", "Manager").do("GET", "/api/v1/navigation", nil), 200, "", `"home":"Expenses.MyExpenses"`)
	g := start(t, appConfig{edits: []edit{{"Administrator: Expenses.AllExpenses", "Administrator: Expenses.Approvals"}}})
	expect(t, g.as("admin").do("GET", "/api/v1/navigation", nil), 200, "", `"home":null`)
}

// TestProductionMode: demo users are not created or offered, and the
// session says the mode. bcrypt cost 10 is slow under the race detector:
// the test hashes once (the admin) and uses an anonymous session.
func TestProductionMode(t *testing.T) {
	t.Parallel()
	cfg := guests(edit{"hashAlgorithm: bcrypt:4", "hashAlgorithm: bcrypt:10"})
	cfg.mode = "production"
	f := start(t, cfg)
	f.run(t, []call{
		{name: "demo users list", method: "GET", path: "/api/v1/demo-users", status: 404, code: "not_found"},
		{name: "demo sign-in", method: "POST", path: "/api/v1/demo-users/demo_employee/login", status: 404, code: "not_found"},
		{name: "session", method: "GET", path: "/api/v1/session", status: 200, has: []string{`"mode":"production"`, `"securityLevel":"production"`, `"anonymous":true`}},
	})
	for _, name := range []string{"demo_employee", "demo_manager"} {
		if id, err := f.rt.Identity.FindUser(context.Background(), name); err != nil || id != 0 {
			t.Errorf("demo user %s created in production mode (%d, %v)", name, id, err)
		}
	}
	if !strings.Contains(f.logs.String(), "trusted-proxy") {
		t.Error("no warning about the missing --trusted-proxy")
	}
	if strings.Contains(f.stdout.String(), "admin password") {
		t.Error("a configured admin password was printed")
	}
}
