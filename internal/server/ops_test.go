package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func op(page, name string) string { return "/api/v1/ops/" + page + "/" + name }

// listed is the items of a list answer as compact JSON lines.
func listed(t testing.TB, r *resp) []string {
	t.Helper()
	var out []string
	for _, it := range r.items(t) {
		b, _ := json.Marshal(it)
		out = append(out, string(b))
	}
	return out
}

func TestPageOperations(t *testing.T) {
	onEachStore(t, lab(), func(t *testing.T, f *fixture) {
		tina := f.as("tina", "Tester")
		emma := f.as("emma", "Employee")
		boxA := tina.create("Lab.Box", map[string]any{"Label": "Alpha"})
		boxa := tina.create("Lab.Box", map[string]any{"Label": "alpha"})
		boxB := tina.create("Lab.Box", map[string]any{"Label": "beta"})
		boxAA := tina.create("Lab.Box", map[string]any{"Label": "ALPHA"})
		hidden := tina.create("Lab.Box", map[string]any{"Label": "gone"})
		i1 := tina.create("Lab.Item", map[string]any{"Name": "Walnut", "Qty": 3, "Note": "tasty nut", "Secret": nil, "Code": "W1", "Lab.Item_Box": hidden})
		i2 := tina.create("Lab.Item", map[string]any{"Name": "almond", "Qty": 7, "Lab.Item_Box": boxB})
		i3 := tina.create("Lab.Item", map[string]any{"Name": "Cashew", "Qty": 5})
		// Hide a box that an item refers to: the path column's step
		// becomes invisible.
		// The answer for an object the caller can no longer see.
		r := tina.do("PATCH", "/api/v1/objects/Lab.Box/"+hidden, map[string]any{"Hidden": true})
		expect(t, r, 200, "")
		if got := strings.TrimSpace(string(r.body)); got != `{"$entity":"Lab.Box","id":"`+hidden+`"}` {
			t.Errorf("answer for an object no longer visible: %s", got)
		}

		path := "Lab.Item_Box/Lab.Box/Label"
		f.run(t, []call{
			// list
			{name: "page roles", c: emma, method: "POST", path: op("Lab.Items", "list"), body: `{}`, status: 403, code: "access_denied"},
			{name: "page roles before 404 of the id", c: emma, method: "POST", path: op("Lab.ItemEdit", "get"), body: map[string]any{"id": "999999"}, status: 403, code: "access_denied"},
			{name: "another role's page", c: tina, method: "POST", path: op("Lab.Forbidden", "list"), body: `{}`, status: 403, code: "access_denied"},
			{name: "list with page sort and columns", c: tina, method: "POST", path: op("Lab.Items", "list"), body: `{"count": true}`, status: 200,
				has: []string{`"count":3`},
				check: func(t *testing.T, r *resp) {
					got := strings.Join(listed(t, r), "\n")
					want := strings.Join([]string{
						`{"$entity":"Lab.Item","Lab.Item_Box/Lab.Box/Label":"beta","Name":"almond","Qty":7,"id":"` + i2 + `"}`,
						`{"$entity":"Lab.Item","Lab.Item_Box/Lab.Box/Label":null,"Name":"Cashew","Qty":5,"id":"` + i3 + `"}`,
						`{"$entity":"Lab.Item","Lab.Item_Box/Lab.Box/Label":null,"Name":"Walnut","Qty":3,"id":"` + i1 + `"}`,
					}, "\n")
					if got != want {
						t.Errorf("list\n%s\nwant\n%s", got, want)
					}
				}},
			{name: "no body", c: tina, method: "POST", path: op("Lab.Items", "list"), status: 200, not: []string{`"count"`}},
			{name: "client sort", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"sort": []string{"-Qty"}}, status: 200,
				check: func(t *testing.T, r *resp) {
					its := r.items(t)
					if len(its) != 3 || its[0]["id"] != i2 || its[1]["id"] != i3 || its[2]["id"] != i1 {
						t.Errorf("sort -Qty: %s", r)
					}
				}},
			{name: "sort on a path column", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"sort": []string{path}}, status: 400, code: "bad_request"},
			{name: "sort on a member that is no column", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"sort": []string{"Name", "-Note"}}, status: 400, code: "bad_request",
				check: func(t *testing.T, r *resp) {
					if !strings.Contains(errMessage(r), "2") {
						t.Errorf("message names no position: %s", errMessage(r))
					}
				}},
			{name: "search ORs the search members", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"search": "NUT"}, status: 200,
				check: func(t *testing.T, r *resp) {
					its := r.items(t)
					if len(its) != 1 || its[0]["id"] != i1 {
						t.Errorf("search: %s", r)
					}
				}},
			{name: "search quotes", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"search": "x' or '1'='1"}, status: 200, has: []string{`"items":[]`}},
			{name: "search without search members", c: tina, method: "POST", path: op("Lab.Boxes", "list"), body: map[string]any{"search": "a"}, status: 400, code: "bad_request"},
			{name: "limit and offset", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"limit": 1, "offset": 1, "count": true}, status: 200, has: []string{`"count":3`, `"Name":"Cashew"`}, not: []string{"Walnut", "almond"}},
			{name: "limit out of range", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"limit": 1001}, status: 400, code: "bad_request"},
			{name: "unknown body member", c: tina, method: "POST", path: op("Lab.Items", "list"), body: map[string]any{"xpath": "[Name = 'x']"}, status: 400, code: "bad_request"},
			{name: "list on a form", c: tina, method: "POST", path: op("Lab.ItemEdit", "list"), body: `{}`, status: 404, code: "not_found"},
			{name: "get on a list", c: tina, method: "POST", path: op("Lab.Items", "get"), body: `{}`, status: 404, code: "not_found"},
			// get
			{name: "get defaults", c: tina, method: "POST", path: op("Lab.ItemEdit", "get"), body: `{}`, status: 200,
				check: func(t *testing.T, r *resp) {
					if got := strings.TrimSpace(string(r.body)); got != `{"$entity":"Lab.Item","$readOnly":["Secret"],"Lab.Item_Box":null,"Name":null,"Qty":null,"Secret":null}` {
						t.Errorf("defaults %s", got)
					}
				}},
			{name: "get", c: tina, method: "POST", path: op("Lab.ItemEdit", "get"), body: map[string]any{"id": i1}, status: 200,
				check: func(t *testing.T, r *resp) {
					// The reference to the hidden box reads as null.
					if got := strings.TrimSpace(string(r.body)); got != `{"$entity":"Lab.Item","$readOnly":["Secret"],"Lab.Item_Box":null,"Name":"Walnut","Qty":3,"Secret":null,"id":"`+i1+`"}` {
						t.Errorf("get %s", got)
					}
				}},
			{name: "get missing", c: tina, method: "POST", path: op("Lab.ItemEdit", "get"), body: map[string]any{"id": "999999"}, status: 404, code: "not_found"},
			{name: "get invisible", c: tina, method: "POST", path: op("Lab.BoxEdit", "get"), body: map[string]any{"id": hidden}, status: 404, code: "not_found"},
			{name: "get malformed id", c: tina, method: "POST", path: op("Lab.ItemEdit", "get"), body: map[string]any{"id": "../x"}, status: 404, code: "not_found"},
			// save
			{name: "save create", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"values": map[string]any{"Name": "Pecan", "Lab.Item_Box": boxA}}, status: 201,
				has: []string{`"Name":"Pecan"`, `"Lab.Item_Box":"` + boxA + `"`, `"$readOnly":["Secret"]`}, not: []string{"Note", "System.owner"}},
			{name: "save update", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Qty": 6}}, status: 200,
				has: []string{`"Qty":6`, `"id":"` + i3 + `"`}},
			{name: "member not a field, though writable", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Note": "x"}}, status: 403, code: "access_denied",
				has: []string{"Note"}},
			{name: "member not a field on create", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"values": map[string]any{"Name": "x", "Code": "C9"}}, status: 403, code: "access_denied"},
			{name: "read-only field", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Secret": "s"}}, status: 403, code: "access_denied",
				has: []string{"Secret"}},
			{name: "unknown member 400 before 403", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Note": "x", "Nope": 1}}, status: 400, code: "bad_request"},
			{name: "invalid value", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Qty": "many"}}, status: 422, code: "validation_failed",
				check: expectDetails("Qty")},
			{name: "invalid value of a read-only field is 403", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Qty": "many", "Secret": 5}}, status: 403, code: "access_denied"},
			{name: "required", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Name": ""}}, status: 422, code: "validation_failed",
				check: expectDetails("Name")},
			{name: "reference to an invisible object", c: tina, method: "POST", path: op("Lab.ItemEdit", "save"), body: map[string]any{"id": i3, "values": map[string]any{"Lab.Item_Box": hidden}}, status: 403, code: "access_denied"},
			{name: "save invisible", c: tina, method: "POST", path: op("Lab.BoxEdit", "save"), body: map[string]any{"id": hidden, "values": map[string]any{"Label": "x"}}, status: 404, code: "not_found"},
			{name: "save becomes invisible", c: tina, method: "POST", path: op("Lab.BoxEdit", "save"), body: map[string]any{"id": boxa, "values": map[string]any{"Hidden": true}}, status: 200,
				check: func(t *testing.T, r *resp) {
					if got := strings.TrimSpace(string(r.body)); !strings.Contains(got, `"id":"`+boxa+`"`) || strings.Contains(got, "alpha") {
						t.Errorf("answer for an object no longer visible: %s", got)
					}
				}},
			// delete
			{name: "delete without the action", c: tina, method: "POST", path: op("Lab.ItemEdit", "delete"), body: map[string]any{"id": i3}, status: 404, code: "not_found"},
			{name: "delete prevented", c: tina, method: "POST", path: op("Lab.BoxEdit", "delete"), body: map[string]any{"id": boxB}, status: 409, code: "conflict"},
			{name: "delete invisible", c: tina, method: "POST", path: op("Lab.BoxEdit", "delete"), body: map[string]any{"id": hidden}, status: 404, code: "not_found"},
			{name: "delete without id", c: tina, method: "POST", path: op("Lab.BoxEdit", "delete"), body: `{}`, status: 400, code: "bad_request"},
			// options
			{name: "options by caption then id", c: tina, method: "POST", path: op("Lab.ItemEdit", "options"), body: map[string]any{"field": "Lab.Item_Box"}, status: 200,
				check: func(t *testing.T, r *resp) {
					got := strings.Join(listed(t, r), ",")
					// Case-folded captions tie: by ascending id.
					want := `{"caption":"Alpha","id":"` + boxA + `"},{"caption":"ALPHA","id":"` + boxAA + `"},{"caption":"beta","id":"` + boxB + `"}`
					if got != want {
						t.Errorf("options %s, want %s", got, want)
					}
				}},
			{name: "options search and limit", c: tina, method: "POST", path: op("Lab.ItemEdit", "options"), body: map[string]any{"field": "Lab.Item_Box", "search": "ET", "limit": 1}, status: 200,
				has: []string{`"caption":"beta"`}, not: []string{"Alpha"}},
			{name: "options of a non-reference field", c: tina, method: "POST", path: op("Lab.ItemEdit", "options"), body: map[string]any{"field": "Name"}, status: 400, code: "bad_request"},
			{name: "options of a member that is no field", c: tina, method: "POST", path: op("Lab.ItemEdit", "options"), body: map[string]any{"field": "System.owner"}, status: 400, code: "bad_request"},
			{name: "options limit", c: tina, method: "POST", path: op("Lab.ItemEdit", "options"), body: map[string]any{"field": "Lab.Item_Box", "limit": 0}, status: 400, code: "bad_request"},
		})
	})
}

// TestExamplePages: the example app's forms, whose fields are narrower
// than what entity access allows.
func TestExamplePages(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	admin := f.as("admin")
	emma := f.as("emma", "Employee")
	max := f.as("max", "Manager")
	erik := f.as("erik", "Employee")
	proj := admin.create("Expenses.Project", map[string]any{"Name": "Roads", "Expenses.Project_Manager": f.ids["max"]})
	other := admin.create("Expenses.Project", map[string]any{"Name": "Bridges"})
	r := emma.do("POST", op("Expenses.ExpenseEdit", "save"), map[string]any{"values": map[string]any{"Description": "Taxi", "Amount": "12.50", "Expenses.Expense_Project": proj}})
	expect(t, r, 201, "", `"Amount":"12.5"`, `"Status":"Draft"`, `"$readOnly":["Status"]`)
	exp := r.obj(t)["id"].(string)
	f.run(t, []call{
		{name: "admin: Active is no field of AccountEdit", c: admin, method: "POST", path: op("Administration.AccountEdit", "save"), body: map[string]any{"id": f.ids["emma"], "values": map[string]any{"Active": false}}, status: 403, code: "access_denied"},
		{name: "admin: FullName is", c: admin, method: "POST", path: op("Administration.AccountEdit", "save"), body: map[string]any{"id": f.ids["emma"], "values": map[string]any{"FullName": "Emma E."}}, status: 200, has: []string{`"FullName":"Emma E."`}},
		{name: "emma still active", c: emma, method: "GET", path: "/api/v1/session", status: 200},
		{name: "own account: Email read-only", c: emma, method: "POST", path: op("Administration.MyAccount", "get"), body: map[string]any{"id": f.ids["emma"]}, status: 200, has: []string{`"$readOnly":["Email"]`, `"FullName":"Emma E."`}},
		{name: "someone else's account", c: emma, method: "POST", path: op("Administration.MyAccount", "get"), body: map[string]any{"id": f.ids["erik"]}, status: 404, code: "not_found"},
		{name: "my expenses path column", c: emma, method: "POST", path: op("Expenses.MyExpenses", "list"), body: `{}`, status: 200, has: []string{`"Expenses.Expense_Project/Expenses.Project/Name":"Roads"`, `"Description":"Taxi"`}},
		{name: "erik sees none of it", c: erik, method: "POST", path: op("Expenses.MyExpenses", "list"), body: `{"count": true}`, status: 200, has: []string{`"count":0`}},
		{name: "project options", c: emma, method: "POST", path: op("Expenses.ExpenseEdit", "options"), body: map[string]any{"field": "Expenses.Expense_Project"}, status: 200,
			has: []string{`{"caption":"Bridges","id":"` + other + `"},{"caption":"Roads","id":"` + proj + `"}`}},
		{name: "manager does not see drafts to approve", c: max, method: "POST", path: op("Expenses.Approvals", "list"), body: `{}`, status: 200, has: []string{`"items":[]`}},
		{name: "submit", c: admin, method: "PATCH", path: "/api/v1/objects/Expenses.Expense/" + exp, body: map[string]any{"Status": "Submitted"}, status: 200},
		{name: "manager sees it", c: max, method: "POST", path: op("Expenses.Approvals", "list"), body: `{}`, status: 200, has: []string{`"Description":"Taxi"`}},
		{name: "manager's form", c: max, method: "POST", path: op("Expenses.ApprovalEdit", "get"), body: map[string]any{"id": exp}, status: 200,
			has: []string{`"$readOnly":["Number","Description","Amount","Currency","SubmittedOn","Expenses.Expense_Project","Expenses.Expense_Tag"]`}},
		{name: "manager approves", c: max, method: "POST", path: op("Expenses.ApprovalEdit", "save"), body: map[string]any{"id": exp, "values": map[string]any{"Status": "Approved"}}, status: 200, has: []string{`"Status":"Approved"`}},
		{name: "manager cannot change the amount", c: max, method: "POST", path: op("Expenses.ApprovalEdit", "save"), body: map[string]any{"id": exp, "values": map[string]any{"Amount": "1"}}, status: 403, code: "access_denied"},
		{name: "same value is not a write", c: max, method: "POST", path: op("Expenses.ApprovalEdit", "save"), body: map[string]any{"id": exp, "values": map[string]any{"Amount": "12.5", "Status": "Approved"}}, status: 200},
		{name: "employee can no longer edit", c: emma, method: "POST", path: op("Expenses.ExpenseEdit", "save"), body: map[string]any{"id": exp, "values": map[string]any{"Amount": "1"}}, status: 403, code: "access_denied"},
		{name: "nor delete", c: emma, method: "POST", path: op("Expenses.ExpenseEdit", "delete"), body: map[string]any{"id": exp}, status: 403, code: "access_denied"},
	})
}
