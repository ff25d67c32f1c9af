package server_test

import (
	"strings"
	"testing"
)

// expectRules checks the rules of a 422 password_policy, in order.
func expectRules(rules ...string) func(t *testing.T, r *resp) {
	return func(t *testing.T, r *resp) {
		t.Helper()
		var got []string
		for _, d := range details(r) {
			rule, _ := d["rule"].(string)
			got = append(got, rule)
			if msg, _ := d["message"].(string); msg == "" {
				t.Errorf("detail without message: %v", d)
			}
		}
		if strings.Join(got, ",") != strings.Join(rules, ",") {
			t.Errorf("rules %v, want %v", got, rules)
		}
	}
}

// TestPasswordPolicy: the rules of security.md, reported in their order,
// wherever a password is set.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	admin := f.as("admin")
	newUser := func(name, pw string) map[string]any {
		return map[string]any{"name": name, "password": pw, "roles": []string{"Employee"}}
	}
	calls := []call{}
	for _, tc := range []struct {
		name, user, pw string
		rules          []string
	}{
		{"common and short", "carol", "password1234", []string{"minLength", "blockCommon"}},
		{"common ignoring case", "carol", "PassWord1234", []string{"minLength", "blockCommon"}},
		{"common long", "carol", "1QAZ2wsx3edc4RFV", []string{"blockCommon"}},
		{"repeated character", "carol", "aaaaaaaaaaaaaaaa", []string{"blockCommon"}},
		{"repeated multibyte character", "carol", strings.Repeat("ü", 16), []string{"blockCommon"}},
		{"digit run wrapping", "carol", "1234567890123", []string{"minLength", "blockCommon"}},
		{"long digit run", "carol", "3456789012345678", []string{"blockCommon"}},
		{"letter run", "carol", "abcdefghijklmnop", []string{"blockCommon"}},
		{"descending run", "carol", "zyxwvutsrqponmlk", []string{"blockCommon"}},
		{"contains user name", "carol", "my-CAROL-is-a-fine-name", []string{"notContainUsername"}},
		{"too long", "carol", strings.Repeat("xy7-", 32) + "z", []string{"maxLength"}},
		{"14 code points", "carol", "Grüße-aus-Köl!", []string{"minLength"}},
		{"empty", "carol", "", []string{"minLength"}},
	} {
		calls = append(calls, call{name: tc.name, c: admin, method: "POST", path: "/api/v1/users", body: newUser(tc.user, tc.pw),
			status: 422, code: "password_policy", check: expectRules(tc.rules...)})
	}
	calls = append(calls,
		call{name: "15 code points", c: admin, method: "POST", path: "/api/v1/users", body: newUser("carol", "Grüße-aus-Köln!"), status: 201},
		call{name: "128 characters", c: admin, method: "POST", path: "/api/v1/users", body: newUser("dave", strings.Repeat("xy7-", 32)), status: 201},
	)
	f.run(t, calls)
	// A password over bcrypt's 72 bytes works, all of it.
	long := strings.Repeat("ab9-", 25)
	c := f.client()
	expect(t, c.do("POST", "/api/v1/login", loginBody("dave", strings.Repeat("xy7-", 32))), 200, "")
	expect(t, admin.do("POST", "/api/v1/users", newUser("long", long)), 201, "")
	expect(t, c.do("POST", "/api/v1/login", loginBody("long", long)), 200, "")
	expect(t, c.do("POST", "/api/v1/login", loginBody("long", long[:72])), 401, "invalid_credentials")
	expect(t, c.do("POST", "/api/v1/login", loginBody("long", long[:99])), 401, "invalid_credentials")
}

// TestPasswordPolicyAllRules: every rule fails, in security.md's order.
func TestPasswordPolicyAllRules(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{edits: []edit{
		{"requireDigit: false", "requireDigit: true"},
		{"requireMixedCase: false", "requireMixedCase: true"},
		{"requireSymbol: false", "requireSymbol: true"},
	}})
	admin := f.as("admin")
	f.run(t, []call{
		{name: "all rules", c: admin, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "aaaa", "password": "aaaaa", "roles": []string{"Employee"}},
			status: 422, code: "password_policy", check: expectRules("minLength", "requireDigit", "requireMixedCase", "requireSymbol", "blockCommon", "notContainUsername")},
		{name: "unicode mixed case", c: admin, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "bob", "password": "ÄÖÜ-äöü-çñ-éè-99", "roles": []string{"Employee"}},
			status: 201},
		{name: "no upper case", c: admin, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "bob2", "password": "äöü-äöü-çñ-éè-99", "roles": []string{"Employee"}},
			status: 422, code: "password_policy", check: expectRules("requireMixedCase")},
		{name: "no symbol, no digit", c: admin, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "bob3", "password": "NoSymbolsHereAtAll", "roles": []string{"Employee"}},
			status: 422, code: "password_policy", check: expectRules("requireDigit", "requireSymbol")},
	})
}

// TestOwnPasswordChange: 403 invalid_credentials on a wrong current
// password; 422 on the policy; success ends the other sessions only.
func TestOwnPasswordChange(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		me, other := f.as("emma"), f.as("emma")
		const newPW = "a-Brand-new-passphrase-2"
		f.run(t, []call{
			{name: "wrong current", c: me, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": "wrong-password-123456", "new": newPW},
				status: 403, code: "invalid_credentials"},
			{name: "missing csrf", c: me, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": userPW, "new": newPW}, opts: []opt{noCSRF()},
				status: 403, code: "csrf_failed"},
			{name: "policy", c: me, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": userPW, "new": "password1234"},
				status: 422, code: "password_policy", check: expectRules("minLength", "blockCommon")},
			{name: "unknown member", c: me, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": userPW, "new": newPW, "x": "y"},
				status: 400, code: "bad_request"},
			{name: "other session still alive", c: other, method: "GET", path: "/api/v1/session", status: 200},
			{name: "change", c: me, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": userPW, "new": newPW}, status: 204},
			{name: "current session stays", c: me, method: "GET", path: "/api/v1/session", status: 200},
			{name: "other session ended", c: other, method: "GET", path: "/api/v1/session", status: 401, code: "not_authenticated"},
			{name: "old password refused", method: "POST", path: "/api/v1/login", body: loginBody("emma", userPW), status: 401, code: "invalid_credentials"},
		})
		if s := f.state(t, "emma"); s.failed != 1 {
			// Only the refused sign-in with the old password counts; the
			// wrong current password does not.
			t.Errorf("FailedLogins %d, want 1", s.failed)
		}
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", newPW)), 200, "")
	})
}

// TestSessionsEndOnUserChanges: a password, roles, deactivation or block
// set by someone else ends the user's sessions; a name change does not.
func TestSessionsEndOnUserChanges(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		admin := f.as("admin")
		max := f.as("max", "Manager")
		for _, tc := range []struct {
			name   string
			by     *client
			change map[string]any
			ends   bool
		}{
			{"name", admin, map[string]any{"name": "renamed-%s"}, false},
			{"password by a manager", max, map[string]any{"password": "set-By-the-manager-1"}, true},
			{"roles", admin, map[string]any{"roles": []string{"Employee", "Manager"}}, true},
			{"deactivate", max, map[string]any{"active": false}, true},
			{"block", max, map[string]any{"blocked": true}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				user := "u-" + strings.ReplaceAll(tc.name, " ", "-")
				c := f.as(user, "Employee")
				body := tc.change
				if n, ok := body["name"].(string); ok {
					body = map[string]any{"name": strings.ReplaceAll(n, "%s", user)}
				}
				expect(t, tc.by.do("PATCH", "/api/v1/users/"+f.ids[user], body), 200, "")
				want := 200
				if tc.ends {
					want = 401
				}
				expect(t, c.do("GET", "/api/v1/session", nil), want, map[bool]string{true: "not_authenticated"}[tc.ends])
				expect(t, tc.by.do("GET", "/api/v1/session", nil), 200, "")
			})
		}
		t.Run("roles through the object API", func(t *testing.T) {
			c := f.as("obj-roles", "Employee")
			r := admin.do("GET", "/api/v1/objects/System.UserRole?sort=Name", nil)
			var manager string
			for _, it := range r.items(t) {
				if it["Name"] == "Manager" {
					manager = it["id"].(string)
				}
			}
			expect(t, admin.do("PATCH", "/api/v1/objects/Administration.Account/"+f.ids["obj-roles"], map[string]any{"System.UserRoles": []string{manager}}), 200, "")
			expect(t, c.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
		})
		t.Run("password through the object API", func(t *testing.T) {
			c := f.as("obj-pw", "Employee")
			acct := "/api/v1/objects/Administration.Account/" + f.ids["obj-pw"]
			r := admin.do("PATCH", acct, map[string]any{"Password": "obj-pw-is-short"})
			expect(t, r, 422, "password_policy", `"rule":"notContainUsername"`)
			expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
			expect(t, admin.do("PATCH", acct, map[string]any{"Password": "a-Fine-new-passphrase-3"}), 200, "")
			expect(t, c.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
			expect(t, f.client().do("POST", "/api/v1/login", loginBody("obj-pw", "a-Fine-new-passphrase-3")), 200, "")
		})
		t.Run("own password through the users API keeps the session", func(t *testing.T) {
			other := f.as("admin")
			expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["admin"], map[string]any{"password": adminPW}), 200, "")
			expect(t, admin.do("GET", "/api/v1/session", nil), 200, "")
			expect(t, other.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
		})
		t.Run("own name through the object API does not", func(t *testing.T) {
			c := f.as("obj-name", "Employee")
			expect(t, admin.do("PATCH", "/api/v1/objects/Administration.Account/"+f.ids["obj-name"], map[string]any{"FullName": "Obj Name"}), 200, "")
			expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
		})
	})
}
