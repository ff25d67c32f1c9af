package security

// Benchmarks of the entity access engine against hand-written SQL, on the
// example app with 100,000 expenses (docs/performance.md has the figures
// and how to reproduce them):
//
//	go test ./internal/security/ -run '^$' -bench EntityAccess -benchtime 2s
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
	"strconv"
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
	tags                                  []int64
}

// queryFunc runs a query: the statement is either sent as text (parsed by
// the database each time) or prepared once.
type queryFunc func(ctx context.Context, args ...any) (*sql.Rows, error)

func unprepared(db *sql.DB, q string) queryFunc {
	return func(ctx context.Context, args ...any) (*sql.Rows, error) { return db.QueryContext(ctx, q, args...) }
}

func prepared(b *testing.B, db *sql.DB, q string) queryFunc {
	st, err := db.Prepare(q)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st.QueryContext
}

// handQuery runs a query of expenseColumns and decodes the rows as an
// application would: the Decimal into a *big.Rat and, when the query has
// the column handTags adds, the tag ids. Columns after those (the
// engine's flags and link columns, when an engine statement is replayed)
// are read and dropped.
func handQuery(ctx context.Context, query queryFunc, d schema.Dialect, withTags bool, args ...any) ([]handExpense, error) {
	rows, err := query(ctx, args...)
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
		var amount, tags sql.NullString
		dst := []any{&x.id, &x.typ, &x.number, &x.description, &amount, &x.currency, &x.status,
			&x.submittedOn, &x.createdDate, &x.changedDate, &x.owner, &x.changedBy, &x.project}
		if withTags {
			dst = append(dst, &tags)
		}
		for range len(cols) - len(dst) {
			dst = append(dst, new(any))
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
		if tags.Valid {
			for t := range strings.SplitSeq(tags.String, ",") {
				id, err := strconv.ParseInt(t, 10, 64)
				if err != nil {
					return nil, err
				}
				x.tags = append(x.tags, id)
			}
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// handTags is the column that reads an expense's tag ids, as a
// hand-written query returning the same members as the engine has it.
func handTags(d schema.Dialect) string {
	return `, (SELECT ` + d.AggregateIDs(`j."to_id"`) + ` FROM "Expenses$Expense_Tag$set" j WHERE j."from_id" = t0."id")`
}

// BenchmarkEntityAccess compares the engine with hand-written SQL:
//
//	ListOwner    50 expenses under the Employee's owner rule
//	ListManager  50 expenses under the Manager's rules (own expenses, or
//	             of a project the manager manages: two associations)
//	Get          one expense by id, as its owner
//
// Each runs the engine (Engine.List or Engine.Get) and three hand-written
// baselines in turns within one benchmark, and reports each one's time
// and the engine's ratio to it (in turns, because on a busy machine a
// ratio is steadier than two benchmarks run at different moments):
//
//	sql       the query of the same rows and member columns, sent as text
//	          as most hand-written code does (the database parses it
//	          each time)
//	prepared  the same query, prepared once (the engine keeps its
//	          statements prepared too)
//	same      prepared, and returning what the engine returns: the tag
//	          ids of each expense as well (a reference set)
//
// Each also has /statement: the engine's own statement (captured at the
// driver), prepared and run alone, against the prepared baseline. It
// separates what the database does from what the engine does in Go.
func BenchmarkEntityAccess(b *testing.B) {
	ctx := context.Background()
	type op func(b *testing.B, env *benchEnv) func() error
	list := func(who func(*benchEnv) Caller) op {
		return func(_ *testing.B, env *benchEnv) func() error {
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
	get := func(_ *testing.B, env *benchEnv) func() error {
		e := env.e
		expense := e.App().Entity("Expenses.Expense")
		return func() error {
			_, err := e.Get(ctx, env.employee, expense, env.getID)
			return err
		}
	}
	// hand runs a hand-written query (with '?' placeholders and, where
	// {tags} stands, the tags column when same) whose arguments come
	// from the data.
	hand := func(prepare, same bool, q string, args func(*benchEnv) []any, want int) op {
		return func(b *testing.B, env *benchEnv) func() error {
			st := env.e.Store()
			d := st.Dialect
			tags := ""
			if same {
				tags = handTags(d)
			}
			q := d.Rebind(strings.Replace(q, "{tags}", tags, 1))
			query := unprepared(st.DB, q)
			if prepare {
				query = prepared(b, st.DB, q)
			}
			a := args(env)
			return func() error {
				rows, err := handQuery(ctx, query, d, same, a...)
				if err == nil && len(rows) != want {
					err = fmt.Errorf("%d rows", len(rows))
				}
				return err
			}
		}
	}
	// replay runs the engine's own statement alone, prepared.
	replay := func(pick func(*benchEnv) loggedQuery, want int) op {
		return func(b *testing.B, env *benchEnv) func() error {
			st := env.e.Store()
			q := pick(env)
			query := prepared(b, st.DB, q.sql)
			return func() error {
				rows, err := handQuery(ctx, query, st.Dialect, false, q.args...)
				if err == nil && len(rows) != want {
					err = fmt.Errorf("%d rows", len(rows))
				}
				return err
			}
		}
	}
	employee := func(env *benchEnv) Caller { return env.employee }
	manager := func(env *benchEnv) Caller { return env.manager }
	ownerArgs := func(env *benchEnv) []any { return []any{env.employee.UserID()} }
	managerArgs := func(env *benchEnv) []any { return []any{env.manager.UserID(), env.manager.UserID()} }
	getArgs := func(env *benchEnv) []any { return []any{env.getID, env.employee.UserID()} }
	const (
		ownerSQL = `SELECT ` + expenseColumns + `{tags} FROM "Expenses$Expense" t0 WHERE t0."System$owner" = ? ORDER BY t0."id" LIMIT 50`
		// The Manager's rules: own expenses, or of a managed project.
		managerSQL = `SELECT ` + expenseColumns + `{tags} FROM "Expenses$Expense" t0 WHERE t0."System$owner" = ? OR t0."Expenses$Expense_Project" IN ` +
			`(SELECT p."id" FROM "Expenses$Project" p WHERE p."Expenses$Project_Manager" = ?) ORDER BY t0."id" LIMIT 50`
		getSQL = `SELECT ` + expenseColumns + `{tags} FROM "Expenses$Expense" t0 WHERE t0."id" = ? AND t0."System$owner" = ?`
	)
	for _, kind := range benchKinds(b) {
		// compare runs the engine and the baselines in turns, first one
		// then another going first, and reports each one's time and the
		// engine's ratio to each baseline. The data are built when the
		// first sub-benchmark that matches -bench needs them.
		compare := func(name string, engine op, baselines ...struct {
			name string
			op   op
		}) {
			b.Run(kind+"/"+name, func(b *testing.B) {
				env := benchStore(b, kind)
				fs := []func() error{engine(b, env)}
				for _, bl := range baselines {
					fs = append(fs, bl.op(b, env))
				}
				spent := make([]time.Duration, len(fs))
				i := 0
				for b.Loop() {
					for k := range fs {
						j := (i + k) % len(fs)
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
				for k, bl := range baselines {
					b.ReportMetric(float64(spent[k+1].Nanoseconds())/n, bl.name+"-ns/op")
					b.ReportMetric(float64(spent[0])/float64(spent[k+1]), "x-"+bl.name)
				}
			})
		}
		type baseline = struct {
			name string
			op   op
		}
		for _, c := range []struct {
			name   string
			engine op
			q      string
			args   func(*benchEnv) []any
			want   int
			stmt   func(*benchEnv) loggedQuery
		}{
			{"ListOwner", list(employee), ownerSQL, ownerArgs, benchPage, func(env *benchEnv) loggedQuery { return env.ownerQuery }},
			{"ListManager", list(manager), managerSQL, managerArgs, benchPage, func(env *benchEnv) loggedQuery { return env.managerQuery }},
			{"Get", get, getSQL, getArgs, 1, func(env *benchEnv) loggedQuery { return env.getQuery }},
		} {
			compare(c.name, c.engine,
				baseline{"sql", hand(false, false, c.q, c.args, c.want)},
				baseline{"prepared", hand(true, false, c.q, c.args, c.want)},
				baseline{"same", hand(true, true, c.q, c.args, c.want)})
			compare(c.name+"/statement", replay(c.stmt, c.want), baseline{"prepared", hand(true, false, c.q, c.args, c.want)})
		}
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
				{"Employee", d.employee, []string{`t0."System$owner" = `, " LIMIT "}},
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
