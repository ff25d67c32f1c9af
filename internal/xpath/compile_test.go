package xpath_test

// Golden tests of the SQL compiler.
//
// Each file of testdata/golden/*.txt is one case, in the style of Caddy's
// adapter tests: a header, the constraint, then the expected output in
// sections that `go test -run Golden -update` rewrites.
//
//	# free comment lines
//	model: expenses            (expenses = the example app, lab = testdata/golden/lab)
//	entity: Expenses.Expense
//	user: 0                    (optional: Env.CurrentUser; default 42)
//	guard: on                  (optional: compile with the test SQLGuard)
//	[System.owner = '[%CurrentUser%]']
//	---------- sqlite
//	…SQL with ? placeholders…
//	---------- sqlite args
//	int64 42
//	---------- postgres
//	…the same after schema.Postgres.Rebind…
//	---------- postgres args
//	int64 42
//	---------- matches
//	300 302                    (the objects for which the evaluator says it holds)
//
// Besides comparing text, every case is run: the SQL is executed on a small
// fixed data set in SQLite (and in PostgreSQL when RAMPART_TEST_POSTGRES is
// set), for every object of the entity, and must give exactly the
// evaluator's answer, never NULL.

import (
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestGolden")

// ---------------------------------------------------------------------------
// Models

var (
	gAppsOnce sync.Once
	gApps     map[string]*model.App
	gAppsErr  error
)

// goldenApp loads "expenses" (the example app) or "lab" (testdata/golden/lab).
func goldenApp(tb testing.TB, name string) *model.App {
	tb.Helper()
	gAppsOnce.Do(func() {
		gApps = map[string]*model.App{}
		srcs := map[string]func() (*model.App, error){
			"expenses": func() (*model.App, error) { return loadGoldenApp(examples.Expenses()) },
			"lab":      func() (*model.App, error) { return loadGoldenApp(os.DirFS("testdata/golden/lab")) },
		}
		for n, load := range srcs {
			app, err := load()
			if err != nil {
				gAppsErr = fmt.Errorf("model %s: %w", n, err)
				return
			}
			gApps[n] = app
		}
	})
	if gAppsErr != nil {
		tb.Fatal(gAppsErr)
	}
	app := gApps[name]
	if app == nil {
		tb.Fatalf("unknown model %q", name)
	}
	return app
}

func loadGoldenApp(fsys fs.FS) (*model.App, error) {
	app, diags, err := model.LoadFS(fsys, model.Options{Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%v", diags)
	}
	return app, nil
}

// goldenRoleIDs are the ids of the System.UserRole objects in the test data.
var goldenRoleIDs = map[string]int64{"Administrator": 1, "Employee": 2, "Manager": 3, "Tester": 4}

// goldenNow is the fixed request time: 03:30 in Amsterdam, just after the
// clocks went forward on 2024-03-31 (01:00 UTC).
var goldenNow = time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC)

func goldenEnv(app *model.App, user int64) *xpath.Env {
	return &xpath.Env{
		Now:         goldenNow,
		Location:    app.TimeZone,
		CurrentUser: user,
		UserRole:    func(name string) int64 { return goldenRoleIDs[name] },
	}
}

func goldenEntity(tb testing.TB, app *model.App, name string) *model.Entity {
	tb.Helper()
	e := app.Entity(name)
	if e == nil {
		tb.Fatalf("unknown entity %s", name)
	}
	return e
}

// ---------------------------------------------------------------------------
// The test guard: an object is visible unless its id ends in 3; a member is
// readable on an object unless (id + len(member name)) is a multiple of 7. The SQL form calls rampart_test_readable, registered in
// SQLite and created in PostgreSQL by the test.

type goldenSQLGuard struct{}

func (goldenSQLGuard) Visible(e *model.Entity, alias string) *xpath.Frag {
	return xpath.NewFrag("(" + alias + `."id" % 10) <> 3`)
}

func (goldenSQLGuard) Readable(e *model.Entity, m *model.Member, alias string) *xpath.Frag {
	return xpath.NewFrag("rampart_test_readable(", xpath.Arg{Value: m.Name}, ", "+alias+`."id")`)
}

type goldenEvalGuard struct{}

func (goldenEvalGuard) Visible(id int64) bool                   { return id%10 != 3 }
func (goldenEvalGuard) Readable(id int64, m *model.Member) bool { return goldenReadable(m.Name, id) }

func goldenReadable(member string, id int64) bool { return (id+int64(len(member)))%7 != 0 }

var registerGoldenReadable = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("rampart_test_readable", 2,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			name, _ := args[0].(string)
			id, _ := args[1].(int64)
			if goldenReadable(name, id) {
				return int64(1), nil
			}
			return int64(0), nil
		})
})

const pgGoldenReadable = `CREATE FUNCTION rampart_test_readable(m TEXT, id BIGINT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT ($2 + length($1)) % 7 <> 0 $$`

// ---------------------------------------------------------------------------
// The data set: a few objects per entity with the values that make
// constraints interesting (empty values, case variants, decimals at the
// 8th digit, instants around daylight-saving changes, multi-valued paths,
// specializations). The same objects feed the evaluator and the stores.

type gObject struct {
	id     int64
	entity *model.Entity
	attrs  map[*model.Attribute]any
	refs   map[*model.Association]int64
	sets   map[*model.Association][]int64
}

type gData struct {
	app  *model.App
	objs map[int64]*gObject
	ids  []int64
}

func (d *gData) Type(id int64) *model.Entity { return d.objs[id].entity }

func (d *gData) Attr(id int64, a *model.Attribute) any {
	v, ok := d.objs[id].attrs[a]
	if !ok && a.Type == model.TypeBoolean {
		return false
	}
	return v
}

func (d *gData) Linked(id int64, a *model.Association, forward bool) []int64 {
	if forward {
		o := d.objs[id]
		if a.Type == model.Reference {
			if r := o.refs[a]; r != 0 {
				return []int64{r}
			}
			return nil
		}
		return o.sets[a]
	}
	var out []int64
	for _, x := range d.ids {
		o := d.objs[x]
		if o.refs[a] == id || slices.Contains(o.sets[a], id) {
			out = append(out, x)
		}
	}
	return out
}

// add adds an object. vals maps attribute names to values (string, int,
// bool; Decimal and DateTime as text: "12.5", RFC 3339) and qualified
// association names to an id (Reference) or a list of ids (ReferenceSet).
func (d *gData) add(id int64, entity string, vals map[string]any) {
	e := d.app.Entity(entity)
	if e == nil {
		panic("unknown entity " + entity)
	}
	o := &gObject{id: id, entity: e, attrs: map[*model.Attribute]any{}, refs: map[*model.Association]int64{}, sets: map[*model.Association][]int64{}}
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		v := vals[n]
		m := e.Member(n, nil)
		if m == nil {
			panic(entity + " has no member " + n)
		}
		if m.Association != nil {
			switch v := v.(type) {
			case int:
				o.refs[m.Association] = int64(v)
			case []int64:
				o.sets[m.Association] = v
			default:
				panic("bad association value")
			}
			continue
		}
		a := m.Attribute
		switch a.Type {
		case model.TypeDecimal:
			r, ok := new(big.Rat).SetString(v.(string))
			if !ok {
				panic("bad decimal " + v.(string))
			}
			o.attrs[a] = r
		case model.TypeDateTime:
			t, err := time.Parse(time.RFC3339Nano, v.(string))
			if err != nil {
				panic(err)
			}
			o.attrs[a] = t.UnixMilli()
		case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
			switch v := v.(type) {
			case int:
				o.attrs[a] = int64(v)
			case int64:
				o.attrs[a] = v
			}
		default:
			o.attrs[a] = v
		}
	}
	d.objs[id] = o
	d.ids = append(d.ids, id)
}

var (
	gDataOnce sync.Once
	gDatasets map[string]*gData
)

func goldenData(tb testing.TB, name string) *gData {
	app := goldenApp(tb, name)
	gDataOnce.Do(func() {
		gDatasets = map[string]*gData{
			"expenses": gExpensesData(goldenApp(tb, "expenses")),
			"lab":      gLabData(goldenApp(tb, "lab")),
		}
	})
	d := gDatasets[name]
	if d.app != app {
		tb.Fatal("data set of another model")
	}
	return d
}

func newGData(app *model.App) *gData {
	d := &gData{app: app, objs: map[int64]*gObject{}}
	d.add(1, "System.UserRole", map[string]any{"Name": "Administrator"})
	return d
}

func gExpensesData(app *model.App) *gData {
	d := newGData(app)
	d.add(2, "System.UserRole", map[string]any{"Name": "Employee"})
	d.add(3, "System.UserRole", map[string]any{"Name": "Manager", "Description": "Approves"})
	d.add(42, "Administration.Account", map[string]any{"Name": "alice", "FullName": "Alice Ånström", "Email": "alice@example.com", "Active": true, "System.UserRoles": []int64{2, 3}})
	d.add(43, "Administration.Account", map[string]any{"Name": "bob", "FullName": "BOB", "Active": true, "System.UserRoles": []int64{2}})
	d.add(44, "System.User", map[string]any{"Name": "svc", "WebServiceUser": true, "FailedLogins": 3, "LastLogin": "2024-03-30T23:00:00Z"})
	d.add(45, "Administration.Account", map[string]any{"Name": "carol", "System.UserRoles": []int64{1}})

	d.add(100, "Expenses.Project", map[string]any{"Name": "Apollo", "Budget": "1000.5", "Expenses.Project_Manager": 42})
	d.add(101, "Expenses.Project", map[string]any{"Name": "beta", "Expenses.Project_Manager": 43})
	d.add(102, "Expenses.Project", map[string]any{"Name": "ΣΊΣΥΦΟΣ", "Budget": "-0.00000001"})
	d.add(105, "Expenses.Project", map[string]any{"Name": "\u212Aelvin", "Budget": "99999999999999999999.99999999", "Expenses.Project_Manager": 45})

	d.add(200, "Expenses.Tag", map[string]any{"Name": "private"})
	d.add(201, "Expenses.Tag", map[string]any{"Name": "Privé"})
	d.add(203, "Expenses.Tag", map[string]any{"Name": "travel"})

	// Expenses: owner, project, tags, amounts at the 8th digit, statuses,
	// submission instants around 2024-03-31 in Amsterdam.
	d.add(300, "Expenses.Expense", map[string]any{"Number": 1, "Description": "Taxi to the airport", "Amount": "100",
		"Currency": "EUR", "Status": "Submitted", "SubmittedOn": "2024-03-30T23:00:00Z", "createdDate": "2024-03-30T22:59:59.999Z",
		"System.owner": 42, "Expenses.Expense_Project": 100, "Expenses.Expense_Tag": []int64{200, 203}})
	d.add(301, "Expenses.Expense", map[string]any{"Number": 2, "Description": "TAXI", "Amount": "99.99999999",
		"Currency": "USD", "Status": "Draft", "SubmittedOn": "2024-03-31T00:59:59.999Z",
		"System.owner": 43, "Expenses.Expense_Project": 101, "Expenses.Expense_Tag": []int64{201}})
	d.add(302, "Expenses.Expense", map[string]any{"Number": 3, "Description": "hotel ΣΊΣΥΦΟΣ", "Amount": "100.00000001",
		"Status": "Approved", "SubmittedOn": "2024-03-31T01:00:00Z", "System.owner": 42, "System.changedBy": 43,
		"Expenses.Expense_Project": 102})
	d.add(303, "Expenses.Expense", map[string]any{"Number": 4, "Amount": "-5", "Status": "Rejected",
		"SubmittedOn": "2024-02-29T12:00:00Z", "Expenses.Expense_Tag": []int64{203}})
	d.add(304, "Expenses.Expense", map[string]any{"Number": 5, "Description": "σίσυφος train", "Amount": "0",
		"Status": "Draft", "System.owner": 42, "Expenses.Expense_Project": 105, "Expenses.Expense_Tag": []int64{200, 201}})
	d.add(305, "Expenses.Expense", map[string]any{"Number": 6, "Description": "ab", "Amount": "12.5",
		"Status": "Submitted", "SubmittedOn": "2024-03-01T00:00:00+01:00", "System.owner": 44, "Expenses.Expense_Project": 100})
	return d
}

func gLabData(app *model.App) *gData {
	d := newGData(app)
	d.add(4, "System.UserRole", map[string]any{"Name": "Tester"})
	d.add(42, "Lab.Person", map[string]any{"Name": "me", "Nick": "Me", "System.UserRoles": []int64{4}})
	d.add(43, "Lab.Person", map[string]any{"Name": "you", "System.UserRoles": []int64{1, 4}})
	d.add(44, "System.User", map[string]any{"Name": "plain"})

	// Nodes: 500 is the root, 501 and 504 its children, 502 a grandchild.
	d.add(500, "Lab.Node", map[string]any{"Title": "Root", "Flag": true, "Count": 0, "Big": int64(9007199254740993),
		"Price": "12.34567891", "At": "2024-03-10T07:00:00Z", "Color": "Red", "Seq": 1,
		"createdDate": "2024-01-01T05:00:00Z", "System.owner": 42, "Lab.Node_Person": 42, "Lab.Node_Links": []int64{501, 502}})
	d.add(501, "Lab.Special", map[string]any{"Title": "child one", "Extra": "x", "Count": -3, "Big": int64(-1),
		"Price": "-0.5", "At": "2025-01-01T04:59:59.999Z", "Color": "Green", "Seq": 2,
		"System.owner": 43, "Lab.Node_Parent": 500, "Lab.Node_Person": 43, "Lab.Node_Links": []int64{500}})
	d.add(502, "Lab.Deep", map[string]any{"Title": "ΣΊΣΥΦΟΣ", "Extra": "deep", "Level": 7, "Count": 2147483647,
		"Big": int64(-9223372036854775808), "Price": "0.00000001", "At": "2024-11-03T05:30:00Z", "Flag": true, "Seq": 3,
		"Lab.Node_Parent": 501, "Lab.Node_Links": []int64{502}})
	d.add(503, "Lab.Node", map[string]any{"Seq": 4})
	d.add(504, "Lab.Special", map[string]any{"Title": "ﬀ \u212A", "At": "2024-11-03T06:30:00Z", "Count": 7,
		"Price": "12.34567892", "Color": "Blue", "Seq": 5, "Lab.Node_Parent": 500, "Lab.Node_Person": 44})
	d.add(505, "Lab.Deep", map[string]any{"Title": "root", "Level": 1, "At": "2024-02-29T23:59:59.999-05:00",
		"Lab.Node_Parent": 502, "Lab.Node_Links": []int64{500, 504}})

	d.add(600, "Lab.Item", map[string]any{"Label": "a", "Lab.Item_Node": 501, "Lab.Item_Specials": []int64{501, 502}})
	d.add(601, "Lab.Item", map[string]any{"Label": "B"})
	d.add(602, "Lab.Item", map[string]any{"Lab.Item_Node": 503, "Lab.Item_Specials": []int64{504}})
	d.add(603, "Lab.Item", map[string]any{"Label": "c", "Lab.Item_Node": 502})
	return d
}

// insert writes the data set into a store created with CreateStatements.
func (d *gData) insert(db *sql.DB, m *schema.Mapping, dia schema.Dialect) error {
	exec := func(q string, args ...any) error {
		if _, err := db.Exec(dia.Rebind(q), args...); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		return nil
	}
	for _, id := range d.ids {
		o := d.objs[id]
		t := m.Table(o.entity)
		cols := []string{schema.Quote(schema.IDColumn), schema.Quote(schema.TypeColumn)}
		args := []any{o.id, o.entity.QualifiedName()}
		for _, mem := range o.entity.Members() {
			a := mem.Attribute
			v, ok := o.attrs[a]
			if a == nil || !ok {
				continue
			}
			cols = append(cols, schema.Quote(m.AttrColumn(a).Name))
			switch v := v.(type) {
			case *big.Rat:
				if dia == schema.SQLite {
					enc, _ := schema.EncodeDecimal(v)
					args = append(args, enc)
				} else {
					args = append(args, v.FloatString(8))
				}
			case bool:
				args = append(args, dia.BoolArg(v))
			default:
				args = append(args, v)
			}
			if f := m.FoldColumn(a); f != nil {
				cols = append(cols, schema.Quote(f.Name))
				args = append(args, xpath.Fold(v.(string)))
			}
		}
		q := "INSERT INTO " + schema.Quote(t.Name) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		if err := exec(q, args...); err != nil {
			return err
		}
	}
	for _, id := range d.ids {
		o := d.objs[id]
		for a, to := range o.refs {
			q := "UPDATE " + schema.Quote(m.Table(o.entity).Name) + " SET " + schema.Quote(m.RefColumn(a).Name) + " = ? WHERE " + schema.Quote(schema.IDColumn) + " = ?"
			if err := exec(q, to, o.id); err != nil {
				return err
			}
		}
		for a, tos := range o.sets {
			for _, to := range tos {
				q := "INSERT INTO " + schema.Quote(m.Join(a).Name) + " (" + schema.Quote(schema.FromColumn) + ", " + schema.Quote(schema.ToColumn) + ") VALUES (?, ?)"
				if err := exec(q, o.id, to); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Stores holding the data set.

type goldenStore struct {
	dialect schema.Dialect
	db      *sql.DB
}

// openGoldenStores creates, per model, an SQLite store and, when
// RAMPART_TEST_POSTGRES is set, a PostgreSQL schema of its own (dropped at
// the end), both holding the data set.
func openGoldenStores(t *testing.T, models ...string) map[string][]goldenStore {
	t.Helper()
	if err := registerGoldenReadable(); err != nil {
		t.Fatal(err)
	}
	out := map[string][]goldenStore{}
	pgURL := os.Getenv("RAMPART_TEST_POSTGRES")
	for _, name := range models {
		app := goldenApp(t, name)
		m := schema.New(app)
		data := goldenData(t, name)

		db, err := store.OpenSQLite(filepath.Join(t.TempDir(), name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		for _, s := range m.CreateStatements(schema.SQLite) {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if err := data.insert(db, m, schema.SQLite); err != nil {
			t.Fatal(err)
		}
		out[name] = append(out[name], goldenStore{schema.SQLite, db})

		if pgURL == "" {
			continue
		}
		pg := openGoldenPGSchema(t, pgURL, "xpath_golden_"+name)
		stmts, err := schema.PostgresTimeZoneSupport(app.TimeZoneID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range m.CreateStatements(schema.Postgres) {
			stmts = append(stmts, schema.Stmt{SQL: s})
		}
		stmts = append(stmts, schema.Stmt{SQL: pgGoldenReadable})
		tx, err := pg.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := tx.Exec(s.SQL, s.Args...); err != nil {
				t.Fatalf("%s: %v", s.SQL, err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := data.insert(pg, m, schema.Postgres); err != nil {
			t.Fatal(err)
		}
		out[name] = append(out[name], goldenStore{schema.Postgres, pg})
	}
	return out
}

// openGoldenPGSchema creates a fresh schema (the database may be shared
// with other packages' tests running at the same time) and returns a pool
// whose connections use it.
func openGoldenPGSchema(t *testing.T, url, prefix string) *sql.DB {
	t.Helper()
	admin, err := store.OpenPostgres(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("PostgreSQL (RAMPART_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + name + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := store.OpenPostgres(url + sep + "search_path=" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// run executes a compiled constraint on every object of entity e and
// returns what it yields per object; a NULL result is an error.
func (s goldenStore) run(m *schema.Mapping, e *model.Entity, where string, args []any) (map[int64]bool, error) {
	var types []string
	for _, n := range schema.TypeNames(e) {
		types = append(types, "'"+n+"'")
	}
	q := `SELECT t0."id", (` + where + `) FROM ` + schema.Quote(m.Table(e).Name) + ` t0 WHERE t0."_type" IN (` + strings.Join(types, ", ") + `)`
	rows, err := s.db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var v any
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case bool:
			out[id] = v
		case int64:
			out[id] = v != 0
		case nil:
			return nil, fmt.Errorf("the constraint is NULL on object %d", id)
		default:
			return nil, fmt.Errorf("the constraint yields %T on object %d", v, id)
		}
	}
	return out, rows.Err()
}

// ---------------------------------------------------------------------------
// Golden files.

const goldenMark = "---------- "

var goldenSections = []string{"sqlite", "sqlite args", "postgres", "postgres args", "matches"}

type goldenCase struct {
	header     []string // comment and key lines, kept as written
	keys       map[string]string
	constraint string
	sections   map[string]string
}

func readGolden(path string) (*goldenCase, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	gc := &goldenCase{keys: map[string]string{}, sections: map[string]string{}}
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	i := 0
	for ; i < len(lines) && !strings.HasPrefix(lines[i], "["); i++ {
		l := lines[i]
		gc.header = append(gc.header, l)
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want `key: value`, a # comment or the constraint", path, i+1)
		}
		gc.keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var c []string
	for ; i < len(lines) && !strings.HasPrefix(lines[i], goldenMark); i++ {
		c = append(c, lines[i])
	}
	gc.constraint = strings.TrimSpace(strings.Join(c, "\n"))
	if gc.constraint == "" {
		return nil, fmt.Errorf("%s: no constraint", path)
	}
	for i < len(lines) {
		name := strings.TrimPrefix(lines[i], goldenMark)
		i++
		var body []string
		for ; i < len(lines) && !strings.HasPrefix(lines[i], goldenMark); i++ {
			body = append(body, lines[i])
		}
		gc.sections[name] = strings.Join(body, "\n")
	}
	return gc, nil
}

func (gc *goldenCase) format() string {
	var b strings.Builder
	for _, l := range gc.header {
		b.WriteString(l + "\n")
	}
	b.WriteString(gc.constraint + "\n")
	for _, s := range goldenSections {
		b.WriteString(goldenMark + s + "\n")
		if gc.sections[s] != "" {
			b.WriteString(gc.sections[s] + "\n")
		}
	}
	return b.String()
}

func formatGoldenArgs(args []any) string {
	var lines []string
	for _, a := range args {
		lines = append(lines, fmt.Sprintf("%T %#v", a, a))
	}
	return strings.Join(lines, "\n")
}

// compileGolden compiles one case for both dialects.
func compileGolden(t *testing.T, gc *goldenCase) (out map[string]string, args map[string][]any, b *xpath.Bound, env *xpath.Env) {
	t.Helper()
	app := goldenApp(t, gc.keys["model"])
	e := goldenEntity(t, app, gc.keys["entity"])
	b, err := xpath.ParseAndBind(app, e, gc.constraint)
	if err != nil {
		t.Fatalf("bind: %v (column %d)", err, errCol(err))
	}
	user := int64(42)
	if u, ok := gc.keys["user"]; ok {
		user, err = strconv.ParseInt(u, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
	}
	env = goldenEnv(app, user)
	out, args = map[string]string{}, map[string][]any{}
	for _, dia := range []schema.Dialect{schema.SQLite, schema.Postgres} {
		c := &xpath.Compiler{Map: schema.New(app), Dialect: dia, TimeZone: app.TimeZoneID}
		if gc.keys["guard"] == "on" {
			c.Guard = goldenSQLGuard{}
		}
		f, err := c.Where(b, "t0")
		if err != nil {
			t.Fatalf("%s: %v", dia.Name(), err)
		}
		sqlText, a, err := f.SQL(env)
		if err != nil {
			t.Fatalf("%s: %v", dia.Name(), err)
		}
		// Deterministic: a second compilation gives the same text.
		f2, _ := c.Where(b, "t0")
		if again, _, _ := f2.SQL(env); again != sqlText {
			t.Errorf("%s: compilation is not deterministic:\n%s\n%s", dia.Name(), sqlText, again)
		}
		out[dia.Name()] = dia.Rebind(sqlText)
		args[dia.Name()] = a
	}
	return out, args, b, env
}

func errCol(err error) int {
	if xe, ok := err.(*xpath.Error); ok {
		return xe.Col
	}
	return 0
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Errorf("%d golden cases, want at least 60", len(files))
	}
	stores := openGoldenStores(t, "expenses", "lab")
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			gc, err := readGolden(path)
			if err != nil {
				t.Fatal(err)
			}
			sqls, args, b, env := compileGolden(t, gc)
			app := goldenApp(t, gc.keys["model"])
			data := goldenData(t, gc.keys["model"])
			var guard xpath.Guard
			if gc.keys["guard"] == "on" {
				guard = goldenEvalGuard{}
			}
			var matches []string
			want := map[int64]bool{}
			for _, id := range data.ids {
				if data.objs[id].entity.IsA(b.Entity) {
					want[id] = xpath.Eval(b, data, guard, env, id)
					if want[id] {
						matches = append(matches, strconv.FormatInt(id, 10))
					}
				}
			}
			got := map[string]string{
				"sqlite": sqls["sqlite"], "sqlite args": formatGoldenArgs(args["sqlite"]),
				"postgres": sqls["postgres"], "postgres args": formatGoldenArgs(args["postgres"]),
				"matches": strings.Join(matches, " "),
			}
			for _, s := range sqls {
				// Every literal and token is a bind parameter.
				if strings.Contains(s, "'") {
					t.Errorf("SQL holds a quoted literal: %s", s)
				}
			}
			if *updateGolden {
				gc.sections = got
				if err := os.WriteFile(path, []byte(gc.format()), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				for _, s := range goldenSections {
					if gc.sections[s] != got[s] {
						t.Errorf("%s differs (go test -run Golden -update rewrites it)\n got: %s\nwant: %s", s, got[s], gc.sections[s])
					}
				}
			}
			m := schema.New(app)
			for _, st := range stores[gc.keys["model"]] {
				name := st.dialect.Name()
				res, err := st.run(m, b.Entity, sqls[name], args[name])
				if err != nil {
					t.Errorf("%s: %v\n%s", name, err, sqls[name])
					continue
				}
				if len(res) != len(want) {
					t.Errorf("%s: %d objects, want %d", name, len(res), len(want))
				}
				for id, w := range want {
					if res[id] != w {
						t.Errorf("%s: gObject %d: store says %v, evaluator %v\n%s %v", name, id, res[id], w, sqls[name], args[name])
					}
				}
			}
		})
	}
}
