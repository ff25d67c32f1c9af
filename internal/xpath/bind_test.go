package xpath_test

import (
	"errors"
	"testing"

	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/xpath"
)

// bindErrorCases are constraints the parser or the binder must reject, with
// the exact message and the column (in code points, from 1) it reports.
// `rampart check` shows them as "… (constraint column N)".
var bindErrorCases = []struct {
	model, entity, src string
	col                int
	msg                string
}{
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project/Expenses.Projekt/Name = 'x']`, 27, "unknown entity Expenses.Projekt"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Projects/Expenses.Project/Name = 'x']`, 2, "unknown association Expenses.Expense_Projects"},
	{"expenses", "Expenses.Expense", `[Descripton = 'x']`, 2, "entity Expenses.Expense has no attribute Descripton"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project/Expenses.Project/Amount = 1]`, 44, "entity Expenses.Project has no attribute Amount"},
	{"expenses", "Expenses.Tag", `[Expenses.Project_Manager/Administration.Account]`, 2, "association Expenses.Project_Manager goes from Expenses.Project to Administration.Account and cannot be walked from Expenses.Tag"},
	{"expenses", "Expenses.Expense", `[System.owner/Expenses.Project]`, 15, "System.owner reaches System.User, and Expenses.Project is not System.User or a specialization of it"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project[reversed()]/Expenses.Project]`, 2, "[reversed()] walks Expenses.Expense_Project from Expenses.Project back to Expenses.Expense, but this step starts at Expenses.Expense"},
	{"expenses", "Expenses.Expense", `[Description = 5]`, 16, "Description is String and cannot be compared with 5"},
	{"expenses", "Expenses.Expense", `[Amount = 'abc']`, 11, "Amount is a number and compares with numbers, not 'abc'"},
	{"expenses", "Expenses.Expense", `[Status = 'Paid']`, 11, "'Paid' is not a key of enumeration Expenses.Status"},
	{"expenses", "Expenses.Expense", `[Status = 'draft']`, 11, "'draft' is not a key of enumeration Expenses.Status"},
	{"expenses", "Expenses.Expense", `[Status < 'Draft']`, 2, "Status is Enumeration and compares only with = and !="},
	{"expenses", "Expenses.Expense", `[Status = 1]`, 11, "Status is Enumeration and cannot be compared with 1"},
	{"expenses", "Administration.Account", `[Active < true()]`, 2, "Active is Boolean and compares only with = and !="},
	{"expenses", "Administration.Account", `[Active = 'yes']`, 11, "Active is Boolean: compare it with true() or false()"},
	{"expenses", "Administration.Account", `[Active = 1]`, 11, "Active is Boolean: compare it with true() or false()"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '2024-13-01']`, 16, "SubmittedOn is DateTime: '2024-13-01' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with an offset"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '2024-03-31T01:00:00.0001Z']`, 16, "SubmittedOn is DateTime: '2024-03-31T01:00:00.0001Z' is more precise than a millisecond"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '2024-03-31T01:00:00']`, 16, "SubmittedOn is DateTime: '2024-03-31T01:00:00' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with an offset"},
	{"expenses", "Expenses.Expense", `[SubmittedOn = '[%CurrentUser%]']`, 16, "SubmittedOn is DateTime and compares with dates, not [%CurrentUser%]"},
	{"expenses", "Expenses.Expense", `[SubmittedOn = 20240331]`, 16, "SubmittedOn is DateTime and cannot be compared with 20240331"},
	{"expenses", "Administration.Account", `[FailedLogins = 1.5]`, 17, "FailedLogins is a whole number and compares with whole numbers, not 1.5"},
	{"expenses", "Expenses.Expense", `[Number > 1.5]`, 11, "Number is a whole number and compares with whole numbers, not 1.5"},
	{"expenses", "Expenses.Expense", `[Number = 99999999999999999999]`, 11, "number 99999999999999999999 is out of range"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project = '[%CurrentUser%]']`, 29, "[%CurrentUser%] is a System.User, but association Expenses.Expense_Project leads to Expenses.Project"},
	{"expenses", "Expenses.Expense", `[id = '[%CurrentUser%]']`, 7, "[%CurrentUser%] is a System.User, but id leads to Expenses.Expense"},
	{"expenses", "Expenses.Expense", `[Description = '[%CurrentUser%]']`, 16, "Description is String and cannot be compared with '[%CurrentUser%]'"},
	{"expenses", "Administration.Account", `[System.UserRoles = '[%UserRole_Nope%]']`, 21, "unknown user role Nope in [%UserRole_Nope%]"},
	{"expenses", "Expenses.Expense", `[System.owner = '[%UserRole_Manager%]']`, 17, "[%UserRole_Manager%] is a System.UserRole, but association System.owner leads to System.User"},
	{"expenses", "Expenses.Expense", `[System.owner = $currentUser]`, 17, "variables ($currentUser) are not allowed in access rules or page constraints"},
	{"expenses", "Expenses.Expense", `[contains(Description, $q)]`, 24, "variables ($q) are not allowed in access rules or page constraints"},
	{"expenses", "Expenses.Expense", `[contains(Amount, '1')]`, 11, "contains() needs a String attribute, but Amount is Decimal"},
	{"expenses", "Expenses.Expense", `[contains(Description, 5)]`, 24, "the second argument of contains() must be a string"},
	{"expenses", "Expenses.Expense", `[contains(Description, '[%CurrentUser%]')]`, 24, "the second argument of contains() must be a string"},
	{"expenses", "Expenses.Expense", `[string-length(Amount) > 1]`, 16, "string-length() needs a String attribute, but Amount is Decimal"},
	{"expenses", "Expenses.Expense", `[year-from-dateTime(Description) = 2024]`, 21, "year-from-dateTime() needs a DateTime attribute, but Description is String"},
	{"expenses", "Expenses.Expense", `[year-from-dateTime(SubmittedOn) = 'x']`, 36, "year-from-dateTime() is a number and compares with numbers, not 'x'"},
	{"expenses", "Expenses.Expense", `[string-length(Description) > 1.5]`, 31, "string-length() is a whole number and compares with whole numbers, not 1.5"},
	{"expenses", "Administration.Account", `[Password = 'x']`, 2, "Password is HashString and cannot be compared"},
	{"expenses", "Administration.Account", `[Password != empty]`, 2, "Password is HashString and cannot be compared"},
	{"expenses", "Expenses.Expense", `[System.owner = 'bob']`, 17, "association System.owner compares only with [%CurrentUser%], a [%UserRole_NAME%] token or empty"},
	{"expenses", "Expenses.Expense", `[System.owner < '[%CurrentUser%]']`, 2, "association System.owner compares only with = and !="},
	{"expenses", "Expenses.Expense", `[Expenses.Description = 'x']`, 2, "Expenses.Description is an attribute; attributes are written without a module"},
	{"expenses", "Expenses.Expense", `[Description > '[%CurrentDateTime%]']`, 16, "Description is String and cannot be compared with '[%CurrentDateTime%]'"},
	{"expenses", "Expenses.Project", `[System.owner/Expenses.Expense]`, 2, "System.owner can be walked backwards only from System.User, to a named entity"},
	{"expenses", "Expenses.Expense", `[Amount = true()]`, 11, "Amount is a number and compares with numbers, not true()"},
	{"expenses", "Expenses.Expense", `[Amount = '[%CurrentUser%]']`, 11, "Amount is a number and compares with numbers, not '[%CurrentUser%]'"},
	{"expenses", "Expenses.Expense", `[id = 5]`, 7, "id compares only with [%CurrentUser%], a [%UserRole_NAME%] token or empty"},
	{"expenses", "Expenses.Expense", `[id > '[%CurrentUser%]']`, 2, "id compares only with = and !="},
	{"expenses", "Expenses.Expense", `[System.owner/System.User/FullName = 'x']`, 27, "entity System.User has no attribute FullName"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Tag/Expenses.Tag[Amount > 1]]`, 36, "entity Expenses.Tag has no attribute Amount"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project = 'x']`, 29, "association Expenses.Expense_Project compares only with [%CurrentUser%], a [%UserRole_NAME%] token or empty"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project/Expenses.Project = '[%CurrentUser%]']`, 46, "[%CurrentUser%] is a System.User, but association Expenses.Expense_Project leads to Expenses.Project"},
	{"expenses", "Expenses.Expense", `[Expenses.Expense_Project/Name = 'x']`, 27, "expected entity name (Module.Entity) but found 'Name'"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '[%DayLength%]']`, 17, "[%DayLength%] is only allowed in date arithmetic"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '[%Tomorrow%]']`, 17, "unknown token [%Tomorrow%]"},
	{"expenses", "Expenses.Expense", `[Amount = Amount]`, 11, "comparing two paths is not supported"},
	{"expenses", "Expenses.Expense", `[contains(Description, 'x') = true()]`, 2, "contains() is a condition and cannot be compared"},
	{"expenses", "Expenses.Expense", `[SubmittedOn > '[%BeginOfCurrentDay%] + 3 [%DayLength%]']`, 43, "expected '*' but found '['"},
	{"expenses", "Expenses.Expense", `[Amount > 1][`, 14, "expected expression but found end of input"},
	{"expenses", "Expenses.Expense", `[Status = 'Draft' and]`, 22, "expected expression but found ']'"},
	{"expenses", "Expenses.Expense", `[unknown-function(Description) = 1]`, 2, "unknown function 'unknown-function'"},
	{"expenses", "Expenses.Expense", `[Description]`, 13, "expected comparison operator but found ']'"},
	{"expenses", "Expenses.Expense", `[System.changedBy/Administration.Account/System.UserRoles = '[%UserRole_Manager%]'][createdDate > 'yesterday']`, 99, "createdDate is DateTime: 'yesterday' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with an offset"},
	{"expenses", "Administration.Account", `[System.UserRoles = '[%CurrentUser%]']`, 21, "[%CurrentUser%] is a System.User, but association System.UserRoles leads to System.UserRole"},
	{"expenses", "Administration.Account", `[id = '[%UserRole_Manager%]']`, 7, "[%UserRole_Manager%] is a System.UserRole, but id leads to Administration.Account"},
	{"expenses", "Expenses.Expense", `[SubmittedOn = '2024-02-30']`, 16, "SubmittedOn is DateTime: '2024-02-30' is not a date (YYYY-MM-DD) or an RFC 3339 date-time with an offset"},
	{"expenses", "Expenses.Expense", `[Amount > 1e5]`, 11, "invalid number '1e5'"},
	// Columns count code points, not bytes.
	{"expenses", "Expenses.Expense", `[Description = 'ÅÅÅ' and Amount = 'x']`, 35, "Amount is a number and compares with numbers, not 'x'"},
	{"expenses", "Expenses.Expense", `[Description = '😀' or Status = 'Nope']`, 32, "'Nope' is not a key of enumeration Expenses.Status"},
	// The purpose-built model.
	{"lab", "Lab.Item", `[Lab.Item_Specials/Lab.Node/Title = 'x']`, 20, "Lab.Item_Specials reaches Lab.Special, and Lab.Node is not Lab.Special or a specialization of it"},
	{"lab", "Lab.Item", `[Lab.Item_Node/Lab.Item]`, 16, "Lab.Item_Node reaches Lab.Node, and Lab.Item is not Lab.Node or a specialization of it"},
	{"lab", "Lab.Item", `[Lab.Item_Node[reversed()]/Lab.Item]`, 2, "[reversed()] walks Lab.Item_Node from Lab.Node back to Lab.Item, but this step starts at Lab.Item"},
	{"lab", "Lab.Node", `[Lab.Node_Parent/Lab.Node/Extra = 'x']`, 27, "entity Lab.Node has no attribute Extra"},
	{"lab", "Lab.Node", `[Flag >= false()]`, 2, "Flag is Boolean and compares only with = and !="},
	{"lab", "Lab.Node", `[Count = 2.5]`, 10, "Count is a whole number and compares with whole numbers, not 2.5"},
	{"lab", "Lab.Node", `[Big = 9223372036854775808]`, 8, "number 9223372036854775808 is out of range"},
	{"lab", "Lab.Node", `[Code = empty]`, 2, "Code is HashString and cannot be compared"},
	{"lab", "Lab.Node", `[Color = 'red']`, 10, "'red' is not a key of enumeration Lab.Color"},
	{"lab", "Lab.Node", `[At = '2024-03-10T02:30:00.000000001-05:00']`, 7, "At is DateTime: '2024-03-10T02:30:00.000000001-05:00' is more precise than a millisecond"},
	{"lab", "Lab.Node", `[Lab.Node_Person = '[%UserRole_Tester%]']`, 20, "[%UserRole_Tester%] is a System.UserRole, but association Lab.Node_Person leads to Lab.Person"},
	{"lab", "Lab.Item", `[Lab.Item_Node = '[%CurrentUser%]']`, 18, "[%CurrentUser%] is a System.User, but association Lab.Item_Node leads to Lab.Node"},
	{"lab", "Lab.Node", `[System.UserRoles = '[%UserRole_Tester%]']`, 2, "association System.UserRoles goes from System.User to System.UserRole and cannot be walked from Lab.Node"},
}

func TestBindErrors(t *testing.T) {
	if len(bindErrorCases) < 30 {
		t.Errorf("%d cases, want at least 30", len(bindErrorCases))
	}
	for _, tc := range bindErrorCases {
		app := goldenApp(t, tc.model)
		e := goldenEntity(t, app, tc.entity)
		_, err := xpath.ParseAndBind(app, e, tc.src)
		var xe *xpath.Error
		if !errors.As(err, &xe) {
			t.Errorf("%s %s: got %v (%T), want *xpath.Error", tc.entity, tc.src, err, err)
			continue
		}
		if xe.Col != tc.col || xe.Msg != tc.msg {
			t.Errorf("%s %s:\n got col %d: %s\nwant col %d: %s", tc.entity, tc.src, xe.Col, xe.Msg, tc.col, tc.msg)
		}
	}
}

// specExampleEntities are the examples of xpath.md with the entity each
// applies to; they must bind against the example app and compile for both
// stores.
var specExampleEntities = []struct{ entity, src string }{
	{"Expenses.Expense", `[System.owner = '[%CurrentUser%]']`},
	{"Expenses.Expense", `[Expenses.Expense_Project/Expenses.Project/Expenses.Project_Manager = '[%CurrentUser%]']`},
	{"Expenses.Expense", `[Status = 'Submitted' or Status = 'Approved'][Amount >= 100]`},
	{"Expenses.Expense", `[not(Expenses.Expense_Tag/Expenses.Tag[Name = 'private'])]`},
	{"Expenses.Project", `[Expenses.Project_Manager/Administration.Account/System.UserRoles = '[%UserRole_Manager%]']`},
	{"Expenses.Expense", `[contains(Description, 'taxi') and starts-with(Expenses.Expense_Project/Expenses.Project/Name, 'A')]`},
	{"Expenses.Expense", `[SubmittedOn >= '[%BeginOfCurrentDay%] - 30 * [%DayLength%]']`},
	{"Expenses.Project", `[Expenses.Expense_Project/Expenses.Expense[Status = 'Draft']]`},
	{"Administration.Account", `[id = '[%CurrentUser%]']`},
	{"Expenses.Expense", `[Description != empty]`},
	// model.md
	{"Expenses.Expense", `[System.owner = '[%CurrentUser%]'][Status = 'Draft']`},
}

func TestSpecExamplesBind(t *testing.T) {
	app := goldenApp(t, "expenses")
	m := schema.New(app)
	for _, ex := range specExampleEntities {
		b, err := xpath.ParseAndBind(app, goldenEntity(t, app, ex.entity), ex.src)
		if err != nil {
			t.Errorf("%s %s: %v (column %d)", ex.entity, ex.src, err, errCol(err))
			continue
		}
		for _, d := range []schema.Dialect{schema.SQLite, schema.Postgres} {
			c := &xpath.Compiler{Map: m, Dialect: d, TimeZone: app.TimeZoneID}
			f, err := c.Where(b, "t0")
			if err == nil {
				_, _, err = f.SQL(goldenEnv(app, 42))
			}
			if err != nil {
				t.Errorf("%s %s: %s: %v", ex.entity, ex.src, d.Name(), err)
			}
		}
	}
}

// Every constraint of the example app (access rules and list pages) binds.
func TestExampleAppConstraintsBind(t *testing.T) {
	app := goldenApp(t, "expenses")
	n := 0
	for _, e := range app.Entities() {
		for _, r := range e.Access {
			if r.XPath == nil {
				continue
			}
			n++
			if _, err := xpath.ParseAndBind(app, e, r.XPath.Text); err != nil {
				t.Errorf("%s rule %d %s: %v", e.QualifiedName(), r.Index+1, r.XPath.Text, err)
			}
		}
	}
	for _, p := range app.Pages() {
		if p.List == nil || p.List.XPath == nil {
			continue
		}
		n++
		if _, err := xpath.ParseAndBind(app, p.List.Entity, p.List.XPath.Text); err != nil {
			t.Errorf("page %s %s: %v", p.QualifiedName(), p.List.XPath.Text, err)
		}
	}
	if n < 5 {
		t.Errorf("only %d constraints in the example app", n)
	}
}
