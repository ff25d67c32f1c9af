package xpath_test

// Benchmarks of the constraint pipeline: parsing and binding, the reference
// evaluator, compiling, and listing through compiled rules in SQLite
// against the same query written by hand.
//
//	go test ./internal/xpath/ -run '^$' -bench . -benchtime 2s
//
// The listing benchmarks share one SQLite database of 100,000 expenses,
// built once per process (sync.Once) and copied into each benchmark's
// temporary directory before its timer starts.

import (
	"database/sql"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

const (
	ownerRule   = `[System.owner = '[%CurrentUser%]']`
	managerRule = `[Expenses.Expense_Project/Expenses.Project/Expenses.Project_Manager = '[%CurrentUser%]']`
)

func BenchmarkParseBind(b *testing.B) {
	app := goldenApp(b, "expenses")
	e := goldenEntity(b, app, "Expenses.Expense")
	const rule = managerRule + `[Status = 'Submitted' or Amount >= 100]`
	for b.Loop() {
		if _, err := xpath.ParseAndBind(app, e, rule); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval evaluates rules per object on the golden data set (ns/op is
// per object).
func BenchmarkEval(b *testing.B) {
	app := goldenApp(b, "expenses")
	data := goldenData(b, "expenses")
	e := goldenEntity(b, app, "Expenses.Expense")
	var ids []int64
	for _, id := range data.ids {
		if data.objs[id].entity == e {
			ids = append(ids, id)
		}
	}
	env := goldenEnv(app, 42)
	for _, rule := range []struct{ name, src string }{
		{"owner", ownerRule},
		{"manager", managerRule},
		{"tags", `[not(Expenses.Expense_Tag/Expenses.Tag[Name = 'private']) and contains(Description, 'TAXI')]`},
		{"token", `[SubmittedOn >= '[%BeginOfCurrentDay%] - 30 * [%DayLength%]']`},
	} {
		bound, err := xpath.ParseAndBind(app, e, rule.src)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(rule.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				xpath.Eval(bound, data, nil, env, ids[i%len(ids)])
				i++
			}
		})
	}
}

// BenchmarkCompileRender compiles a rule and renders it for a request.
func BenchmarkCompileRender(b *testing.B) {
	app := goldenApp(b, "expenses")
	bound, err := xpath.ParseAndBind(app, goldenEntity(b, app, "Expenses.Expense"), managerRule+`[Status = 'Submitted']`)
	if err != nil {
		b.Fatal(err)
	}
	c := &xpath.Compiler{Map: schema.New(app), Dialect: schema.SQLite, TimeZone: app.TimeZoneID}
	env := goldenEnv(app, 42)
	b.Run("compile", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Where(bound, "t0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	f, err := c.Where(bound, "t0")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := f.SQL(env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The listing database: 100 accounts (ids 1000–1099), 200 projects
// (2000–2199) managed by them, 100,000 expenses (10000–109999) spread over
// owners and projects. The current user, 1042, owns 1,000 expenses and
// manages 2 projects (1,000 expenses).
const (
	benchUsers    = 100
	benchProjects = 200
	benchExpenses = 100_000
	benchUser     = 1042
)

var (
	benchOnce sync.Once
	benchDB   []byte // the database file, checkpointed
	benchErr  error
)

func buildBenchDB(app *model.App) ([]byte, error) {
	dir, err := os.MkdirTemp("", "rampart-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bench.db")
	db, err := store.OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	m := schema.New(app)
	for _, s := range m.CreateStatements(schema.SQLite) {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, err
		}
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	exec := func(q string, rows int, args func(i int) []any) {
		if err != nil {
			return
		}
		var st *sql.Stmt
		if st, err = tx.Prepare(q); err != nil {
			return
		}
		defer st.Close()
		for i := range rows {
			if _, err = st.Exec(args(i)...); err != nil {
				return
			}
		}
	}
	exec(`INSERT INTO "System$User" ("id", "_type", "Name", "Name$fold", "Active") VALUES (?, 'Administration.Account', ?, ?, 1)`, benchUsers,
		func(i int) []any { n := fmt.Sprintf("user%d", i); return []any{1000 + i, n, n} })
	exec(`INSERT INTO "Expenses$Project" ("id", "_type", "Name", "Name$fold", "Expenses$Project_Manager") VALUES (?, 'Expenses.Project', ?, ?, ?)`, benchProjects,
		func(i int) []any { n := fmt.Sprintf("project%d", i); return []any{2000 + i, n, n, 1000 + i%benchUsers} })
	statuses := []string{"Draft", "Submitted", "Approved", "Rejected"}
	exec(`INSERT INTO "Expenses$Expense" ("id", "_type", "Number", "Description", "Description$fold", "Amount", "Currency", "Status", "SubmittedOn", "System$owner", "Expenses$Expense_Project")
		VALUES (?, 'Expenses.Expense', ?, ?, ?, ?, 'EUR', ?, ?, ?, ?)`, benchExpenses,
		func(i int) []any {
			d := fmt.Sprintf("Expense %d", i)
			amount, _ := schema.EncodeDecimal(big.NewRat(int64(i%100000), 100))
			return []any{10000 + i, i + 1, d, xpath.Fold(d), amount, statuses[i%4], int64(1700000000000 + i*60000),
				1000 + (i*7)%benchUsers, 2000 + (i*13)%benchProjects}
		})
	if err != nil {
		tx.Rollback()
		db.Close()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	for _, s := range []string{`ANALYZE`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := db.Exec(s); err != nil {
			return nil, err
		}
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// benchStore opens a private copy of the listing database.
func benchStore(b *testing.B) *sql.DB {
	b.Helper()
	app := goldenApp(b, "expenses")
	benchOnce.Do(func() { benchDB, benchErr = buildBenchDB(app) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	if err := os.WriteFile(path, benchDB, 0o644); err != nil {
		b.Fatal(err)
	}
	db, err := store.OpenSQLite(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

const benchColumns = `t0."id", t0."Description", t0."Amount", t0."Status"`

// listPage runs a listing query and reads its rows; it fails unless it
// returns exactly 50 rows.
func listPage(b *testing.B, db *sql.DB, q string, args ...any) {
	rows, err := db.Query(q, args...)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var desc, amount, status string
		if err := rows.Scan(&id, &desc, &amount, &status); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
	if n != 50 {
		b.Fatalf("%d rows, want 50", n)
	}
}

// compiledListing compiles rule once (as the runtime does per model load);
// each iteration renders it for the request, as the runtime does.
func compiledListing(b *testing.B, rule string) {
	db := benchStore(b)
	app := goldenApp(b, "expenses")
	bound, err := xpath.ParseAndBind(app, goldenEntity(b, app, "Expenses.Expense"), rule)
	if err != nil {
		b.Fatal(err)
	}
	c := &xpath.Compiler{Map: schema.New(app), Dialect: schema.SQLite, TimeZone: app.TimeZoneID}
	f, err := c.Where(bound, "t0")
	if err != nil {
		b.Fatal(err)
	}
	env := goldenEnv(app, benchUser)
	if err := db.Ping(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		where, args, err := f.SQL(env)
		if err != nil {
			b.Fatal(err)
		}
		listPage(b, db, `SELECT `+benchColumns+` FROM "Expenses$Expense" t0 WHERE `+where+` ORDER BY t0."id" LIMIT 50`, args...)
	}
}

func BenchmarkOwnerRuleSQLite(b *testing.B) { compiledListing(b, ownerRule) }

func BenchmarkOwnerRuleHandWritten(b *testing.B) {
	db := benchStore(b)
	for b.Loop() {
		listPage(b, db, `SELECT `+benchColumns+` FROM "Expenses$Expense" t0 WHERE "System$owner" = ? ORDER BY "id" LIMIT 50`, int64(benchUser))
	}
}

func BenchmarkManagerRuleSQLite(b *testing.B) { compiledListing(b, managerRule) }

func BenchmarkManagerRuleHandWritten(b *testing.B) {
	db := benchStore(b)
	for b.Loop() {
		listPage(b, db, `SELECT `+benchColumns+` FROM "Expenses$Expense" t0
			JOIN "Expenses$Project" p ON p."id" = t0."Expenses$Expense_Project"
			WHERE p."Expenses$Project_Manager" = ? ORDER BY t0."id" LIMIT 50`, int64(benchUser))
	}
}
