package server_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
)

// TestStatusCodes covers every row of http-api.md's status table that a
// request can provoke, each with the JSON error shape.
func TestStatusCodes(t *testing.T) {
	onEachStore(t, lab(), func(t *testing.T, f *fixture) {
		admin := f.as("admin")
		emma := f.as("emma", "Employee")
		erik := f.as("erik", "Employee")
		tina := f.as("tina", "Tester")

		own := emma.create("Expenses.Expense", map[string]any{"Description": "Taxi", "Amount": "23.5"})
		submitted := emma.create("Expenses.Expense", map[string]any{"Description": "Hotel", "Amount": 120})
		if r := admin.do("PATCH", "/api/v1/objects/Expenses.Expense/"+submitted, map[string]any{"Status": "Submitted"}); r.status != 200 {
			t.Fatalf("submitting: %s", r)
		}
		project := admin.create("Expenses.Project", map[string]any{"Name": "Alpha"})
		box := tina.create("Lab.Box", map[string]any{"Label": "B1"})
		tina.create("Lab.Item", map[string]any{"Name": "I1", "Lab.Item_Box": box})

		big := `{"Description": "` + strings.Repeat("x", 1<<20) + `"}`
		expense := "/api/v1/objects/Expenses.Expense"

		f.run(t, []call{
			// 404 and 405 of the router, in the JSON shape.
			{name: "unknown api route", method: "GET", path: "/api/v1/nope", status: 404, code: "not_found"},
			{name: "unknown route outside api", c: admin, method: "GET", path: "/nope/at/all", status: 404, code: "not_found"},
			{name: "wrong method", method: "DELETE", path: "/api/v1/session", status: 405, code: "method_not_allowed",
				check: func(t *testing.T, r *resp) {
					if a := r.header.Get("Allow"); !strings.Contains(a, "GET") {
						t.Errorf("Allow = %q", a)
					}
				}},
			{name: "wrong method on objects", c: emma, method: "PUT", path: expense, body: `{}`, status: 405, code: "method_not_allowed",
				check: func(t *testing.T, r *resp) {
					if a := r.header.Get("Allow"); !strings.Contains(a, "POST") || !strings.Contains(a, "GET") {
						t.Errorf("Allow = %q", a)
					}
				}},
			// 413
			{name: "body over 1 MiB", c: emma, method: "POST", path: expense, body: big, status: 413, code: "too_large"},
			{name: "body over 1 MiB without session", method: "POST", path: expense, body: big, status: 413, code: "too_large"},
			{name: "body over 1 MiB on login", method: "POST", path: "/api/v1/login", body: big, status: 413, code: "too_large"},
			// 403 csrf_failed for cross-origin unsafe requests, even sign-in.
			{name: "cross-origin login", method: "POST", path: "/api/v1/login", body: map[string]string{"username": "emma", "password": userPW},
				opts: []opt{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example")}, status: 403, code: "csrf_failed",
				check: func(t *testing.T, r *resp) {
					if len(r.setCookies()) != 0 {
						t.Errorf("a refused cross-origin login set cookies: %v", r.header.Values("Set-Cookie"))
					}
				}},
			{name: "cross-origin by Origin only", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": 1},
				opts: []opt{hdr("Origin", "https://evil.example")}, status: 403, code: "csrf_failed"},
			{name: "cross-origin GET is allowed", c: emma, method: "GET", path: "/api/v1/session",
				opts: []opt{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example")}, status: 200},
			{name: "same-origin POST is allowed", c: emma, method: "POST", path: "/api/v1/ops/Expenses.MyExpenses/list", body: `{}`,
				opts: []opt{hdr("Sec-Fetch-Site", "same-origin")}, status: 200},
			// CSRF
			{name: "missing csrf token", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "NoToken", "Amount": 1},
				opts: []opt{noCSRF()}, status: 403, code: "csrf_failed"},
			{name: "wrong csrf token", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "BadToken", "Amount": 1},
				opts: []opt{hdr("X-Csrf-Token", "not-the-token")}, status: 403, code: "csrf_failed"},
			{name: "another session's csrf token", c: emma, method: "DELETE", path: expense + "/" + own,
				opts: []opt{hdr("X-Csrf-Token", erik.csrf)}, status: 403, code: "csrf_failed"},
			{name: "csrf before unknown entity", c: emma, method: "POST", path: "/api/v1/objects/No.Such", body: `{}`,
				opts: []opt{noCSRF()}, status: 403, code: "csrf_failed"},
			{name: "nothing happened without token", c: emma, method: "GET", path: expense + "?xpath=" + q("[Description = 'NoToken' or Description = 'BadToken']"), status: 200, has: []string{`"items":[]`}},
			{name: "own expense not deleted", c: emma, method: "GET", path: expense + "/" + own, status: 200},
			// 401
			{name: "objects without session", method: "GET", path: expense, status: 401, code: "not_authenticated"},
			{name: "unknown entity without session", method: "GET", path: "/api/v1/objects/No.Such", status: 401, code: "not_authenticated"},
			{name: "ops without session", method: "POST", path: "/api/v1/ops/Expenses.MyExpenses/list", body: `{}`, status: 401, code: "not_authenticated"},
			{name: "users without session", method: "GET", path: "/api/v1/users", status: 401, code: "not_authenticated"},
			{name: "navigation without session", method: "GET", path: "/api/v1/navigation", status: 401, code: "not_authenticated"},
			{name: "logout without session", method: "POST", path: "/api/v1/logout", status: 401, code: "not_authenticated"},
			{name: "password without session", method: "POST", path: "/api/v1/session/password", body: `{}`, status: 401, code: "not_authenticated"},
			{name: "session without session", method: "GET", path: "/api/v1/session", status: 401, code: "not_authenticated"},
			{name: "unknown cookie counts as none", method: "GET", path: "/api/v1/navigation",
				opts: []opt{hdr("Cookie", "rampart-session=bogus")}, status: 401, code: "not_authenticated",
				check: func(t *testing.T, r *resp) { expectCleared(t, r, "rampart-session") }},
			{name: "unknown cookie on unsafe call is not a csrf failure", method: "POST", path: "/api/v1/logout",
				opts: []opt{hdr("Cookie", "rampart-session=bogus")}, status: 401, code: "not_authenticated"},
			// 404: unknown, invisible, malformed ids, System.Session, non-persistable.
			{name: "unknown entity", c: emma, method: "GET", path: "/api/v1/objects/No.Such", status: 404, code: "not_found"},
			{name: "entity not qualified", c: emma, method: "GET", path: "/api/v1/objects/Expense", status: 404, code: "not_found"},
			{name: "invisible object", c: erik, method: "GET", path: expense + "/" + own, status: 404, code: "not_found"},
			{name: "invisible object patch", c: erik, method: "PATCH", path: expense + "/" + own, body: map[string]any{"Amount": 1}, status: 404, code: "not_found"},
			{name: "invisible object delete", c: erik, method: "DELETE", path: expense + "/" + own, status: 404, code: "not_found"},
			{name: "invisible before malformed body", c: erik, method: "PATCH", path: expense + "/" + own, body: `{`, status: 404, code: "not_found"},
			{name: "missing object", c: emma, method: "GET", path: expense + "/999999", status: 404, code: "not_found"},
			{name: "malformed id", c: emma, method: "GET", path: expense + "/not%20an%20id", status: 404, code: "not_found"},
			{name: "id of another entity", c: emma, method: "GET", path: expense + "/" + project, status: 404, code: "not_found"},
			{name: "specialization's id through generalization", c: admin, method: "GET", path: "/api/v1/objects/System.User/" + f.ids["emma"], status: 200,
				has: []string{`"$entity":"Administration.Account"`, `"Name":"emma"`}, not: []string{"Password", "FailedLogins"}},
			{name: "System.Session", c: admin, method: "GET", path: "/api/v1/objects/System.Session", status: 404, code: "not_found"},
			{name: "non-persistable", c: tina, method: "GET", path: "/api/v1/objects/Lab.Draft", status: 404, code: "not_found"},
			{name: "non-persistable create", c: tina, method: "POST", path: "/api/v1/objects/Lab.Draft", body: map[string]any{"Text": "x"}, status: 404, code: "not_found"},
			{name: "persistable without rules lists empty", c: tina, method: "GET", path: "/api/v1/objects/Lab.Gadget", status: 200, has: []string{`{"items":[]}`}},
			{name: "unknown page", c: emma, method: "POST", path: "/api/v1/ops/Expenses.Nope/list", body: `{}`, status: 404, code: "not_found"},
			{name: "unknown operation", c: emma, method: "POST", path: "/api/v1/ops/Expenses.MyExpenses/delete", body: `{}`, status: 404, code: "not_found"},
			// 400
			{name: "malformed json", c: emma, method: "POST", path: expense, body: `{"Description": `, status: 400, code: "bad_request"},
			{name: "body not json", c: emma, method: "POST", path: expense, body: `hello`, status: 400, code: "bad_request"},
			{name: "body not an object", c: emma, method: "POST", path: expense, body: `[1]`, status: 400, code: "bad_request"},
			{name: "two json values", c: emma, method: "POST", path: expense, body: `{} {}`, status: 400, code: "bad_request"},
			{name: "unknown member", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": 1, "Nope": 1}, status: 400, code: "bad_request",
				has: []string{"Nope"}},
			{name: "binary member", c: admin, method: "POST", path: "/api/v1/objects/System.FileDocument", body: map[string]any{"Contents": "AAAA"}, status: 400, code: "bad_request"},
			{name: "unknown query parameter", c: emma, method: "GET", path: expense + "?foo=1", status: 400, code: "bad_request", has: []string{"foo"}},
			{name: "limit out of range", c: emma, method: "GET", path: expense + "?limit=1001", status: 400, code: "bad_request"},
			{name: "limit zero", c: emma, method: "GET", path: expense + "?limit=0", status: 400, code: "bad_request"},
			{name: "negative offset", c: emma, method: "GET", path: expense + "?offset=-1", status: 400, code: "bad_request"},
			{name: "count not boolean", c: emma, method: "GET", path: expense + "?count=yes", status: 400, code: "bad_request"},
			{name: "xpath does not parse", c: emma, method: "GET", path: expense + "?xpath=" + q("[Amount >]"), status: 400, code: "bad_request",
				check: expectPosition},
			{name: "xpath does not bind", c: emma, method: "GET", path: expense + "?xpath=" + q("[Nope = 1]"), status: 400, code: "bad_request",
				check: expectPosition},
			{name: "sort on unknown attribute", c: emma, method: "GET", path: expense + "?sort=" + q("Amount,-Nope"), status: 400, code: "bad_request",
				has: []string{"Nope"}, check: expectPosition},
			{name: "sort on association", c: emma, method: "GET", path: expense + "?sort=" + q("Expenses.Expense_Project"), status: 400, code: "bad_request",
				check: expectPosition},
			{name: "sort on a path", c: emma, method: "GET", path: expense + "?sort=" + q("Expenses.Expense_Project/Expenses.Project/Name"), status: 400, code: "bad_request"},
			{name: "id does not match", c: emma, method: "PATCH", path: expense + "/" + own, body: map[string]any{"id": submitted, "Amount": 2}, status: 400, code: "bad_request"},
			{name: "id given on create", c: emma, method: "POST", path: expense, body: map[string]any{"id": own, "Description": "x", "Amount": 1}, status: 400, code: "bad_request"},
			{name: "$entity does not match", c: emma, method: "PATCH", path: expense + "/" + own, body: map[string]any{"$entity": "Expenses.Project", "Amount": 2}, status: 400, code: "bad_request"},
			{name: "$entity a generalization", c: admin, method: "PATCH", path: "/api/v1/objects/System.User/" + f.ids["emma"], body: map[string]any{"$entity": "System.User"}, status: 400, code: "bad_request"},
			{name: "matching id and $entity", c: emma, method: "PATCH", path: expense + "/" + own, body: map[string]any{"id": own, "$entity": "Expenses.Expense", "Amount": "24"}, status: 200,
				has: []string{`"Amount":"24"`}},
			{name: "400 before 403", c: emma, method: "PATCH", path: expense + "/" + submitted, body: map[string]any{"Amount": 1, "Nope": 1}, status: 400, code: "bad_request"},
			// 403 access_denied naming the right
			{name: "no write right", c: emma, method: "PATCH", path: expense + "/" + submitted, body: map[string]any{"Amount": 1}, status: 403, code: "access_denied",
				has: []string{"write", "Amount"}},
			{name: "status never writable by employees", c: emma, method: "PATCH", path: expense + "/" + own, body: map[string]any{"Status": "Approved"}, status: 403, code: "access_denied",
				has: []string{"Status"}},
			{name: "system member", c: admin, method: "PATCH", path: expense + "/" + own, body: map[string]any{"Number": 77}, status: 403, code: "access_denied",
				has: []string{"Number"}},
			{name: "403 before 422 (type)", c: emma, method: "PATCH", path: expense + "/" + own, body: map[string]any{"Number": "abc"}, status: 403, code: "access_denied",
				has: []string{"Number"}},
			{name: "403 before 422 on create (member)", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": "x", "Number": "abc"}, status: 403, code: "access_denied",
				has: []string{"Number"}},
			{name: "403 before 422 on create (entity)", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Project", body: map[string]any{"Name": "x", "Budget": "lots"}, status: 403, code: "access_denied",
				has: []string{"create"}},
			{name: "default value is not a write", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": "x", "Status": "Draft"}, status: 422, code: "validation_failed",
				check: expectDetails("Amount")},
			{name: "403 before 422 (required)", c: emma, method: "PATCH", path: expense + "/" + submitted, body: map[string]any{"Description": ""}, status: 403, code: "access_denied"},
			{name: "no create right", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Project", body: map[string]any{"Name": "Mine"}, status: 403, code: "access_denied",
				has: []string{"create"}},
			{name: "no delete right", c: emma, method: "DELETE", path: "/api/v1/objects/Expenses.Project/" + project, status: 403, code: "access_denied",
				has: []string{"delete"}},
			{name: "users not created through objects", c: admin, method: "POST", path: "/api/v1/objects/Administration.Account", body: map[string]any{"Name": "sneaky"}, status: 403, code: "access_denied"},
			{name: "users not deleted through objects", c: admin, method: "DELETE", path: "/api/v1/objects/Administration.Account/" + f.ids["erik"], status: 403, code: "access_denied"},
			{name: "reference to an invisible object", c: erik, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": 1, "System.owner": f.ids["emma"]}, status: 403, code: "access_denied"},
			{name: "page not allowed", c: emma, method: "POST", path: "/api/v1/ops/Expenses.AllExpenses/list", body: `{}`, status: 403, code: "access_denied",
				has: []string{"Expenses.AllExpenses"}},
			// 422
			{name: "required members", c: emma, method: "POST", path: expense, body: map[string]any{"Currency": "USD"}, status: 422, code: "validation_failed",
				check: expectDetails("Amount", "Description")},
			{name: "bad values", c: emma, method: "POST", path: expense, body: map[string]any{"Description": "x", "Amount": "1e3", "Currency": "GBP"}, status: 422, code: "validation_failed",
				check: expectDetails("Amount", "Currency")},
			{name: "too long (code points)", c: emma, method: "POST", path: expense, body: map[string]any{"Description": strings.Repeat("é", 201), "Amount": "1"}, status: 422, code: "validation_failed",
				check: expectDetails("Description")},
			{name: "200 code points fit", c: emma, method: "POST", path: expense, body: map[string]any{"Description": strings.Repeat("é", 200), "Amount": "1"}, status: 201},
			{name: "integer range", c: tina, method: "POST", path: "/api/v1/objects/Lab.Item", body: map[string]any{"Name": "n", "Qty": 1 << 40}, status: 422, code: "validation_failed",
				check: expectDetails("Qty")},
			{name: "fractional integer", c: tina, method: "POST", path: "/api/v1/objects/Lab.Item", body: map[string]any{"Name": "n", "Qty": 1.5}, status: 422, code: "validation_failed",
				check: expectDetails("Qty")},
			{name: "NUL in string", c: tina, method: "POST", path: "/api/v1/objects/Lab.Item", body: map[string]any{"Name": "a\x00b"}, status: 422, code: "validation_failed",
				check: expectDetails("Name")},
			{name: "too many decimal digits", c: tina, method: "POST", path: "/api/v1/objects/Lab.Item", body: map[string]any{"Name": "n", "Price": "1.123456789"}, status: 422, code: "validation_failed",
				check: expectDetails("Price")},
			// 409
			{name: "unique value taken (case-folded)", c: admin, method: "POST", path: "/api/v1/objects/Expenses.Project", body: map[string]any{"Name": "ALPHA"}, status: 409, code: "conflict"},
			{name: "422 before 409", c: admin, method: "POST", path: "/api/v1/objects/Expenses.Project", body: map[string]any{"Name": "Alpha", "Budget": "x"}, status: 422, code: "validation_failed"},
			{name: "delete prevented", c: tina, method: "DELETE", path: "/api/v1/objects/Lab.Box/" + box, status: 409, code: "conflict",
				has: []string{"Item_Box"}},
			{name: "box still there", c: tina, method: "GET", path: "/api/v1/objects/Lab.Box/" + box, status: 200},
		})
	})
}

// q escapes a query value.
func q(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "[", "%5B", "]", "%5D", "'", "%27", "=", "%3D", ">", "%3E", "<", "%3C", ",", "%2C", "/", "%2F", "&", "%26", "+", "%2B")
	return r.Replace(s)
}

// expectPosition checks that a 400 message names a position.
func expectPosition(t *testing.T, r *resp) {
	t.Helper()
	m := errMessage(r)
	if !strings.Contains(m, "column") && !strings.Contains(m, "position") {
		t.Errorf("message names no position: %q", m)
	}
}

// expectDetails checks the members of a 422's details (sorted by name:
// http-api.md defines no order for them).
func expectDetails(members ...string) func(t *testing.T, r *resp) {
	return func(t *testing.T, r *resp) {
		t.Helper()
		var got []string
		for _, d := range details(r) {
			m, _ := d["member"].(string)
			got = append(got, m)
			if msg, _ := d["message"].(string); msg == "" {
				t.Errorf("detail without message: %v", d)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(members, ",") {
			t.Errorf("detail members %v, want %v", got, members)
		}
	}
}

// expectCleared checks that the answer clears cookie name with Max-Age=0.
func expectCleared(t testing.TB, r *resp, name string) {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			if !strings.Contains(line, "Max-Age=0") {
				t.Errorf("cookie not cleared with Max-Age=0: %s", line)
			}
			return
		}
	}
	t.Errorf("cookie %s not cleared; Set-Cookie: %v", name, r.header.Values("Set-Cookie"))
}

// TestPrecedence checks the order of http-api.md when several answers
// apply: each request below qualifies for two or more of them.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	f := start(t, lab(edit{"strictMode: false", "strictMode: true"}))
	emma := f.as("emma", "Employee")
	big := `{"Description": "` + strings.Repeat("x", 1<<20) + `"}`
	crossSite := []opt{hdr("Sec-Fetch-Site", "cross-site"), hdr("Origin", "https://evil.example")}
	f.run(t, []call{
		{name: "route before size", method: "POST", path: "/api/v1/nope", body: big, status: 404, code: "not_found"},
		{name: "method before size", method: "PUT", path: "/api/v1/login", body: big, status: 405, code: "method_not_allowed"},
		{name: "chunked body over 1 MiB before 401", method: "POST", path: "/api/v1/objects/Expenses.Expense", body: big, opts: []opt{chunked()}, status: 413, code: "too_large"},
		{name: "chunked body over 1 MiB before csrf", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: big, opts: []opt{chunked(), noCSRF()}, status: 413, code: "too_large"},
		{name: "chunked body under 1 MiB", c: emma, method: "POST", path: "/api/v1/ops/Expenses.MyExpenses/list", body: `{"count": true}`, opts: []opt{chunked()}, status: 200, has: []string{`"count":0`}},
		{name: "size before cross-origin", method: "POST", path: "/api/v1/login", body: big, opts: crossSite, status: 413, code: "too_large"},
		{name: "cross-origin before csrf", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: `{}`,
			opts: append([]opt{noCSRF()}, crossSite...), status: 403, code: "csrf_failed", has: []string{"cross-origin"}},
		{name: "cross-origin before 401", method: "POST", path: "/api/v1/logout", opts: crossSite, status: 403, code: "csrf_failed"},
		{name: "csrf before strict mode", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: `{}`, opts: []opt{noCSRF()}, status: 403, code: "csrf_failed"},
		{name: "401 before strict mode", method: "GET", path: "/api/v1/objects/Expenses.Expense", status: 401, code: "not_authenticated"},
		{name: "strict mode before 404", c: emma, method: "GET", path: "/api/v1/objects/No.Such", status: 403, code: "strict_mode"},
		{name: "strict mode before 400", c: emma, method: "POST", path: "/api/v1/objects/Expenses.Expense", body: `{`, status: 403, code: "strict_mode"},
	})
}

// TestStrictMode: only the by-id GET of the generic API is left; page
// operations and the other APIs still work.
func TestStrictMode(t *testing.T) {
	onEachStore(t, lab(edit{"strictMode: false", "strictMode: true"}), func(t *testing.T, f *fixture) {
		emma := f.as("emma", "Employee")
		r := emma.do("POST", "/api/v1/ops/Expenses.ExpenseEdit/save", map[string]any{"values": map[string]any{"Description": "Taxi", "Amount": "9"}})
		expect(t, r, 201, "")
		id, _ := r.obj(t)["id"].(string)
		base := "/api/v1/objects/Expenses.Expense"
		f.run(t, []call{
			{name: "get by id", c: emma, method: "GET", path: base + "/" + id, status: 200, has: []string{`"Description":"Taxi"`}},
			{name: "get invisible by id", c: f.as("erik", "Employee"), method: "GET", path: base + "/" + id, status: 404, code: "not_found"},
			{name: "list", c: emma, method: "GET", path: base, status: 403, code: "strict_mode"},
			{name: "create", c: emma, method: "POST", path: base, body: map[string]any{"Description": "x", "Amount": 1}, status: 403, code: "strict_mode"},
			{name: "patch", c: emma, method: "PATCH", path: base + "/" + id, body: map[string]any{"Amount": 1}, status: 403, code: "strict_mode"},
			{name: "delete", c: emma, method: "DELETE", path: base + "/" + id, status: 403, code: "strict_mode"},
			{name: "page list", c: emma, method: "POST", path: "/api/v1/ops/Expenses.MyExpenses/list", body: `{}`, status: 200, has: []string{`"Description":"Taxi"`}},
			{name: "page delete", c: emma, method: "POST", path: "/api/v1/ops/Expenses.ExpenseEdit/delete", body: map[string]any{"id": id}, status: 204},
			{name: "navigation", c: emma, method: "GET", path: "/api/v1/navigation", status: 200},
		})
	})
}

// TestStrictModeOnlyAtProduction: at level prototype strictMode does nothing.
func TestStrictModeOnlyAtProduction(t *testing.T) {
	t.Parallel()
	f := start(t, lab(edit{"strictMode: false", "strictMode: true"}, edit{"level: production", "level: prototype"}))
	emma := f.as("emma", "Employee")
	expect(t, emma.do("GET", "/api/v1/objects/Expenses.Expense", nil), 200, "")
}

// TestHealth: /healthz and /readyz need no session; /readyz answers 503
// not_ready once the store is gone.
func TestHealth(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	c := f.client()
	expect(t, c.do("GET", "/healthz", nil), 200, "")
	expect(t, c.do("GET", "/readyz", nil), 200, "")
	f.rt.Store.Close()
	expect(t, c.do("GET", "/readyz", nil), 503, "not_ready")
	expect(t, c.do("GET", "/healthz", nil), 200, "")
}

// TestInternalErrorHidesDetails: an unexpected failure is a 500 whose
// message gives a request id that the log carries, and nothing else.
func TestInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	emma := f.as("emma", "Employee")
	// Break the store under the running server: the next query fails.
	if err := f.rt.Store.Write(context.Background(), func(tx *storeTx) error {
		_, err := tx.Exec(context.Background(), `DROP TABLE `+expenseTable(f))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := emma.do("GET", "/api/v1/objects/Expenses.Expense", nil)
	expect(t, r, http.StatusInternalServerError, "internal")
	msg := errMessage(r)
	for _, leak := range []string{"SQL", "sql", "table", "expenses", "SELECT", "goroutine"} {
		if strings.Contains(msg, leak) || strings.Contains(string(r.body), leak) {
			t.Errorf("500 answer leaks %q: %s", leak, r)
		}
	}
	i := strings.Index(msg, "request ")
	if i < 0 {
		t.Fatalf("no request id in %q", msg)
	}
	id := strings.Trim(msg[i+len("request "):], ")")
	if !strings.Contains(f.logs.String(), id) {
		t.Errorf("request id %s not in the log", id)
	}
}

type storeTx = store.Tx

// expenseTable is the quoted table of Expenses.Expense.
func expenseTable(f *fixture) string {
	return schema.Quote(f.rt.Store.Map.Table(f.rt.App.Entity("Expenses.Expense")).Name)
}

// chunked sends the body without a Content-Length.
func chunked() opt {
	return func(r *http.Request) {
		r.ContentLength = -1
		r.Body = io.NopCloser(io.MultiReader(r.Body))
		r.GetBody = nil
	}
}
