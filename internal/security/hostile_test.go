package security

// Hostile tests of the entity access engine: a purpose-built model
// (testdata/hostile) with sensitive members, associations to objects only
// some roles can see, a reference set, a specialization and onDelete
// cascade and prevent; table-driven cases on SQLite and (with
// RAMPART_TEST_POSTGRES) PostgreSQL for every rule of security.md "Entity
// access" and "System entities", and for the ways a client may try to
// learn or change what it may not.

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// loadHostile loads testdata/hostile at a security level.
func loadHostile(t testing.TB, level model.Level) *model.App {
	t.Helper()
	getenv := func(k string) (string, bool) {
		if k == "HOSTILE_LEVEL" {
			return string(level), true
		}
		return "", false
	}
	app, diags, err := model.LoadFS(os.DirFS("testdata/hostile"), model.Options{Getenv: getenv})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	if app.Security.Level != level {
		t.Fatalf("level %s, want %s", app.Security.Level, level)
	}
	return app
}

// hfix is the hostile app with its users and objects. Objects and users
// are known by short names:
//
//	users   admin (Admin), hr (HRUser), sam and sue (StaffUser), bob
//	        (BossUser: Staff and Boss, manages StaffUser), guest
//	        (GuestUser), norole (no user role)
//	Dept    D1 Engineering (head bob), D2 Sales, D3 Ops
//	Secret  S1 ALPHA (level 1, public), S2 OMEGA (level 9, private)
//	Skill   K1 Go, K2 Spy (hidden), K3 SQL, K4 Lockpicking (hidden)
//	Employee
//	        E1 Sam   owner sam, D1, salary 5000, grade 3, S1, [K1 K2], note
//	        E2 Sue   owner sue, D1, salary 900,  grade 2, S2, [K3]
//	        E3 Bob   owner bob, D2, salary 8000, grade 5
//	        E4 Zed   no owner,  D2, no salary,   grade 1
//	Contractor (a specialization of Employee)
//	        C1 Carl  owner sam, D3, salary 3000, agency Acme
//	Review  R1 of E3 (draft), R2 of E2 (final), R3 of E4 (confidential)
//	Payslip P1 of E1 (onDelete: prevent)
type hfix struct {
	e       *Engine
	app     *model.App
	c       map[string]Caller
	id      map[string]int64
	name    map[int64]string
	changed []int64 // users whose sessions the UserChanged hook was told to end
}

func (f *hfix) ent(name string) *model.Entity {
	x := f.app.Entity(name)
	if x == nil {
		panic("no entity " + name)
	}
	return x
}

func (f *hfix) ids(names ...string) []int64 {
	out := make([]int64, len(names))
	for i, n := range names {
		out[i] = f.id[n]
	}
	return out
}

func (f *hfix) names(rs []*Result) []string {
	out := []string{}
	for _, r := range rs {
		n, ok := f.name[r.ID]
		if !ok {
			n = fmt.Sprint(r.ID)
		}
		out = append(out, n)
	}
	return out
}

func hDec(s string) *big.Rat {
	r, err := store.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return r
}

// hostileEngines opens the hostile app at a level on each store.
func hostileEngines(t *testing.T, level model.Level) map[string]*Engine {
	return engines(t, loadHostile(t, level))
}

func newHostile(t *testing.T, e *Engine) *hfix {
	t.Helper()
	ctx := context.Background()
	f := &hfix{e: e, app: e.App(), c: map[string]Caller{}, id: map[string]int64{}, name: map[int64]string{}}
	e.SetHooks(Hooks{
		HashSecret: func(_ *model.Member, _, plain string) (string, error) { return "hash:" + plain, nil },
		UserChanged: func(_ context.Context, _ *store.Tx, id int64) error {
			f.changed = append(f.changed, id)
			return nil
		},
	})
	mk := func(name, entity string, vals map[string]any) int64 {
		t.Helper()
		res, err := e.Create(ctx, System(), f.ent(entity), vals)
		if err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
		f.id[name], f.name[res.ID] = res.ID, name
		return res.ID
	}
	mkUser := func(name string, roles ...string) {
		var rids []int64
		var urs []*model.UserRole
		for _, r := range roles {
			rids = append(rids, e.RoleID(r))
			urs = append(urs, f.app.UserRole(r))
		}
		id := mk(name, model.SystemUser, map[string]any{"Name": name, model.SystemUserRoles: rids})
		f.c[name] = User(id, urs, false)
	}
	mkUser("admin", "Admin")
	mkUser("hr", "HRUser")
	mkUser("sam", "StaffUser")
	mkUser("sue", "StaffUser")
	mkUser("bob", "BossUser")
	mkUser("guest", "GuestUser")
	mkUser("norole")
	for _, r := range f.app.Security.UserRoles {
		f.name[e.RoleID(r.Name)] = "role:" + r.Name
		f.id["role:"+r.Name] = e.RoleID(r.Name)
	}
	mk("D1", "HR.Dept", map[string]any{"Name": "Engineering", "HR.Dept_Head": f.id["bob"]})
	mk("D2", "HR.Dept", map[string]any{"Name": "Sales"})
	mk("D3", "HR.Dept", map[string]any{"Name": "Ops"})
	mk("S1", "HR.Secret", map[string]any{"Code": "ALPHA", "Level": int64(1), "Public": true})
	mk("S2", "HR.Secret", map[string]any{"Code": "OMEGA", "Level": int64(9), "Public": false})
	mk("K1", "HR.Skill", map[string]any{"Name": "Go"})
	mk("K2", "HR.Skill", map[string]any{"Name": "Spy", "Hidden": true})
	mk("K3", "HR.Skill", map[string]any{"Name": "SQL"})
	mk("K4", "HR.Skill", map[string]any{"Name": "Lockpicking", "Hidden": true})
	mk("E1", "HR.Employee", map[string]any{"Name": "Sam", "System.owner": f.id["sam"], "HR.Employee_Dept": f.id["D1"],
		"Salary": hDec("5000"), "Grade": int64(3), "HR.Employee_Secret": f.id["S1"], "HR.Employee_Skill": f.ids("K1", "K2"), "Note": "sam note"})
	mk("E2", "HR.Employee", map[string]any{"Name": "Sue", "System.owner": f.id["sue"], "HR.Employee_Dept": f.id["D1"],
		"Salary": hDec("900"), "Grade": int64(2), "HR.Employee_Secret": f.id["S2"], "HR.Employee_Skill": f.ids("K3")})
	mk("E3", "HR.Employee", map[string]any{"Name": "Bob", "System.owner": f.id["bob"], "HR.Employee_Dept": f.id["D2"],
		"Salary": hDec("8000"), "Grade": int64(5)})
	mk("E4", "HR.Employee", map[string]any{"Name": "Zed", "HR.Employee_Dept": f.id["D2"]})
	mk("C1", "HR.Contractor", map[string]any{"Name": "Carl", "System.owner": f.id["sam"], "HR.Employee_Dept": f.id["D3"],
		"Salary": hDec("3000"), "Agency": "Acme"})
	mk("R1", "HR.Review", map[string]any{"Text": "fine", "HR.Review_Employee": f.id["E3"]})
	mk("R2", "HR.Review", map[string]any{"Text": "done", "Final": true, "HR.Review_Employee": f.id["E2"]})
	mk("R3", "HR.Review", map[string]any{"Text": "hush", "Confidential": true, "HR.Review_Employee": f.id["E4"]})
	mk("P1", "HR.Payslip", map[string]any{"Month": "2026-01", "HR.Payslip_Employee": f.id["E1"]})
	return f
}

// scramble changes, as the system, values that none of sam, sue and bob
// may read. A client constraint or sort of theirs must give the same
// result before and after.
func (f *hfix) scramble(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	emp := f.ent("HR.Employee")
	for _, c := range []struct {
		obj  string
		vals map[string]any
	}{
		// Zed: visible to the staff, but nothing here is readable by them.
		{"E4", map[string]any{"Salary": hDec("99999"), "Note": "note note", "HR.Employee_Secret": f.id["S1"], "HR.Employee_Skill": f.ids("K1", "K3")}},
		// Bob's own record: bob reads Note and the secret, never Salary.
		{"E3", map[string]any{"Salary": hDec("1")}},
		// The contractor moves into bob's department: Employee rules (the
		// boss's included) still do not apply to it.
		{"C1", map[string]any{"HR.Employee_Dept": f.id["D1"], "Salary": hDec("123456")}},
	} {
		if _, err := f.e.Update(ctx, System(), emp, f.id[c.obj], c.vals); err != nil {
			t.Fatalf("scrambling %s: %v", c.obj, err)
		}
	}
}

// dump reads every object as the system, for "nothing changed" checks.
func (f *hfix) dump(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, x := range f.app.Entities() {
		if x.Generalization != nil || !x.Persistable || x.QualifiedName() == model.SystemSession {
			continue
		}
		rs, _, err := f.e.List(ctx, System(), x, ListOptions{})
		if err != nil {
			t.Fatalf("dump %s: %v", x.QualifiedName(), err)
		}
		for _, r := range rs {
			fmt.Fprintf(&b, "%s %d:", r.Entity.QualifiedName(), r.ID)
			keys := make([]string, 0, r.Values.Len())
			for k := range r.Values.All() {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, " %s=%s", k, hShow(r.Values.Value(k)))
			}
			b.WriteByte('\n')
		}
	}
	// The stored hash is never readable through the engine; read it from
	// the store so that a password change counts as a change.
	err := f.e.Store().Read(ctx, func(tx *store.Tx) error {
		st := f.e.Store()
		objs, err := st.Select(ctx, tx, st.Map.Table(f.ent(model.SystemUser)), "t0", store.Where{}, "", 0, 0)
		for _, o := range objs {
			fmt.Fprintf(&b, "password %d %v\n", o.ID, o.Values["Password"])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func hShow(v any) string {
	switch v := v.(type) {
	case *big.Rat:
		return store.FormatDecimal(v)
	case nil:
		return "∅"
	}
	return fmt.Sprint(v)
}

// stored reads one object as the system.
func (f *hfix) stored(t *testing.T, entity, obj string) map[string]any {
	t.Helper()
	r, err := f.e.Get(context.Background(), System(), f.ent(entity), f.id[obj])
	if err != nil {
		t.Fatalf("reading %s as the system: %v", obj, err)
	}
	return r.Values.Map()
}

// listCase is one list of a caller: its entity, options and the objects
// expected, in order.
type hListCase struct {
	name   string
	who    string
	entity string
	opts   ListOptions
	want   []string
	// bad cases are refused as a bad request.
	bad bool
	// page is a list page's own xpath (a model constraint).
	page string
	// plain cases are not checked after scrambling: the caller reads the
	// scrambled values, or the constraint is the model's (on all data).
	plain bool
}

func hXP(s string) ListOptions { return ListOptions{XPath: s} }

func hSortBy(member string, desc bool) ListOptions {
	return ListOptions{Sort: []SortKey{{Member: member, Desc: desc}}}
}

var hostileLists = []hListCase{
	// Visibility: rules(u,E), shows, specializations.
	{name: "staff see colleagues, not contractors", who: "sam", entity: "HR.Employee", want: []string{"E1", "E2", "E3", "E4"}},
	{name: "rules of Employee do not apply to Contractor", who: "sam", entity: "HR.Contractor", want: []string{}},
	{name: "boss does not see a contractor of their department", who: "bob", entity: "HR.Employee", want: []string{"E1", "E2", "E3", "E4"}},
	{name: "HR sees employees and contractors", who: "hr", entity: "HR.Employee", want: []string{"E1", "E2", "E3", "E4", "C1"}, plain: true},
	{name: "staff see only public secrets", who: "sam", entity: "HR.Secret", want: []string{"S1"}},
	{name: "HR does not see top secrets", who: "hr", entity: "HR.Secret", want: []string{"S1"}, plain: true},
	{name: "staff see visible skills", who: "sam", entity: "HR.Skill", want: []string{"K1", "K3"}},
	{name: "HR does not see confidential reviews", who: "hr", entity: "HR.Review", want: []string{"R1", "R2"}, plain: true},
	{name: "a create-only rule shows nothing", who: "guest", entity: "HR.Feedback", want: []string{}},
	{name: "no rules, nothing", who: "norole", entity: "HR.Employee", want: []string{}},
	{name: "nobody lists without rules on Payslip", who: "sam", entity: "HR.Payslip", want: []string{}},

	// A filter on an unreadable attribute counts as false.
	{name: "filter on unreadable Salary", who: "sam", entity: "HR.Employee", opts: hXP("[Salary > 1000]"), want: []string{}},
	{name: "not() over unreadable Salary", who: "sam", entity: "HR.Employee", opts: hXP("[not(Salary > 1000)]"), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "unreadable Salary = empty", who: "sam", entity: "HR.Employee", opts: hXP("[Salary = empty]"), want: []string{}},
	{name: "unreadable Salary != empty", who: "sam", entity: "HR.Employee", opts: hXP("[Salary != empty]"), want: []string{}},
	{name: "unreadable Salary in an or", who: "sam", entity: "HR.Employee", opts: hXP("[Salary > 1000 or Grade = 1]"), want: []string{"E4"}},
	{name: "string-length of an unreadable Note", who: "sam", entity: "HR.Employee", opts: hXP("[string-length(Note) > 0]"), want: []string{"E1"}},
	{name: "contains on Note readable only on own record", who: "sam", entity: "HR.Employee", opts: hXP("[contains(Note, 'NOTE')]"), want: []string{"E1"}},
	{name: "search over Note", who: "sam", entity: "HR.Employee", opts: ListOptions{Search: "note", SearchMembers: []string{"Note"}}, want: []string{"E1"}},
	{name: "readable Grade filters", who: "sam", entity: "HR.Employee", opts: hXP("[Grade > 2]"), want: []string{"E1", "E3"}},
	{name: "System.owner readable only on own record", who: "sam", entity: "HR.Employee", opts: hXP("[System.owner = '[%CurrentUser%]']"), want: []string{"E1"}},
	{name: "System.owner != unreadable elsewhere", who: "sam", entity: "HR.Employee", opts: hXP("[System.owner != '[%CurrentUser%]']"), want: []string{}},
	{name: "boss filters salaries of own department only", who: "bob", entity: "HR.Employee", opts: hXP("[Salary > 1000]"), want: []string{"E1"}},
	{name: "boss: low salaries", who: "bob", entity: "HR.Employee", opts: hXP("[Salary < 1000]"), want: []string{"E2"}},
	{name: "boss: not() keeps unreadable rows", who: "bob", entity: "HR.Employee", opts: hXP("[not(Salary >= 1000)]"), want: []string{"E2", "E3", "E4"}},
	{name: "boss: Salary = empty", who: "bob", entity: "HR.Employee", opts: hXP("[Salary = empty]"), want: []string{}},
	{name: "HR: Grade is not readable on a contractor", who: "hr", entity: "HR.Employee", opts: hXP("[Grade > 0]"), want: []string{"E1", "E2", "E3", "E4"}, plain: true},
	{name: "HR reads salaries, the contractor's too", who: "hr", entity: "HR.Employee", opts: hXP("[Salary > 1000]"), want: []string{"E1", "E3", "C1"}, plain: true},

	// Sorting on an unreadable member sorts as empty; ties by id.
	{name: "sort on unreadable Salary ascending", who: "sam", entity: "HR.Employee", opts: hSortBy("Salary", false), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "sort on unreadable Salary descending", who: "sam", entity: "HR.Employee", opts: hSortBy("Salary", true), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "boss sorts: unreadable first ascending", who: "bob", entity: "HR.Employee", opts: hSortBy("Salary", false), want: []string{"E3", "E4", "E2", "E1"}},
	{name: "boss sorts: unreadable last descending", who: "bob", entity: "HR.Employee", opts: hSortBy("Salary", true), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "sort on Note readable on own record", who: "sam", entity: "HR.Employee", opts: hSortBy("Note", true), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "sort on Note ascending", who: "sam", entity: "HR.Employee", opts: hSortBy("Note", false), want: []string{"E2", "E3", "E4", "E1"}},
	{name: "HR sorts by salary", who: "hr", entity: "HR.Employee", opts: hSortBy("Salary", true), want: []string{"E3", "E1", "C1", "E2", "E4"}, plain: true},

	// Paths through associations.
	{name: "path through own readable association", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret/HR.Secret/Code = 'ALPHA']"), want: []string{"E1"}},
	{name: "path to an invisible object", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret/HR.Secret/Code = 'OMEGA']"), want: []string{}},
	{name: "path: existence", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret/HR.Secret]"), want: []string{"E1"}},
	{name: "path: not() over unreadable association", who: "sam", entity: "HR.Employee", opts: hXP("[not(HR.Employee_Secret/HR.Secret)]"), want: []string{"E2", "E3", "E4"}},
	{name: "path: not() over unreadable comparison", who: "sam", entity: "HR.Employee", opts: hXP("[not(HR.Employee_Secret/HR.Secret/Code = 'OMEGA')]"), want: []string{"E1", "E2", "E3", "E4"}},
	{name: "path: unreadable attribute of a visible object", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret/HR.Secret/Level = 1]"), want: []string{}},
	{name: "association = empty where unreadable", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret = empty]"), want: []string{}},
	{name: "association = empty: invisible target reads as empty", who: "sue", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret = empty]"), want: []string{"E2"}},
	{name: "path to an invisible target of own record", who: "sue", entity: "HR.Employee", opts: hXP("[HR.Employee_Secret/HR.Secret]"), want: []string{}},
	{name: "reference set: hidden skill not reached", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Skill/HR.Skill/Name = 'Spy']"), want: []string{}},
	{name: "reference set: visible skill", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Skill/HR.Skill/Name = 'Go']"), want: []string{"E1"}},
	{name: "reference set: unreadable on a colleague", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Skill/HR.Skill/Name = 'SQL']"), want: []string{}},
	{name: "two steps through readable associations", who: "sam", entity: "HR.Employee", opts: hXP("[HR.Employee_Dept/HR.Dept/HR.Dept_Head = '[%CurrentUser%]']"), want: []string{}},
	{name: "boss: two steps", who: "bob", entity: "HR.Employee", opts: hXP("[HR.Employee_Dept/HR.Dept/HR.Dept_Head = '[%CurrentUser%]']"), want: []string{"E1", "E2"}},
	{name: "boss: the department's name", who: "bob", entity: "HR.Employee", opts: hXP("[HR.Employee_Dept/HR.Dept/Name = 'Engineering']"), want: []string{"E1", "E2"}},

	// Backward steps: objects not visible, or whose association is not
	// readable, are not reached.
	{name: "backward: contractors are not reached", who: "sam", entity: "HR.Dept", opts: hXP("[HR.Employee_Dept/HR.Employee]"), want: []string{"D1", "D2"}},
	{name: "backward: not() of nothing reached", who: "sam", entity: "HR.Dept", opts: hXP("[not(HR.Employee_Dept/HR.Employee)]"), want: []string{"D3"}},
	{name: "backward: filter on unreadable salary", who: "sam", entity: "HR.Dept", opts: hXP("[HR.Employee_Dept/HR.Employee[Salary > 1000]]"), want: []string{}},
	{name: "backward: boss reads D1 salaries", who: "bob", entity: "HR.Dept", opts: hXP("[HR.Employee_Dept/HR.Employee[Salary > 1000]]"), want: []string{"D1"}},
	{name: "backward: own readable association", who: "sam", entity: "HR.Secret", opts: hXP("[HR.Employee_Secret/HR.Employee]"), want: []string{"S1"}},
	{name: "backward: unreadable association not reached", who: "sue", entity: "HR.Secret", opts: hXP("[HR.Employee_Secret/HR.Employee]"), want: []string{}},
	{name: "backward: reference set", who: "sam", entity: "HR.Skill", opts: hXP("[HR.Employee_Skill/HR.Employee]"), want: []string{"K1"}},
	{name: "backward: not() over a reference set", who: "sam", entity: "HR.Skill", opts: hXP("[not(HR.Employee_Skill/HR.Employee)]"), want: []string{"K3"}},
	{name: "backward to the user: the department head", who: "bob", entity: model.SystemUser, opts: hXP("[HR.Dept_Head/HR.Dept]"), want: []string{"bob"}},

	// Model constraints (a page's xpath) are evaluated on all data.
	{name: "a page's own xpath is not guarded", who: "sam", entity: "HR.Employee", page: "[Salary > 1000]", want: []string{"E1", "E3"}, plain: true},

	// Built-in System rules.
	{name: "own user only", who: "sam", entity: model.SystemUser, want: []string{"sam"}},
	{name: "a manager sees managed users and self", who: "bob", entity: model.SystemUser, want: []string{"sam", "sue", "bob"}},
	{name: "manage all", who: "admin", entity: model.SystemUser, want: []string{"admin", "hr", "sam", "sue", "bob", "guest", "norole"}},
	{name: "a role that manages nobody", who: "hr", entity: model.SystemUser, want: []string{"hr"}, plain: true},
	{name: "own Name is readable", who: "sam", entity: model.SystemUser, opts: hXP("[Name = 'sam']"), want: []string{"sam"}},
	{name: "Password can never be filtered on", who: "admin", entity: model.SystemUser, opts: hXP("[Password != empty]"), bad: true},
	{name: "Password can never be sorted on", who: "admin", entity: model.SystemUser, opts: hSortBy("Password", false), bad: true},
	{name: "unknown member", who: "sam", entity: "HR.Employee", opts: hXP("[Bonus > 1]"), bad: true},
	{name: "every signed-in user reads the user roles", who: "sam", entity: model.SystemUserRole, want: []string{"role:Admin", "role:HRUser", "role:StaffUser", "role:BossUser", "role:GuestUser"}},
}

func TestHostileLists(t *testing.T) {
	ctx := context.Background()
	for store, e := range hostileEngines(t, model.LevelProduction) {
		t.Run(store, func(t *testing.T) {
			f := newHostile(t, e)
			run := func(t *testing.T, scrambled bool) {
				for _, c := range hostileLists {
					if scrambled && c.plain {
						continue
					}
					t.Run(c.name, func(t *testing.T) {
						opts := c.opts
						if c.page != "" {
							b, err := xpath.ParseAndBind(f.app, f.ent(c.entity), c.page)
							if err != nil {
								t.Fatal(err)
							}
							opts.PageXPath = b
						}
						rs, _, err := e.List(ctx, f.c[c.who], f.ent(c.entity), opts)
						if c.bad {
							var br *BadRequest
							if !errors.As(err, &br) {
								t.Errorf("got %v, want a bad request", err)
							}
							return
						}
						if err != nil {
							t.Fatal(err)
						}
						if got := f.names(rs); !slices.Equal(got, c.want) {
							t.Errorf("%s lists %s %s%s: got %v, want %v", c.who, c.entity, opts.XPath, hSortText(opts), got, c.want)
						}
					})
				}
			}
			t.Run("stored", func(t *testing.T) { run(t, false) })
			f.scramble(t)
			t.Run("scrambled", func(t *testing.T) { run(t, true) })
		})
	}
}

func hSortText(o ListOptions) string {
	var b strings.Builder
	for _, k := range o.Sort {
		b.WriteString(" sort ")
		if k.Desc {
			b.WriteString("-")
		}
		b.WriteString(k.Member)
	}
	return b.String()
}

// readCase checks what one caller reads of one object.
type hReadCase struct {
	name     string
	who      string
	entity   string // the entity named in the request
	obj      string
	notFound bool
	// values: member -> expected value as shown by show(); a member absent
	// from the result is "-".
	values map[string]string
	// writable lists members that must be writable; others must not be.
	writable []string
}

var hostileReads = []hReadCase{
	{name: "own record", who: "sam", entity: "HR.Employee", obj: "E1",
		values: map[string]string{"Name": "Sam", "Grade": "3", "Note": "sam note", "Salary": "-", "HR.Employee_Secret": "S1",
			"HR.Employee_Skill": "[K1]", "HR.Employee_Dept": "D1", "System.owner": "sam", "Number": "1", "changedDate": "-"},
		writable: []string{"Name", "Note", "HR.Employee_Skill", "HR.Employee_Secret"}},
	{name: "a colleague", who: "sam", entity: "HR.Employee", obj: "E2",
		values: map[string]string{"Name": "Sue", "Grade": "2", "Note": "-", "Salary": "-", "HR.Employee_Secret": "-",
			"HR.Employee_Skill": "-", "HR.Employee_Dept": "D1", "System.owner": "-", "createdDate": "-"},
		writable: []string{}},
	{name: "own record, invisible secret reads as none", who: "sue", entity: "HR.Employee", obj: "E2",
		values:   map[string]string{"HR.Employee_Secret": "0", "HR.Employee_Skill": "[K3]"},
		writable: []string{"Name", "Note", "HR.Employee_Skill", "HR.Employee_Secret"}},
	{name: "boss reads a salary of own department", who: "bob", entity: "HR.Employee", obj: "E1",
		values: map[string]string{"Salary": "5000", "Name": "Sam", "Note": "-"}},
	{name: "boss does not read own salary", who: "bob", entity: "HR.Employee", obj: "E3",
		values:   map[string]string{"Salary": "-", "Note": "∅", "Name": "Bob"},
		writable: []string{"Name", "Note", "HR.Employee_Skill", "HR.Employee_Secret"}},
	{name: "a contractor is judged by its own rules", who: "hr", entity: "HR.Employee", obj: "C1",
		values:   map[string]string{"Name": "Carl", "Agency": "Acme", "Salary": "3000", "Grade": "-", "Note": "-", "HR.Employee_Dept": "D3"},
		writable: []string{"Name", "Agency", "HR.Employee_Dept"}},
	{name: "HR: a top secret reads as none", who: "hr", entity: "HR.Employee", obj: "E2",
		values:   map[string]string{"HR.Employee_Secret": "0", "Salary": "900"},
		writable: []string{"Name", "Salary", "Grade", "Note", "HR.Employee_Dept", "HR.Employee_Secret", "HR.Employee_Skill"}},
	{name: "invisible contractor", who: "sam", entity: "HR.Employee", obj: "C1", notFound: true},
	{name: "invisible contractor by its entity", who: "sam", entity: "HR.Contractor", obj: "C1", notFound: true},
	{name: "invisible secret", who: "sam", entity: "HR.Secret", obj: "S2", notFound: true},
	{name: "object of another entity", who: "hr", entity: "HR.Secret", obj: "E1", notFound: true},
	{name: "an employee is not a contractor", who: "hr", entity: "HR.Contractor", obj: "E1", notFound: true},
	{name: "create-only rule", who: "guest", entity: "HR.Feedback", obj: "E1", notFound: true},
	{name: "confidential review", who: "hr", entity: "HR.Review", obj: "R3", notFound: true},
	{name: "final review: read only", who: "hr", entity: "HR.Review", obj: "R2",
		values: map[string]string{"Text": "done", "Final": "true", "Confidential": "-"}},
	{name: "own user", who: "sam", entity: model.SystemUser, obj: "sam",
		values: map[string]string{"Name": "sam", "System.UserRoles": "[role:StaffUser]", "Password": "-", "Active": "-", "Blocked": "-", "FailedLogins": "-"}},
	{name: "another user", who: "sam", entity: model.SystemUser, obj: "sue", notFound: true},
	{name: "a managed user", who: "bob", entity: model.SystemUser, obj: "sam",
		values:   map[string]string{"Name": "sam", "Active": "true", "Blocked": "false", "Password": "-", "FailedLogins": "-", "BlockedSince": "-", "LastLogin": "-"},
		writable: []string{"Name", "Active", "Blocked", "System.UserRoles", "Password"}},
	{name: "an unmanaged user", who: "bob", entity: model.SystemUser, obj: "hr", notFound: true},
	{name: "a user without roles is managed only with manageUsersWithoutRoles", who: "bob", entity: model.SystemUser, obj: "norole", notFound: true},
	{name: "the administrator manages a user without roles", who: "admin", entity: model.SystemUser, obj: "norole",
		values:   map[string]string{"Name": "norole", "System.UserRoles": "[]", "Password": "-"},
		writable: []string{"Name", "Active", "Blocked", "System.UserRoles", "Password"}},
	{name: "the administrator's own roles are readable, not writable", who: "admin", entity: model.SystemUser, obj: "admin",
		values:   map[string]string{"System.UserRoles": "[role:Admin]"},
		writable: []string{"Name", "Active", "Blocked", "System.UserRoles", "Password"}},
	{name: "a user role", who: "sam", entity: model.SystemUserRole, obj: "role:Admin", values: map[string]string{"Name": "Admin"}, writable: []string{}},
}

func TestHostileReads(t *testing.T) {
	ctx := context.Background()
	for store, e := range hostileEngines(t, model.LevelProduction) {
		t.Run(store, func(t *testing.T) {
			f := newHostile(t, e)
			for _, c := range hostileReads {
				t.Run(c.name, func(t *testing.T) {
					res, err := e.Get(ctx, f.c[c.who], f.ent(c.entity), f.id[c.obj])
					if c.notFound {
						if !errors.Is(err, ErrNotFound) {
							t.Errorf("got %v, want not found", err)
						}
						// The same answer as for an id that does not exist.
						if _, err := e.Get(ctx, f.c[c.who], f.ent(c.entity), 1<<40); !errors.Is(err, ErrNotFound) {
							t.Errorf("missing id: %v", err)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					for m, want := range c.values {
						got := "-"
						if v, ok := res.Values.Get(m); ok {
							got = f.show(m, v)
						}
						if got != want {
							t.Errorf("%s reads %s of %s as %s, want %s", c.who, m, c.obj, got, want)
						}
						if res.Readable[m] != (want != "-") {
							t.Errorf("Readable[%s] = %v", m, res.Readable[m])
						}
					}
					if c.writable == nil {
						return
					}
					for m := range res.Writable {
						if !slices.Contains(c.writable, m) {
							t.Errorf("%s may write %s of %s", c.who, m, c.obj)
						}
					}
					for _, m := range c.writable {
						if !res.Writable[m] {
							t.Errorf("%s may not write %s of %s", c.who, m, c.obj)
						}
					}
				})
			}
		})
	}
}

// show prints a member's value, with object ids as fixture names.
// Associations have qualified names; attributes never do.
func (f *hfix) show(member string, v any) string {
	if !strings.Contains(member, ".") {
		return hShow(v)
	}
	switch v := v.(type) {
	case int64:
		if n, ok := f.name[v]; ok {
			return n
		}
	case []int64:
		parts := []string{}
		for _, id := range v {
			parts = append(parts, f.show(member, id))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return hShow(v)
}

// writeCase is one write of a caller. want is the expected outcome:
// "" success, "forbidden" (*Forbidden, 403), "notfound" (ErrNotFound, 404),
// "conflict" (*store.ConflictError, 409) or "bad" (*BadRequest, 400).
// After any refusal nothing may have changed; after a success, check
// looks at what was stored.
type hWriteCase struct {
	name  string
	level model.Level // default production
	do    func(ctx context.Context, f *hfix) (*Result, error)
	want  string
	// setup prepares the case (as the system) before the state is taken.
	setup func(t *testing.T, f *hfix)
	// unchanged: a success that must not change anything either.
	unchanged bool
	check     func(t *testing.T, f *hfix, res *Result)
}

func hUpdate(who, entity, obj string, vals func(f *hfix) map[string]any) func(context.Context, *hfix) (*Result, error) {
	return func(ctx context.Context, f *hfix) (*Result, error) {
		return f.e.Update(ctx, f.c[who], f.ent(entity), f.id[obj], vals(f))
	}
}

func hCreate(who, entity string, vals func(f *hfix) map[string]any) func(context.Context, *hfix) (*Result, error) {
	return func(ctx context.Context, f *hfix) (*Result, error) {
		return f.e.Create(ctx, f.c[who], f.ent(entity), vals(f))
	}
}

func hDelete(who, entity, obj string) func(context.Context, *hfix) (*Result, error) {
	return func(ctx context.Context, f *hfix) (*Result, error) {
		return nil, f.e.Delete(ctx, f.c[who], f.ent(entity), f.id[obj])
	}
}

func hVals(kv ...any) func(f *hfix) map[string]any {
	return func(f *hfix) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			v := kv[i+1]
			switch x := v.(type) {
			case hRef:
				v = f.id[string(x)]
			case hRefs:
				v = f.ids(x...)
			case int:
				v = int64(x)
			}
			out[kv[i].(string)] = v
		}
		return out
	}
}

// ref and refs name fixture objects in vals.
type hRef string
type hRefs []string

const (
	hEmp  = "HR.Employee"
	hUser = model.SystemUser
)

var hostileWrites = []hWriteCase{
	// Writes mixing allowed and forbidden members change nothing.
	{name: "allowed Name with forbidden Salary", do: hUpdate("sam", hEmp, "E1", hVals("Name", "Samuel", "Salary", hDec("1"))), want: "forbidden"},
	{name: "allowed Note with forbidden Grade", do: hUpdate("sam", hEmp, "E1", hVals("Note", "x", "Grade", 9)), want: "forbidden"},
	{name: "an unreadable member with its current value is a write", do: hUpdate("sam", hEmp, "E1", hVals("Salary", hDec("5000"))), want: "forbidden"},
	{name: "an unreadable member with another value", do: hUpdate("sam", hEmp, "E1", hVals("Salary", hDec("4999"))), want: "forbidden"},
	{name: "a readable member with its current value is not a write", do: hUpdate("sam", hEmp, "E2", hVals("Name", "Sue", "Grade", 2, "HR.Employee_Dept", hRef("D1"))), unchanged: true},
	{name: "a colleague's Name", do: hUpdate("sam", hEmp, "E2", hVals("Name", "Susan")), want: "forbidden"},
	{name: "own record", do: hUpdate("sam", hEmp, "E1", hVals("Name", "Samuel", "Note", "n")),
		check: func(t *testing.T, f *hfix, res *Result) {
			st := f.stored(t, hEmp, "E1")
			if st["Name"] != "Samuel" || st["Note"] != "n" || hShow(st["Salary"]) != "5000" {
				t.Errorf("stored %v", st)
			}
			if res.Values.Value("Name") != "Samuel" || res.Values.Value("Salary") != nil {
				t.Errorf("returned %v", res.Values.Map())
			}
		}},
	{name: "an unknown member", do: hUpdate("sam", hEmp, "E1", hVals("Name", "x", "Bonus", 1)), want: "bad"},

	// Members set by the server only.
	{name: "System.owner", do: hUpdate("sam", hEmp, "E1", hVals("System.owner", hRef("sue"))), want: "forbidden"},
	{name: "System.owner, even by HR", do: hUpdate("hr", hEmp, "E1", hVals("System.owner", hRef("sue"))), want: "forbidden"},
	{name: "AutoNumber", do: hUpdate("admin", hEmp, "E1", hVals("Number", 42)), want: "forbidden"},
	{name: "createdDate", do: hUpdate("admin", hEmp, "E1", hVals("createdDate", int64(0))), want: "forbidden"},
	{name: "changedDate", do: hUpdate("hr", hEmp, "E1", hVals("changedDate", int64(0))), want: "forbidden"},
	{name: "create with System.owner", do: hCreate("hr", hEmp, hVals("Name", "New", "System.owner", hRef("sam"))), want: "forbidden"},
	{name: "create with an AutoNumber", do: hCreate("hr", hEmp, hVals("Name", "New", "Number", 7)), want: "forbidden"},
	{name: "create with createdDate", do: hCreate("hr", hEmp, hVals("Name", "New", "createdDate", int64(0))), want: "forbidden"},
	{name: "create stamps the owner", do: hCreate("hr", hEmp, hVals("Name", "New", "Salary", hDec("10"))),
		check: func(t *testing.T, f *hfix, res *Result) {
			if res.Values.Value("System.owner") != f.id["hr"] || res.Values.Value("createdDate") == nil || res.Values.Value("Number") != int64(6) {
				t.Errorf("created %v", res.Values.Map())
			}
		}},

	// Associations.
	{name: "referencing an invisible object", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Secret", hRef("S2"))), want: "forbidden"},
	{name: "referencing a visible object", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Secret", int64(0))),
		check: func(t *testing.T, f *hfix, _ *Result) {
			if got := f.stored(t, hEmp, "E1")["HR.Employee_Secret"]; got != int64(0) {
				t.Errorf("secret %v", got)
			}
		}},
	{name: "creating with a reference to an invisible object", do: hCreate("hr", hEmp, hVals("Name", "New", "HR.Employee_Secret", hRef("S2"))), want: "forbidden"},
	{name: "creating with a reference to a missing object", do: hCreate("hr", hEmp, hVals("Name", "New", "HR.Employee_Secret", int64(1<<40))), want: "forbidden"},
	{name: "changing a Reference whose target is invisible", do: hUpdate("sue", hEmp, "E2", hVals("HR.Employee_Secret", hRef("S1"))), want: "forbidden"},
	{name: "clearing a Reference whose target is invisible", do: hUpdate("sue", hEmp, "E2", hVals("HR.Employee_Secret", int64(0))), want: "forbidden"},
	{name: "giving the invisible current target", do: hUpdate("sue", hEmp, "E2", hVals("HR.Employee_Secret", hRef("S2"))), want: "forbidden"},
	{name: "HR: changing a reference to a top secret", do: hUpdate("hr", hEmp, "E2", hVals("HR.Employee_Secret", hRef("S1"))), want: "forbidden"},
	{name: "an unreadable association of a colleague", do: hUpdate("sam", hEmp, "E2", hVals("HR.Employee_Secret", hRef("S1"))), want: "forbidden"},
	{name: "a reference set keeps invisible links", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", hRefs{"K3"})),
		check: func(t *testing.T, f *hfix, res *Result) {
			if got := f.show("HR.Employee_Skill", f.stored(t, hEmp, "E1")["HR.Employee_Skill"]); got != "[K2 K3]" {
				t.Errorf("stored skills %s, want [K2 K3]", got)
			}
			if got := f.show("HR.Employee_Skill", res.Values.Value("HR.Employee_Skill")); got != "[K3]" {
				t.Errorf("returned skills %s, want [K3]", got)
			}
		}},
	{name: "a reference set emptied keeps invisible links", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", []int64{})),
		check: func(t *testing.T, f *hfix, _ *Result) {
			if got := f.show("HR.Employee_Skill", f.stored(t, hEmp, "E1")["HR.Employee_Skill"]); got != "[K2]" {
				t.Errorf("stored skills %s, want [K2]", got)
			}
		}},
	{name: "a reference set with its visible value is not a write", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", hRefs{"K1"})), unchanged: true},
	{name: "a reference set naming a linked invisible object", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", hRefs{"K1", "K2"})), want: "forbidden"},
	{name: "a reference set naming an unlinked invisible object", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", hRefs{"K1", "K4"})), want: "forbidden"},
	{name: "a reference set naming an object of another entity", do: hUpdate("sam", hEmp, "E1", hVals("HR.Employee_Skill", hRefs{"K1", "S1"})), want: "forbidden"},

	// Invisible objects do not exist.
	{name: "update an invisible contractor", do: hUpdate("sam", hEmp, "C1", hVals("Name", "x")), want: "notfound"},
	{name: "update an invisible secret", do: hUpdate("sam", "HR.Secret", "S2", hVals("Code", "x")), want: "notfound"},
	{name: "delete an invisible contractor", do: hDelete("sam", hEmp, "C1"), want: "notfound"},
	{name: "delete an invisible review", do: hDelete("hr", "HR.Review", "R3"), want: "notfound"},
	{name: "delete under a create-only rule", do: hDelete("guest", "HR.Feedback", "E1"), want: "notfound"},
	{name: "update a missing object", do: func(ctx context.Context, f *hfix) (*Result, error) {
		return f.e.Update(ctx, f.c["admin"], f.ent(hEmp), 1<<40, map[string]any{"Name": "x"})
	}, want: "notfound"},
	{name: "delete a session", do: hDelete("admin", model.SystemSession, "sam"), want: "notfound"},

	// Create and delete rights.
	{name: "create without create right", do: hCreate("sam", hEmp, hVals("Name", "Mole")), want: "forbidden"},
	{name: "create a contractor with a member its rules do not grant", do: hCreate("hr", "HR.Contractor", hVals("Name", "New", "Grade", 4)), want: "forbidden"},
	{name: "create a contractor with a default value", do: hCreate("hr", "HR.Contractor", hVals("Name", "New", "Grade", 1, "Agency", "Beta")),
		check: func(t *testing.T, f *hfix, res *Result) {
			if res.Entity.QualifiedName() != "HR.Contractor" || res.Values.Value("Agency") != "Beta" {
				t.Errorf("created %v %v", res.Entity.QualifiedName(), res.Values.Map())
			}
		}},
	{name: "create under a create-only rule", do: hCreate("guest", "HR.Feedback", hVals()),
		check: func(t *testing.T, f *hfix, res *Result) {
			if res.Values.Len() != 0 {
				t.Errorf("a create-only rule returned %v", res.Values.Map())
			}
			ctx := context.Background()
			if _, err := f.e.Get(ctx, f.c["guest"], f.ent("HR.Feedback"), res.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("guest reads feedback: %v", err)
			}
			if rs, _, _ := f.e.List(ctx, f.c["guest"], f.ent("HR.Feedback"), ListOptions{}); len(rs) != 0 {
				t.Errorf("guest lists feedback: %v", f.names(rs))
			}
			if rs, _, _ := f.e.List(ctx, f.c["hr"], f.ent("HR.Feedback"), ListOptions{}); len(rs) != 1 {
				t.Errorf("HR lists %d feedback", len(rs))
			}
		}},
	{name: "create-only: no member to write", do: hCreate("guest", "HR.Feedback", hVals("Text", "boo")), want: "forbidden"},
	{name: "delete without delete right", do: hDelete("sam", hEmp, "E1"), want: "forbidden"},
	{name: "rights are judged on stored values", do: hUpdate("hr", "HR.Review", "R1", hVals("Final", true, "Text", "final")),
		check: func(t *testing.T, f *hfix, res *Result) {
			// Re-read and judged on what was stored: now a final review.
			if res.Values.Value("Text") != "final" || res.Writable["Text"] || res.CanDelete {
				t.Errorf("returned %v writable %v delete %v", res.Values.Map(), res.Writable, res.CanDelete)
			}
		}},
	{name: "an object that becomes invisible is returned as its id", do: hUpdate("hr", "HR.Review", "R1", hVals("Confidential", true)),
		check: func(t *testing.T, f *hfix, res *Result) {
			if res.ID != f.id["R1"] || res.Values.Len() != 0 {
				t.Errorf("returned %v", res.Values.Map())
			}
		}},

	// onDelete.
	{name: "cascade onto a review HR may read but not delete", do: hDelete("hr", hEmp, "E2"), want: "forbidden"},
	{name: "cascade onto a review HR cannot see", do: hDelete("hr", hEmp, "E4"), want: "forbidden"},
	{name: "cascade", do: hDelete("hr", hEmp, "E3"),
		check: func(t *testing.T, f *hfix, _ *Result) {
			ctx := context.Background()
			for _, x := range []struct{ entity, obj string }{{hEmp, "E3"}, {"HR.Review", "R1"}} {
				if _, err := f.e.Get(ctx, System(), f.ent(x.entity), f.id[x.obj]); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s after the cascade: %v", x.obj, err)
				}
			}
		}},
	{name: "cascade by the administrator", do: hDelete("admin", hEmp, "E4")},
	{name: "prevent", do: hDelete("admin", hEmp, "E1"), want: "conflict"},
	{name: "prevent, for HR too", do: hDelete("hr", hEmp, "E1"), want: "conflict"},
	{name: "rights answer before prevent", do: hDelete("hr", hEmp, "E2"), want: "forbidden",
		setup: func(t *testing.T, f *hfix) {
			// E2 has a final review (cascade, HR may not delete it) and now a payslip.
			if _, err := f.e.Create(context.Background(), System(), f.ent("HR.Payslip"), map[string]any{"Month": "2026-02", "HR.Payslip_Employee": f.id["E2"]}); err != nil {
				t.Fatal(err)
			}
		}},
	{name: "keep clears references", do: hDelete("admin", "HR.Secret", "S1"),
		check: func(t *testing.T, f *hfix, _ *Result) {
			if got := f.stored(t, hEmp, "E1")["HR.Employee_Secret"]; got != int64(0) {
				t.Errorf("reference not cleared: %v", got)
			}
		}},

	// System.User: built-in rules and user management.
	{name: "a manager grants a role they may not grant", do: hUpdate("bob", hUser, "sam", hVals(model.SystemUserRoles, hRefs{"role:BossUser"})), want: "forbidden"},
	{name: "a manager adds a role they may not grant", do: hUpdate("bob", hUser, "sam", hVals(model.SystemUserRoles, hRefs{"role:StaffUser", "role:HRUser"})), want: "forbidden"},
	{name: "a manager gives the current roles", do: hUpdate("bob", hUser, "sam", hVals(model.SystemUserRoles, hRefs{"role:StaffUser"})), unchanged: true},
	{name: "changing own roles", do: hUpdate("bob", hUser, "bob", hVals(model.SystemUserRoles, hRefs{"role:StaffUser"})), want: "forbidden"},
	{name: "changing own roles, as one who may grant them", do: hUpdate("admin", hUser, "admin", hVals(model.SystemUserRoles, hRefs{"role:Admin", "role:HRUser"})), want: "forbidden"},
	{name: "blocking oneself", do: hUpdate("admin", hUser, "admin", hVals("Blocked", true)), want: "forbidden"},
	{name: "deactivating oneself", do: hUpdate("admin", hUser, "admin", hVals("Active", false)), want: "forbidden"},
	{name: "own Name is read only", do: hUpdate("sam", hUser, "sam", hVals("Name", "samuel")), want: "forbidden"},
	{name: "own Password through the object API", do: hUpdate("sam", hUser, "sam", hVals("Password", "a new long password")), want: "forbidden"},
	{name: "another user's Name", do: hUpdate("sam", hUser, "sue", hVals("Name", "x")), want: "notfound"},
	{name: "an unmanaged user", do: hUpdate("bob", hUser, "hr", hVals("Blocked", true)), want: "notfound"},
	{name: "FailedLogins", do: hUpdate("admin", hUser, "sam", hVals("FailedLogins", 0)), want: "forbidden"},
	{name: "BlockedSince", do: hUpdate("admin", hUser, "sam", hVals("BlockedSince", int64(0))), want: "forbidden"},
	{name: "LastLogin", do: hUpdate("admin", hUser, "sam", hVals("LastLogin", int64(0))), want: "forbidden"},
	{name: "IsAnonymous", do: hUpdate("admin", hUser, "sam", hVals("IsAnonymous", true)), want: "forbidden"},
	{name: "a manager blocks a managed user", do: hUpdate("bob", hUser, "sam", hVals("Blocked", true)),
		check: func(t *testing.T, f *hfix, _ *Result) {
			if f.stored(t, hUser, "sam")["Blocked"] != true || !slices.Equal(f.changed, f.ids("sam")) {
				t.Errorf("blocked %v, sessions ended %v", f.stored(t, hUser, "sam")["Blocked"], f.changed)
			}
		}},
	{name: "a manager sets a password", do: hUpdate("bob", hUser, "sam", hVals("Password", "a new long password")),
		check: func(t *testing.T, f *hfix, res *Result) {
			if _, ok := res.Values.Get("Password"); ok {
				t.Errorf("password returned")
			}
			if !slices.Equal(f.changed, f.ids("sam")) {
				t.Errorf("sessions ended %v", f.changed)
			}
		}},
	{name: "a manager grants a grantable role", do: hUpdate("admin", hUser, "norole", hVals(model.SystemUserRoles, hRefs{"role:HRUser"})),
		check: func(t *testing.T, f *hfix, _ *Result) {
			if got := f.show(model.SystemUserRoles, f.stored(t, hUser, "norole")[model.SystemUserRoles]); got != "[role:HRUser]" {
				t.Errorf("roles %s", got)
			}
		}},
	{name: "users are not created through the object API", do: hCreate("admin", hUser, hVals("Name", "newbie")), want: "forbidden"},
	{name: "users are not deleted through the object API", do: hDelete("admin", hUser, "sam"), want: "forbidden"},
	{name: "user roles are read only", do: hUpdate("admin", model.SystemUserRole, "role:Admin", hVals("Name", "Boss")), want: "forbidden"},

	// Security level prototype: module rules are skipped, built-ins kept.
	{name: "prototype: staff write salaries", level: model.LevelPrototype, do: hUpdate("sam", hEmp, "E2", hVals("Salary", hDec("1"))),
		check: func(t *testing.T, f *hfix, res *Result) {
			if hShow(res.Values.Value("Salary")) != "1" {
				t.Errorf("returned %v", res.Values.Map())
			}
		}},
	{name: "prototype: staff create", level: model.LevelPrototype, do: hCreate("sam", "HR.Secret", hVals("Code", "NEW"))},
	{name: "prototype: staff delete", level: model.LevelPrototype, do: hDelete("sam", hEmp, "E3")},
	{name: "prototype: prevent still holds", level: model.LevelPrototype, do: hDelete("sam", hEmp, "E1"), want: "conflict"},
	{name: "prototype: System.owner is still the server's", level: model.LevelPrototype, do: hUpdate("sam", hEmp, "E1", hVals("System.owner", hRef("sue"))), want: "forbidden"},
	{name: "prototype: another user is invisible", level: model.LevelPrototype, do: hUpdate("sam", hUser, "sue", hVals("Name", "x")), want: "notfound"},
	{name: "prototype: own roles", level: model.LevelPrototype, do: hUpdate("admin", hUser, "admin", hVals(model.SystemUserRoles, hRefs{"role:HRUser"})), want: "forbidden"},
	{name: "prototype: a manager grants a role they may not grant", level: model.LevelPrototype, do: hUpdate("bob", hUser, "sam", hVals(model.SystemUserRoles, hRefs{"role:Admin"})), want: "forbidden"},
	{name: "prototype: nobody creates", level: model.LevelPrototype, do: hCreate("", "HR.Secret", hVals("Code", "NEW")), want: "forbidden"},
	{name: "prototype: nobody updates", level: model.LevelPrototype, do: hUpdate("", hEmp, "E1", hVals("Name", "x")), want: "notfound"},
	{name: "prototype: users are not created through the object API", level: model.LevelPrototype, do: hCreate("admin", hUser, hVals("Name", "newbie")), want: "forbidden"},

	// Security level off: everything is open, objects get no owner.
	{name: "off: anyone creates, without an owner", level: model.LevelOff, do: hCreate("norole", hEmp, hVals("Name", "Anon", "Salary", hDec("3"))),
		check: func(t *testing.T, f *hfix, res *Result) {
			if res.Values.Value("System.owner") != int64(0) || hShow(res.Values.Value("Salary")) != "3" {
				t.Errorf("created %v", res.Values.Map())
			}
		}},
	{name: "off: anyone deletes", level: model.LevelOff, do: hDelete("guest", hEmp, "E3")},
	{name: "off: server members stay the server's", level: model.LevelOff, do: hUpdate("admin", hEmp, "E1", hVals("Number", 3)), want: "forbidden"},
}

func TestHostileWrites(t *testing.T) {
	ctx := context.Background()
	// One store per level and kind, emptied before each case: a fresh
	// PostgreSQL schema per case would cost most of the test's time.
	opened := map[model.Level]map[string]*Engine{}
	top := t
	for _, c := range hostileWrites {
		t.Run(c.name, func(t *testing.T) {
			level := c.level
			if level == "" {
				level = model.LevelProduction
			}
			if opened[level] == nil {
				opened[level] = hostileEngines(top, level)
			}
			for store, e := range opened[level] {
				t.Run(store, func(t *testing.T) {
					hostileReset(t, e)
					f := newHostile(t, e)
					if c.setup != nil {
						c.setup(t, f)
					}
					before := f.dump(t)
					res, err := c.do(ctx, f)
					if !hOutcome(err, c.want) {
						t.Fatalf("got %v (%T), want %s", err, err, hOr(c.want, "success"))
					}
					if c.want != "" || c.unchanged {
						if after := f.dump(t); after != before {
							t.Errorf("the store changed:\n%s", hDiffLines(before, after))
						}
						if c.want != "" && len(f.changed) > 0 {
							t.Errorf("sessions ended for %v", f.changed)
						}
					}
					if c.check != nil {
						c.check(t, f, res)
					}
				})
			}
		})
	}
}

// hostileReset empties the store of an engine (AutoNumbers included) and
// brings the user roles back.
func hostileReset(t *testing.T, e *Engine) {
	t.Helper()
	ctx := context.Background()
	st := e.Store()
	err := st.Write(ctx, func(tx *store.Tx) error {
		var stmts []string
		for _, j := range st.Map.JoinTables {
			stmts = append(stmts, "DELETE FROM "+schema.Quote(j.Name))
		}
		for _, tb := range st.Map.Tables {
			stmts = append(stmts, "DELETE FROM "+schema.Quote(tb.Name))
		}
		for _, q := range append(stmts, "DELETE FROM rampart_autonumber") {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SyncUserRoles(ctx); err != nil {
		t.Fatal(err)
	}
}

func hOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func hOutcome(err error, want string) bool {
	var fb *Forbidden
	var ce *store.ConflictError
	var br *BadRequest
	switch want {
	case "":
		return err == nil
	case "forbidden":
		return errors.As(err, &fb)
	case "notfound":
		return errors.Is(err, ErrNotFound)
	case "conflict":
		return errors.As(err, &ce) && !strings.Contains(err.Error(), "P1")
	case "bad":
		return errors.As(err, &br)
	}
	panic(want)
}

func hDiffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHostileLevels checks reads at security levels prototype and off.
func TestHostileLevels(t *testing.T) {
	ctx := context.Background()
	type c struct {
		who, entity, xpath string
		want               []string
	}
	for _, lv := range []struct {
		level model.Level
		lists []c
		// hidden members must not be read by who on obj (of entity).
		hidden []c
	}{
		{model.LevelProduction, []c{
			{"", hEmp, "", []string{}},
			{"", hUser, "", []string{}},
			// Only signed-in users read the user roles.
			{"", model.SystemUserRole, "", []string{}},
		}, nil},
		{model.LevelPrototype, []c{
			// Module rules are skipped: signed-in users read all module data.
			{"sam", hEmp, "", []string{"E1", "E2", "E3", "E4", "C1"}},
			{"sam", hEmp, "[Salary > 1000]", []string{"E1", "E3", "C1"}},
			{"sam", "HR.Secret", "", []string{"S1", "S2"}},
			{"sam", "HR.Review", "", []string{"R1", "R2", "R3"}},
			{"guest", "HR.Payslip", "", []string{"P1"}},
			// The built-in System.User rules still apply.
			{"sam", hUser, "", []string{"sam"}},
			{"bob", hUser, "", []string{"sam", "sue", "bob"}},
			{"sam", hUser, "[Name = 'sue']", []string{}},
			{"sam", model.SystemUserRole, "[Name = 'Admin']", []string{"role:Admin"}},
			// Nobody (no session) gets nothing of what prototype opens.
			{"", hEmp, "", []string{}},
			{"", model.SystemUserRole, "", []string{}},
		}, []c{
			{"sam", hUser, "sam", []string{"Password", "Active", "Blocked", "FailedLogins"}},
			{"bob", hUser, "sam", []string{"Password", "FailedLogins", "BlockedSince"}},
		}},
		{model.LevelOff, []c{
			{"", hEmp, "", []string{"E1", "E2", "E3", "E4", "C1"}},
			{"norole", "HR.Secret", "", []string{"S1", "S2"}},
			{"", hUser, "", []string{"admin", "hr", "sam", "sue", "bob", "guest", "norole"}},
			// [%CurrentUser%] is empty at level off.
			{"sam", hEmp, "[System.owner = '[%CurrentUser%]']", []string{"E4"}},
		}, []c{
			{"", hUser, "sam", []string{"Password", "FailedLogins", "BlockedSince"}},
		}},
	} {
		for store, e := range hostileEngines(t, lv.level) {
			t.Run(string(lv.level)+"/"+store, func(t *testing.T) {
				f := newHostile(t, e)
				for _, l := range lv.lists {
					rs, _, err := e.List(ctx, f.c[l.who], f.ent(l.entity), ListOptions{XPath: l.xpath})
					if err != nil {
						t.Fatal(err)
					}
					if got := f.names(rs); !slices.Equal(got, l.want) {
						t.Errorf("%q lists %s %s: %v, want %v", l.who, l.entity, l.xpath, got, l.want)
					}
				}
				for _, h := range lv.hidden {
					r, err := e.Get(ctx, f.c[h.who], f.ent(h.entity), f.id[h.xpath])
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range h.want {
						if v, ok := r.Values.Get(m); ok {
							t.Errorf("%q reads %s of %s: %v", h.who, m, h.xpath, v)
						}
					}
				}
			})
		}
	}
}
