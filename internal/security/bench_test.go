package security

// Benchmarks of the entity access engine against hand-written SQL, on the
// example app with 100,000 expenses (docs/performance.md has the figures
// and how to reproduce them):
//
//	go test ./internal/security/ -run '^$' -bench EntityAccess -benchtime 3s
//
// with RAMPART_TEST_POSTGRES set for the PostgreSQL half. The data are
// built once per process: the SQLite file in $TMPDIR/rampart-bench, the
// PostgreSQL schema rampart_bench (both replaced by the next run).
//
// The in-memory checks are BenchmarkMemberRight (MaxRight) and
// BenchmarkCanOpen in engine_test.go.
//
// TestRuleSQL logs the SQL that the Employee's owner rule and the
// Manager's rule become (docs/security.md quotes it):
//
//	go test ./internal/security/ -run TestRuleSQL -v

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
)

// Sizes of the benchmark data.
const (
	benchExpenses = 100_000
	benchOwners   = 1_000 // Employees; expense i is owned by owner i % benchOwners
	benchManagers = 50
	benchProjects = 100 // project p is managed by manager p % benchManagers
	benchTags     = 10
	benchPage     = 50 // rows per list
)

// benchEnv is the example app on one store with the benchmark data.
type benchEnv struct {
	e        *Engine
	employee Caller // owns benchExpenses/benchOwners expenses
	manager  Caller // manages benchProjects/benchManagers projects
	getID    int64  // an expense of employee
	// The list (or get) statement the engine sends for employee and
	// manager, captured at the driver: replayed alone, it shows what the
	// compiled rules cost next to the hand-written query.
	ownerQuery, managerQuery, getQuery loggedQuery
	err                                error
}

var (
	benchMu   sync.Mutex
	benchEnvs = map[string]*benchEnv{}
)

// benchStore returns the benchmark data on a store kind, building them on
// first use in the process.
func benchStore(b *testing.B, kind string) *benchEnv {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if env := benchEnvs[kind]; env != nil {
		if env.err != nil {
			b.Fatal(env.err)
		}
		return env
	}
	env := &benchEnv{}
	benchEnvs[kind] = env
	start := time.Now()
	env.err = env.build(kind)
	if env.err != nil {
		b.Fatal(env.err)
	}
	b.Logf("%s: built %d expenses in %s", kind, benchExpenses, time.Since(start).Round(time.Millisecond))
	return env
}

func (env *benchEnv) build(kind string) error {
	ctx := context.Background()
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		return fmt.Errorf("example app: %v %v", err, diags)
	}
	var u string
	switch kind {
	case "sqlite":
		dir := filepath.Join(os.TempDir(), "rampart-bench")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		path := filepath.Join(dir, "expenses.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		u = "sqlite:" + path
	case "postgres":
		base := os.Getenv("RAMPART_TEST_POSTGRES")
		db, err := store.OpenPostgres(base)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS rampart_bench CASCADE; CREATE SCHEMA rampart_bench`); err != nil {
			return err
		}
		pu, err := url.Parse(base)
		if err != nil {
			return err
		}
		q := pu.Query()
		q.Set("search_path", "rampart_bench")
		pu.RawQuery = q.Encode()
		u = pu.String()
	}
	st, err := store.Open(ctx, u, app, store.Options{})
	if err != nil {
		return err
	}
	e := New(app, st)
	if err := e.SyncUserRoles(ctx); err != nil {
		return err
	}
	env.e = e
	d, err := fillExpenses(ctx, e, benchOwners, benchManagers, benchProjects, benchTags, benchExpenses)
	if err != nil {
		return err
	}
	env.employee, env.manager, env.getID = d.employee, d.manager, d.someExpense
	log, restore, err := logStatements(ctx, st)
	if err != nil {
		return err
	}
	expense := app.Entity("Expenses.Expense")
	for _, c := range []struct {
		q *loggedQuery
		f func() error
	}{
		{&env.ownerQuery, func() error {
			_, _, err := e.List(ctx, env.employee, expense, ListOptions{Limit: benchPage})
			return err
		}},
		{&env.managerQuery, func() error {
			_, _, err := e.List(ctx, env.manager, expense, ListOptions{Limit: benchPage})
			return err
		}},
		{&env.getQuery, func() error { _, err := e.Get(ctx, env.employee, expense, env.getID); return err }},
	} {
		var ferr error
		log.capture(func() { ferr = c.f() })
		if ferr != nil || len(log.raw) == 0 {
			restore()
			return fmt.Errorf("capturing a statement: %v", ferr)
		}
		*c.q = log.raw[0]
	}
	restore()
	// Fresh statistics, as a database in service would have.
	_, err = st.DB.ExecContext(ctx, `ANALYZE`)
	return err
}

// expenseData names a few of the users and objects fillExpenses made.
type expenseData struct {
	employee, manager Caller
	someExpense       int64
	projects          []int64
}

// fillExpenses stores users, projects, tags and expenses of the example
// app directly through the store (the engine's checks are not what is
// measured here). The first owner and the first manager are returned.
func fillExpenses(ctx context.Context, e *Engine, owners, managers, projects, tags, expenses int) (*expenseData, error) {
	app, st := e.App(), e.Store()
	account := app.Entity("Administration.Account")
	var ownerIDs, managerIDs, projectIDs, tagIDs []int64
	d := &expenseData{}
	err := st.Write(ctx, func(tx *store.Tx) error {
		for i := range owners + managers {
			role, name := "Employee", fmt.Sprintf("employee%04d", i)
			if i >= owners {
				role, name = "Manager", fmt.Sprintf("manager%03d", i-owners)
			}
			o, err := st.Insert(ctx, tx, account, map[string]any{"Name": name, "FullName": "Full " + name,
				model.SystemUserRoles: []int64{e.RoleID(role)}})
			if err != nil {
				return err
			}
			if i < owners {
				ownerIDs = append(ownerIDs, o.ID)
			} else {
				managerIDs = append(managerIDs, o.ID)
			}
		}
		for i := range projects {
			o, err := st.Insert(ctx, tx, app.Entity("Expenses.Project"), map[string]any{"Name": fmt.Sprintf("Project %03d", i),
				"Budget": big.NewRat(int64(1000*(i+1)), 1), "Expenses.Project_Manager": managerIDs[i%managers]})
			if err != nil {
				return err
			}
			projectIDs = append(projectIDs, o.ID)
		}
		for i := range tags {
			o, err := st.Insert(ctx, tx, app.Entity("Expenses.Tag"), map[string]any{"Name": fmt.Sprintf("tag%d", i)})
			if err != nil {
				return err
			}
			tagIDs = append(tagIDs, o.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	expense := app.Entity("Expenses.Expense")
	statuses := []string{"Draft", "Submitted", "Approved", "Rejected"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const batch = 10_000
	for start := 0; start < expenses; start += batch {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, expenses); i++ {
				owner := ownerIDs[i%owners]
				vals := map[string]any{
					"Description":              fmt.Sprintf("Expense %d", i),
					"Amount":                   big.NewRat(int64(100+i%9900), 100),
					"Status":                   statuses[i%len(statuses)],
					"SubmittedOn":              base + int64(i)*60_000,
					"createdDate":              base + int64(i)*60_000,
					"changedDate":              base + int64(i)*60_000,
					model.SystemOwner:          owner,
					model.SystemChangedBy:      owner,
					"Expenses.Expense_Project": projectIDs[i%projects],
				}
				if i%10 == 0 {
					vals["Expenses.Expense_Tag"] = []int64{tagIDs[i%tags]}
				}
				o, err := st.Insert(ctx, tx, expense, vals)
				if err != nil {
					return err
				}
				if i == 0 {
					d.someExpense = o.ID
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	d.employee = User(ownerIDs[0], []*model.UserRole{app.UserRole("Employee")}, false)
	d.manager = User(managerIDs[0], []*model.UserRole{app.UserRole("Manager")}, false)
	d.projects = projectIDs
	return d, nil
}

func benchKinds(b *testing.B) []string {
	kinds := []string{"sqlite"}
	if os.Getenv("RAMPART_TEST_POSTGRES") != "" {
		kinds = append(kinds, "postgres")
	} else {
		b.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL part skipped")
	}
	return kinds
}

// expenseColumns are the member columns of the Expense table, written out
// by hand: what the baseline queries read (the engine reads the same).
const expenseColumns = `t0."id", t0."_type", t0."Number", t0."Description", t0."Amount", t0."Currency", t0."Status", ` +
	`t0."SubmittedOn", t0."createdDate", t0."changedDate", t0."System$owner", t0."System$changedBy", t0."Expenses$Expense_Project"`

// handExpense is one expense as the hand-written baseline reads it.
type handExpense struct {
	id                                    int64
	typ                                   string
	number                                sql.NullInt64
	description                           sql.NullString
	amount                                *big.Rat
	currency, status                      sql.NullString
	submittedOn, createdDate, changedDate sql.NullInt64
	owner, changedBy, project             sql.NullInt64
}

// handQuery runs a query of expenseColumns and decodes the rows as an
// application would (the Decimal into a *big.Rat). Columns after those
// (the engine's per-rule flags, when an engine statement is replayed) are
// read as integers.
func handQuery(ctx context.Context, db *sql.DB, d schema.Dialect, q string, args ...any) ([]handExpense, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []handExpense
	for rows.Next() {
		var x handExpense
		var amount sql.NullString
		dst := []any{&x.id, &x.typ, &x.number, &x.description, &amount, &x.currency, &x.status,
			&x.submittedOn, &x.createdDate, &x.changedDate, &x.owner, &x.changedBy, &x.project}
		for range len(cols) - len(dst) {
			dst = append(dst, new(int64))
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		if amount.Valid {
			if d == schema.SQLite {
				x.amount, err = schema.DecodeDecimal(amount.String)
			} else {
				x.amount, err = store.ParseDecimal(amount.String)
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// handLinks reads the Expense_Tag links of some expenses: what a
// hand-written API that returns the same members needs besides the rows.
func handLinks(ctx context.Context, db *sql.DB, d schema.Dialect, rows []handExpense) (map[int64][]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	args := make([]any, len(rows))
	for i, r := range rows {
		args[i] = r.id
	}
	q := `SELECT "from_id", "to_id" FROM "Expenses$Expense_Tag$set" WHERE "from_id" IN (` +
		strings.TrimSuffix(strings.Repeat("?, ", len(rows)), ", ") + `) ORDER BY 1, 2`
	res, err := db.QueryContext(ctx, d.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := map[int64][]int64{}
	for res.Next() {
		var from, to int64
		if err := res.Scan(&from, &to); err != nil {
			return nil, err
		}
		out[from] = append(out[from], to)
	}
	return out, res.Err()
}

// BenchmarkEntityAccess compares the engine with hand-written SQL that
// reads the same columns:
//
//	ListOwner    50 expenses under the Employee's owner rule
//	ListManager  50 expenses under the Manager's rules (own expenses, or
//	             of a project the manager manages: two associations)
//	Get          one expense by id, as its owner
//
// Each has /engine (Engine.List or Engine.Get), /sql (the hand-written
// query alone) and, for lists, /sql+links (the query and the reference-set
// query an API returning the same members also needs). /paired runs the
// engine and the query alone in turns within one benchmark and reports
// both times and their ratio: on a busy machine the ratio is steadier than
// one of two benchmarks run at different moments.
func BenchmarkEntityAccess(b *testing.B) {
	ctx := context.Background()
	type op func(env *benchEnv) func() error
	list := func(who func(*benchEnv) Caller) op {
		return func(env *benchEnv) func() error {
			e := env.e
			expense := e.App().Entity("Expenses.Expense")
			c := who(env)
			return func() error {
				rs, _, err := e.List(ctx, c, expense, ListOptions{Limit: benchPage})
				if err == nil && len(rs) != benchPage {
					err = fmt.Errorf("%d rows", len(rs))
				}
				return err
			}
		}
	}
	get := func(env *benchEnv) func() error {
		e := env.e
		expense := e.App().Entity("Expenses.Expense")
		return func() error {
			_, err := e.Get(ctx, env.employee, expense, env.getID)
			return err
		}
	}
	// hand runs a hand-written query (with '?' placeholders) whose
	// arguments come from the data; links adds the reference-set query.
	hand := func(links bool, q string, args func(*benchEnv) []any, want int) op {
		return func(env *benchEnv) func() error {
			st := env.e.Store()
			d := st.Dialect
			q, a := d.Rebind(q), args(env)
			return func() error {
				rows, err := handQuery(ctx, st.DB, d, q, a...)
				if err == nil && len(rows) != want {
					err = fmt.Errorf("%d rows", len(rows))
				}
				if err == nil && links {
					_, err = handLinks(ctx, st.DB, d, rows)
				}
				return err
			}
		}
	}
	// replay runs the engine's own list or get statement alone.
	replay := func(pick func(*benchEnv) loggedQuery, want int) op {
		return func(env *benchEnv) func() error {
			st := env.e.Store()
			q := pick(env)
			return func() error {
				rows, err := handQuery(ctx, st.DB, st.Dialect, q.sql, q.args...)
				if err == nil && len(rows) != want {
					err = fmt.Errorf("%d rows", len(rows))
				}
				return err
			}
		}
	}
	ownerQuery := replay(func(env *benchEnv) loggedQuery { return env.ownerQuery }, benchPage)
	managerQuery := replay(func(env *benchEnv) loggedQuery { return env.managerQuery }, benchPage)
	getQuery := replay(func(env *benchEnv) loggedQuery { return env.getQuery }, 1)
	employee := func(env *benchEnv) Caller { return env.employee }
	manager := func(env *benchEnv) Caller { return env.manager }
	ownerArgs := func(env *benchEnv) []any { return []any{env.employee.UserID()} }
	managerArgs := func(env *benchEnv) []any { return []any{env.manager.UserID(), env.manager.UserID()} }
	getArgs := func(env *benchEnv) []any { return []any{env.getID, env.employee.UserID()} }
	const (
		ownerSQL = `SELECT ` + expenseColumns + ` FROM "Expenses$Expense" t0 WHERE t0."System$owner" = ? ORDER BY t0."id" LIMIT 50`
		// The Manager's rules: own expenses, or of a managed project.
		managerSQL = `SELECT ` + expenseColumns + ` FROM "Expenses$Expense" t0 WHERE t0."System$owner" = ? OR t0."Expenses$Expense_Project" IN ` +
			`(SELECT p."id" FROM "Expenses$Project" p WHERE p."Expenses$Project_Manager" = ?) ORDER BY t0."id" LIMIT 50`
		getSQL = `SELECT ` + expenseColumns + ` FROM "Expenses$Expense" t0 WHERE t0."id" = ? AND t0."System$owner" = ?`
	)
	for _, kind := range benchKinds(b) {
		// The data are built when the first sub-benchmark that matches
		// -bench needs them.
		single := func(name string, o op) {
			b.Run(kind+"/"+name, func(b *testing.B) {
				f := o(benchStore(b, kind))
				for b.Loop() {
					if err := f(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		paired := func(name string, engine, sql op) {
			b.Run(kind+"/"+name, func(b *testing.B) {
				env := benchStore(b, kind)
				fs := [2]func() error{engine(env), sql(env)}
				var spent [2]time.Duration
				i := 0
				for b.Loop() {
					// Alternate which goes first.
					for k := range 2 {
						j := (i + k) % 2
						start := time.Now()
						if err := fs[j](); err != nil {
							b.Fatal(err)
						}
						spent[j] += time.Since(start)
					}
					i++
				}
				n := float64(b.N)
				b.ReportMetric(float64(spent[0].Nanoseconds())/n, "engine-ns/op")
				b.ReportMetric(float64(spent[1].Nanoseconds())/n, "sql-ns/op")
				b.ReportMetric(float64(spent[0])/float64(spent[1]), "ratio")
			})
		}
		single("ListOwner/engine", list(employee))
		single("ListOwner/sql", hand(false, ownerSQL, ownerArgs, benchPage))
		single("ListOwner/sql+links", hand(true, ownerSQL, ownerArgs, benchPage))
		paired("ListOwner/paired", list(employee), hand(false, ownerSQL, ownerArgs, benchPage))
		single("ListOwner/engine-query", ownerQuery)
		paired("ListOwner/paired-query", ownerQuery, hand(false, ownerSQL, ownerArgs, benchPage))
		single("ListManager/engine", list(manager))
		single("ListManager/sql", hand(false, managerSQL, managerArgs, benchPage))
		single("ListManager/sql+links", hand(true, managerSQL, managerArgs, benchPage))
		paired("ListManager/paired", list(manager), hand(false, managerSQL, managerArgs, benchPage))
		single("ListManager/engine-query", managerQuery)
		paired("ListManager/paired-query", managerQuery, hand(false, managerSQL, managerArgs, benchPage))
		single("Get/engine", get)
		single("Get/sql", hand(false, getSQL, getArgs, 1))
		paired("Get/paired", get, hand(false, getSQL, getArgs, 1))
		single("Get/engine-query", getQuery)
		paired("Get/paired-query", getQuery, hand(false, getSQL, getArgs, 1))
	}
}

// queryLog records the statements sent through a logging connection.
type queryLog struct {
	mu    sync.Mutex
	on    bool
	stmts []string // with their arguments, for reading
	raw   []loggedQuery
}

// loggedQuery is a statement as sent, to run it again.
type loggedQuery struct {
	sql  string
	args []any
}

func (l *queryLog) add(q string, args []driver.NamedValue) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.on {
		return
	}
	var parts []string
	var values []any
	for _, a := range args {
		parts = append(parts, fmt.Sprintf("%v", a.Value))
		values = append(values, a.Value)
	}
	l.raw = append(l.raw, loggedQuery{q, values})
	l.stmts = append(l.stmts, q+"\n  -- arguments: ["+strings.Join(parts, ", ")+"]")
}

// capture runs f and returns the statements it sent.
func (l *queryLog) capture(f func()) []string {
	l.mu.Lock()
	l.on, l.stmts, l.raw = true, nil, nil
	l.mu.Unlock()
	f()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.stmts
}

// logConnector opens connections of a driver that log their statements.
type logConnector struct {
	drv driver.Driver
	dsn string
	log *queryLog
}

func (c *logConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &logConn{Conn: conn, log: c.log}, nil
}

func (c *logConnector) Driver() driver.Driver { return c.drv }

type logConn struct {
	driver.Conn
	log *queryLog
}

func (c *logConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.log.add(q, args)
	if qc, ok := c.Conn.(driver.QueryerContext); ok {
		return qc.QueryContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (c *logConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.log.add(q, args)
	if ec, ok := c.Conn.(driver.ExecerContext); ok {
		return ec.ExecContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (c *logConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = pc.PrepareContext(ctx, q)
	} else {
		st, err = c.Conn.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	return &logStmt{Stmt: st, q: q, log: c.log}, nil
}

// logStmt logs a prepared statement each time it runs (the store prepares
// and keeps its reads).
type logStmt struct {
	driver.Stmt
	q   string
	log *queryLog
}

func (s *logStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.log.add(s.q, args)
	if qc, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return qc.QueryContext(ctx, args)
	}
	return nil, fmt.Errorf("the driver's statement %T cannot query with a context", s.Stmt)
}

func (s *logStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.log.add(s.q, args)
	if ec, ok := s.Stmt.(driver.StmtExecContext); ok {
		return ec.ExecContext(ctx, args)
	}
	return nil, fmt.Errorf("the driver's statement %T cannot execute with a context", s.Stmt)
}

func (s *logStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *logConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		return bc.BeginTx(ctx, opts)
	}
	return nil, fmt.Errorf("the driver %T cannot begin a transaction with options", c.Conn)
}

func (c *logConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *logConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// logStatements makes the store send its statements through a logging
// connection to the same database; restore undoes it.
func logStatements(ctx context.Context, st *store.Store) (*queryLog, func(), error) {
	var dsn string
	switch st.Dialect {
	case schema.SQLite:
		var path string
		if err := st.DB.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
			return nil, nil, err
		}
		dsn = "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	default:
		// The store's schema is the first of its search path.
		var schemaName string
		if err := st.DB.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schemaName); err != nil {
			return nil, nil, err
		}
		u, err := url.Parse(os.Getenv("RAMPART_TEST_POSTGRES"))
		if err != nil {
			return nil, nil, err
		}
		q := u.Query()
		q.Set("search_path", schemaName)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	log := &queryLog{}
	logged := sql.OpenDB(&logConnector{drv: st.DB.Driver(), dsn: dsn, log: log})
	orig := st.DB
	st.DB = logged
	return log, func() {
		st.DB = orig
		logged.Close()
	}, nil
}

// TestRuleSQL logs the statements Engine.List sends for the Employee's
// owner rule and the Manager's rule of the example app, on each store,
// and checks their shape: the rules are in the WHERE clause, with the
// current user as a bound argument.
func TestRuleSQL(t *testing.T) {
	ctx := context.Background()
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	for kind, e := range engines(t, app) {
		t.Run(kind, func(t *testing.T) {
			d, err := fillExpenses(ctx, e, 3, 2, 4, 2, 40)
			if err != nil {
				t.Fatal(err)
			}
			var version string
			vq := `SELECT sqlite_version()`
			if e.Store().Dialect == schema.Postgres {
				vq = `SHOW server_version`
			}
			if err := e.Store().DB.QueryRowContext(ctx, vq).Scan(&version); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s version %s", kind, version)
			log, restore, err := logStatements(ctx, e.Store())
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			expense := app.Entity("Expenses.Expense")
			for _, c := range []struct {
				who    string
				caller Caller
				want   []string
			}{
				{"Employee", d.employee, []string{`t0."System$owner" = `, "LIMIT 50"}},
				{"Manager", d.manager, []string{`t0."System$owner" = `, `"Expenses$Project_Manager" = `, "EXISTS (SELECT 1 FROM"}},
			} {
				stmts := log.capture(func() {
					rs, _, err := e.List(ctx, c.caller, expense, ListOptions{Limit: benchPage})
					if err != nil || len(rs) == 0 {
						t.Fatalf("%s: %d rows, %v", c.who, len(rs), err)
					}
				})
				if len(stmts) == 0 {
					t.Fatalf("%s: no statement captured", c.who)
				}
				for _, w := range c.want {
					if !strings.Contains(stmts[0], w) {
						t.Errorf("%s: the list query lacks %q:\n%s", c.who, w, stmts[0])
					}
				}
				if strings.Contains(stmts[0], fmt.Sprint(c.caller.UserID())+`"`) {
					t.Errorf("%s: the user id is spliced into the SQL", c.who)
				}
				t.Logf("%s on %s: Engine.List sends %d statements; the list query:\n%s", c.who, kind, len(stmts), stmts[0])
				for i, s := range stmts[1:] {
					t.Logf("statement %d:\n%s", i+2, s)
				}
			}
			stmts := log.capture(func() {
				if _, err := e.Get(ctx, d.employee, expense, d.someExpense); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("Employee on %s: Engine.Get sends %d statements; the first:\n%s", kind, len(stmts), stmts[0])
		})
	}
}
