package server_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// names lists the "name" of each item.
func names(t testing.TB, r *resp) []string {
	t.Helper()
	var out []string
	for _, it := range r.items(t) {
		out = append(out, it["name"].(string))
	}
	return out
}

func TestUsersAPI(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		admin := f.as("admin")
		max := f.as("max", "Manager")
		emma := f.as("emma", "Employee")
		f.createUser("Zed", "Employee")
		f.createUser("bert", "Employee")
		f.createUser("both", "Employee", "Manager")
		f.createUser("norole")
		users := "/api/v1/users"
		u := func(name string) string { return users + "/" + f.ids[name] }
		f.run(t, []call{
			{name: "admin lists all, by case-folded name", c: admin, method: "GET", path: users, status: 200,
				check: func(t *testing.T, r *resp) {
					got := strings.Join(names(t, r), ",")
					if got != "admin,bert,both,demo_employee,demo_manager,emma,max,norole,Zed" {
						t.Errorf("users %s", got)
					}
					for _, it := range r.items(t) {
						if it["name"] == "both" {
							if rs := it["roles"].([]any); len(rs) != 2 || rs[0] != "Employee" || rs[1] != "Manager" {
								t.Errorf("roles not in app.yaml order: %v", rs)
							}
						}
						if len(it) != 5 {
							t.Errorf("MANAGED has members %v", it)
						}
					}
				}},
			{name: "manager lists employees only", c: max, method: "GET", path: users, status: 200,
				check: func(t *testing.T, r *resp) {
					if got := strings.Join(names(t, r), ","); got != "bert,demo_employee,emma,Zed" {
						t.Errorf("manager sees %s", got)
					}
				}},
			{name: "employee manages nobody", c: emma, method: "GET", path: users, status: 200, has: []string{`{"items":[]}`}},
			{name: "employee cannot create", c: emma, method: "POST", path: users, body: map[string]any{"name": "x1", "password": userPW, "roles": []string{"Employee"}}, status: 403, code: "access_denied"},
			{name: "manager creates an employee", c: max, method: "POST", path: users, body: map[string]any{"name": "newbie", "password": userPW, "roles": []string{"Employee"}}, status: 201,
				has: []string{`"name":"newbie"`, `"roles":["Employee"]`, `"active":true`, `"blocked":false`}},
			{name: "inactive on create", c: admin, method: "POST", path: users, body: map[string]any{"name": "sleeper", "password": userPW, "roles": []string{"Employee"}, "active": false}, status: 201,
				has: []string{`"active":false`}},
			{name: "inactive user cannot sign in", method: "POST", path: "/api/v1/login", body: loginBody("sleeper", userPW), status: 401, code: "invalid_credentials"},
			{name: "new user signs in", method: "POST", path: "/api/v1/login", body: loginBody("newbie", userPW), status: 200},
			{name: "cannot grant Manager", c: max, method: "POST", path: users, body: map[string]any{"name": "boss", "password": userPW, "roles": []string{"Manager"}}, status: 403, code: "access_denied",
				has: []string{"Manager"}},
			{name: "403 before 422", c: max, method: "POST", path: users, body: map[string]any{"name": "boss", "password": "short", "roles": []string{"Manager"}}, status: 403, code: "access_denied"},
			{name: "no roles without manageUsersWithoutRoles", c: max, method: "POST", path: users, body: map[string]any{"name": "boss", "password": userPW, "roles": []string{}}, status: 403, code: "access_denied"},
			{name: "admin may create without roles", c: admin, method: "POST", path: users, body: map[string]any{"name": "bare", "password": userPW}, status: 201, has: []string{`"roles":[]`}},
			{name: "unknown role", c: admin, method: "POST", path: users, body: map[string]any{"name": "x2", "password": userPW, "roles": []string{"Nope"}}, status: 400, code: "bad_request"},
			{name: "unknown field", c: admin, method: "POST", path: users, body: map[string]any{"name": "x3", "password": userPW, "admin": true}, status: 400, code: "bad_request"},
			{name: "policy", c: max, method: "POST", path: users, body: map[string]any{"name": "weak", "password": "password1234", "roles": []string{"Employee"}}, status: 422, code: "password_policy"},
			{name: "name taken ignoring case", c: max, method: "POST", path: users, body: map[string]any{"name": "EMMA", "password": userPW, "roles": []string{"Employee"}}, status: 409, code: "conflict"},
			{name: "422 before 409", c: max, method: "POST", path: users, body: map[string]any{"name": "EMMA", "password": "password1234", "roles": []string{"Employee"}}, status: 422, code: "password_policy"},
			{name: "manager cannot see admin (patch)", c: max, method: "PATCH", path: u("admin"), body: map[string]any{"name": "x"}, status: 404, code: "not_found"},
			{name: "manager cannot see admin (delete)", c: max, method: "DELETE", path: u("admin"), status: 404, code: "not_found"},
			{name: "manager cannot see a user with a Manager role", c: max, method: "PATCH", path: u("both"), body: map[string]any{"active": false}, status: 404, code: "not_found"},
			{name: "manager cannot grant Manager", c: max, method: "PATCH", path: u("bert"), body: map[string]any{"roles": []string{"Manager"}}, status: 403, code: "access_denied"},
			{name: "404 before 400", c: max, method: "PATCH", path: u("admin"), body: `{`, status: 404, code: "not_found"},
			{name: "malformed id", c: admin, method: "PATCH", path: users + "/x!y", body: map[string]any{"name": "x"}, status: 404, code: "not_found"},
			{name: "unknown patch field", c: admin, method: "PATCH", path: u("bert"), body: map[string]any{"FailedLogins": 0}, status: 400, code: "bad_request"},
			{name: "rename to a taken name", c: admin, method: "PATCH", path: u("bert"), body: map[string]any{"name": "Emma"}, status: 409, code: "conflict"},
			{name: "rename own case", c: admin, method: "PATCH", path: u("bert"), body: map[string]any{"name": "Bert"}, status: 200, has: []string{`"name":"Bert"`}},
			{name: "self roles", c: admin, method: "PATCH", path: u("admin"), body: map[string]any{"roles": []string{"Administrator", "Employee"}}, status: 403, code: "access_denied"},
			{name: "self active", c: admin, method: "PATCH", path: u("admin"), body: map[string]any{"active": false}, status: 403, code: "access_denied"},
			{name: "self blocked", c: admin, method: "PATCH", path: u("admin"), body: map[string]any{"blocked": true}, status: 403, code: "access_denied"},
			{name: "self delete", c: admin, method: "DELETE", path: u("admin"), status: 403, code: "access_denied"},
			{name: "self rename is allowed to a manager of oneself", c: admin, method: "PATCH", path: u("admin"), body: map[string]any{"name": "admin"}, status: 200},
			{name: "manager blocks self", c: max, method: "PATCH", path: u("max"), body: map[string]any{"blocked": true}, status: 403, code: "access_denied"},
			{name: "manager deletes self", c: max, method: "DELETE", path: u("max"), status: 403, code: "access_denied"},
			{name: "admin still signed in", c: admin, method: "GET", path: "/api/v1/session", status: 200, has: []string{`"roles":["Administrator"]`}},
			{name: "max still active", c: max, method: "GET", path: "/api/v1/session", status: 200},
			{name: "users without roles managed by admin", c: admin, method: "PATCH", path: u("norole"), body: map[string]any{"roles": []string{"Employee"}}, status: 200, has: []string{`"roles":["Employee"]`}},
			// A request that cannot be carried out whole changes nothing:
			// the name is too long, so the new password is not set either.
			{name: "password with a bad name", c: admin, method: "PATCH", path: u("bert"), body: map[string]any{"password": "another-Good-pass-77", "name": strings.Repeat("b", 101)}, status: 422, code: "validation_failed"},
			{name: "old password still works", method: "POST", path: "/api/v1/login", body: loginBody("bert", userPW), status: 200},
			{name: "weak password with a rename", c: admin, method: "PATCH", path: u("bert"), body: map[string]any{"password": "short", "name": "bertie"}, status: 422, code: "password_policy"},
			{name: "not renamed", c: admin, method: "GET", path: users, status: 200, has: []string{`"name":"Bert"`},
				check: func(t *testing.T, r *resp) {
					if slices.Contains(names(t, r), "bertie") {
						t.Error("renamed although the password was refused")
					}
				}},
			{name: "manager deletes an employee", c: max, method: "DELETE", path: u("Zed"), status: 204},
			{name: "deleted user gone", c: max, method: "DELETE", path: u("Zed"), status: 404, code: "not_found"},
			{name: "deleted user cannot sign in", method: "POST", path: "/api/v1/login", body: loginBody("Zed", userPW), status: 401, code: "invalid_credentials"},
		})
	})
}

// TestUnblockResetsFailedLogins: blocked false resets FailedLogins.
func TestUnblockResetsFailedLogins(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	admin := f.as("admin")
	f.createUser("emma", "Employee")
	for range 2 {
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", "wrong-password-123456")), 401, "invalid_credentials")
	}
	if s := f.state(t, "emma"); s.failed != 2 {
		t.Fatalf("%+v", s)
	}
	expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["emma"], map[string]any{"blocked": false}), 200, "", `"blocked":false`)
	if s := f.state(t, "emma"); s.failed != 0 {
		t.Fatalf("blocked:false kept FailedLogins: %+v", s)
	}
	// Lifting a lockout by hand.
	for range 3 {
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", "wrong-password-123456")), 401, "invalid_credentials")
	}
	expect(t, admin.do("GET", "/api/v1/users", nil), 200, "", `"blocked":true`)
	expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["emma"], map[string]any{"blocked": false}), 200, "", `"blocked":false`)
	if s := f.state(t, "emma"); s.failed != 0 || s.blocked || s.since != nil {
		t.Fatalf("after unblocking: %+v", s)
	}
	expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
}

// TestDeletedUserReferences: deleting a user ends their sessions and
// clears references to them (System.owner).
func TestDeletedUserReferences(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	admin := f.as("admin")
	emma := f.as("emma", "Employee")
	id := emma.create("Expenses.Expense", map[string]any{"Description": "Taxi", "Amount": 5})
	expect(t, admin.do("GET", "/api/v1/objects/Expenses.Expense/"+id, nil), 200, "", `"System.owner":"`+f.ids["emma"]+`"`)
	expect(t, admin.do("DELETE", "/api/v1/users/"+f.ids["emma"], nil), 204, "")
	expect(t, emma.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
	expect(t, admin.do("GET", "/api/v1/objects/Expenses.Expense/"+id, nil), 200, "", `"System.owner":null`)
	n, _ := strconv.ParseInt(f.ids["emma"], 10, 64)
	if rec, err := f.rt.Identity.User(context.Background(), n); err != nil || rec != nil {
		t.Errorf("user still there: %v %v", rec, err)
	}
}
