package security

import (
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/store"
)

// fixture is the example app with a few users and objects.
type fixture struct {
	e                   *Engine
	app                 *model.App
	employee, manager   Caller
	other, admin        Caller
	apollo, gemini      int64 // projects; manager manages apollo
	own, foreign, draft int64 // expenses: own (Submitted) and foreign of employee; draft of employee
}

func engines(t *testing.T, app *model.App) map[string]*Engine {
	t.Helper()
	ctx := context.Background()
	out := map[string]*Engine{}
	open := func(name, url string) {
		st, err := store.Open(ctx, url, app, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		e := New(app, st)
		if err := e.SyncUserRoles(ctx); err != nil {
			t.Fatal(err)
		}
		e.SetHooks(Hooks{HashSecret: func(_ *model.Member, _, plain string) (string, error) { return "hash:" + plain, nil }})
		out[name] = e
	}
	open("sqlite", "sqlite:"+filepath.Join(t.TempDir(), "app.db"))
	if url := os.Getenv("RAMPART_TEST_POSTGRES"); url != "" {
		open("postgres", store.FreshPostgresSchema(t, url))
	} else {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL part skipped")
	}
	return out
}

func newFixture(t *testing.T, e *Engine) *fixture {
	t.Helper()
	ctx := context.Background()
	app := e.App()
	f := &fixture{e: e, app: app}
	account := app.Entity("Administration.Account")
	mkUser := func(name string, roles ...string) Caller {
		var ids []int64
		var urs []*model.UserRole
		for _, r := range roles {
			ids = append(ids, e.RoleID(r))
			urs = append(urs, app.UserRole(r))
		}
		res, err := e.Create(ctx, System(), account, map[string]any{"Name": name, "System.UserRoles": ids, "FullName": "Full " + name})
		if err != nil {
			t.Fatal(err)
		}
		return User(res.ID, urs, false)
	}
	f.employee = mkUser("emp", "Employee")
	f.other = mkUser("other", "Employee")
	f.manager = mkUser("man", "Manager")
	f.admin = mkUser("adm", "Administrator")
	project := app.Entity("Expenses.Project")
	p1, err := e.Create(ctx, f.admin, project, map[string]any{"Name": "Apollo", "Expenses.Project_Manager": f.manager.UserID()})
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := e.Create(ctx, f.admin, project, map[string]any{"Name": "Gemini"})
	f.apollo, f.gemini = p1.ID, p2.ID
	expense := app.Entity("Expenses.Expense")
	mk := func(c Caller, desc string, project int64) int64 {
		res, err := e.Create(ctx, c, expense, map[string]any{"Description": desc, "Amount": big.NewRat(10, 1), "Expenses.Expense_Project": project})
		if err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	f.own = mk(f.employee, "Taxi", f.apollo)
	f.draft = mk(f.employee, "Lunch", f.gemini)
	f.foreign = mk(f.other, "Hotel", f.apollo)
	// Submitted: written by the admin, who may write Status.
	if _, err := e.Update(ctx, f.admin, expense, f.own, map[string]any{"Status": "Submitted"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func ids(rs []*Result) []int64 {
	var out []int64
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestExampleApp(t *testing.T) {
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	ctx := context.Background()
	for name, e := range engines(t, app) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, e)
			expense := app.Entity("Expenses.Expense")
			list := func(c Caller, o ListOptions) []int64 {
				t.Helper()
				rs, _, err := e.List(ctx, c, expense, o)
				if err != nil {
					t.Fatal(err)
				}
				return ids(rs)
			}
			if got := list(f.employee, ListOptions{}); !slices.Equal(got, []int64{f.own, f.draft}) {
				t.Errorf("employee sees %v, want own expenses %v", got, []int64{f.own, f.draft})
			}
			// The manager sees expenses of Apollo (managed), and nothing of Gemini.
			if got := list(f.manager, ListOptions{}); !slices.Equal(got, []int64{f.own, f.foreign}) {
				t.Errorf("manager sees %v", got)
			}
			if got := list(f.admin, ListOptions{Sort: []SortKey{{Member: "Description", Desc: true}}}); !slices.Equal(got, []int64{f.own, f.draft, f.foreign}) {
				t.Errorf("admin sorted by description desc: %v", got)
			}
			if got := list(f.employee, ListOptions{XPath: "[contains(Description, 'TAX')]"}); !slices.Equal(got, []int64{f.own}) {
				t.Errorf("client constraint: %v", got)
			}
			if _, err := e.Get(ctx, f.employee, expense, f.foreign); !errors.Is(err, ErrNotFound) {
				t.Errorf("foreign expense: %v, want not found", err)
			}
			// Own draft: Description writable; submitted own expense: not.
			if _, err := e.Update(ctx, f.employee, expense, f.draft, map[string]any{"Description": "Lunch 2"}); err != nil {
				t.Errorf("writing own draft: %v", err)
			}
			var fb *Forbidden
			if _, err := e.Update(ctx, f.employee, expense, f.own, map[string]any{"Description": "x"}); !errors.As(err, &fb) {
				t.Errorf("writing submitted expense: %v, want forbidden", err)
			}
			// Same value is not a write.
			if _, err := e.Update(ctx, f.employee, expense, f.own, map[string]any{"Description": "Taxi"}); err != nil {
				t.Errorf("unchanged value: %v", err)
			}
			if _, err := e.Update(ctx, f.employee, expense, f.draft, map[string]any{"System.owner": f.other.UserID()}); !errors.As(err, &fb) {
				t.Errorf("setting System.owner: %v, want forbidden", err)
			}
			if _, err := e.Update(ctx, f.employee, expense, f.draft, map[string]any{"Status": "Approved"}); !errors.As(err, &fb) {
				t.Errorf("employee approving: %v", err)
			}
			if _, err := e.Update(ctx, f.manager, expense, f.own, map[string]any{"Status": "Approved"}); err != nil {
				t.Errorf("manager approving: %v", err)
			}
			r, err := e.Get(ctx, f.employee, expense, f.own)
			if err != nil {
				t.Fatal(err)
			}
			if r.Values.Value("Status") != "Approved" || r.Values.Value("System.owner") != f.employee.UserID() {
				t.Errorf("re-read: %v", r.Values.Map())
			}
			if r.Writable["Description"] {
				t.Errorf("Description writable on a submitted expense")
			}
			if err := e.Delete(ctx, f.employee, expense, f.own); !errors.As(err, &fb) {
				t.Errorf("deleting a non-draft: %v", err)
			}
			if err := e.Delete(ctx, f.employee, expense, f.draft); err != nil {
				t.Errorf("deleting own draft: %v", err)
			}
			// Account: own FullName readable, others' accounts invisible.
			account := app.Entity("Administration.Account")
			accs, _, err := e.List(ctx, f.employee, account, ListOptions{})
			if err != nil || len(accs) != 1 || accs[0].ID != f.employee.UserID() {
				t.Fatalf("employee accounts %v %v", ids(accs), err)
			}
			if _, ok := accs[0].Values.Get("Password"); ok {
				t.Errorf("password readable")
			}
			if accs[0].Values.Value("Name") != "emp" || accs[0].Values.Value("FullName") != "Full emp" {
				t.Errorf("own account: %v", accs[0].Values.Map())
			}
			// The manager manages Employees: sees emp and other, and itself.
			accs, _, _ = e.List(ctx, f.manager, account, ListOptions{})
			if got := ids(accs); !slices.Equal(got, []int64{f.employee.UserID(), f.other.UserID(), f.manager.UserID()}) {
				t.Errorf("manager sees accounts %v", got)
			}
			// Managing users includes deleting them, but not through the
			// object API.
			for _, a := range accs {
				if err := e.Delete(ctx, f.manager, account, a.ID); !errors.As(err, &fb) {
					t.Errorf("deleting account %d through the object API: %v", a.ID, err)
				}
			}
			if _, err := e.Update(ctx, f.manager, account, f.employee.UserID(), map[string]any{"System.UserRoles": []int64{e.RoleID("Manager")}}); !errors.As(err, &fb) {
				t.Errorf("granting Manager: %v", err)
			}
			if _, err := e.Create(ctx, f.admin, account, map[string]any{"Name": "x"}); !errors.As(err, &fb) {
				t.Errorf("creating a user through the object API: %v", err)
			}
		})
	}
}

func BenchmarkMemberRight(b *testing.B) {
	app, _, _ := model.LoadFS(examples.Expenses(), model.Options{})
	e := New(app, nil)
	c := User(1, []*model.UserRole{app.UserRole("Employee")}, false)
	x := app.Entity("Expenses.Expense")
	for b.Loop() {
		if e.MaxRight(c, x, "Description") != model.ReadWrite {
			b.Fatal("want ReadWrite")
		}
	}
}

func BenchmarkCanOpen(b *testing.B) {
	app, _, _ := model.LoadFS(examples.Expenses(), model.Options{})
	e := New(app, nil)
	c := User(1, []*model.UserRole{app.UserRole("Employee")}, false)
	p := app.Page("Expenses.MyExpenses")
	for b.Loop() {
		if !e.CanOpen(c, p) {
			b.Fatal("want true")
		}
	}
}
