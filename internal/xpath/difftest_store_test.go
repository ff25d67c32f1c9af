package xpath_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/big"
	"os"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// The stores of a differential test: SQLite in a temporary file, and
// PostgreSQL in a schema of its own per model.

type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type diffStore struct {
	name    string
	dialect schema.Dialect
	db      sqlRunner
	close   func() error
	use     func(ctx context.Context) error // makes the store current on a shared connection, or nil
}

// pgServer is the PostgreSQL side of a whole test run: one connection, and
// a schema holding the time-zone support shared by every model's schema.
type pgServer struct {
	db     *sql.DB
	conn   *sql.Conn
	schema string // the run's schema: rampart_tz and rampart_datepart
	n      int
	path   string // the connection's search_path
}

func openPGServer(ctx context.Context, url string) (*pgServer, error) {
	db, err := store.OpenPostgres(url)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	s := &pgServer{db: db, conn: conn, schema: "rampart_diff_" + hex.EncodeToString(b[:])}
	stmts := []schema.Stmt{
		// JIT compilation cannot change a result, but PostgreSQL estimates
		// deeply nested EXISTS as costly and JIT-compiles them for seconds.
		{SQL: "SET jit = off"},
		{SQL: "CREATE SCHEMA " + schema.Quote(s.schema)},
		{SQL: "SET search_path TO " + schema.Quote(s.schema)},
	}
	tz, err := schema.PostgresTimeZoneSupport(diffZones...)
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	stmts = append(append(append(stmts, schema.Stmt{SQL: "BEGIN"}), tz...), schema.Stmt{SQL: "COMMIT"})
	if err := execAll(ctx, conn, stmts); err != nil {
		s.close(ctx)
		return nil, err
	}
	return s, nil
}

func (s *pgServer) close(ctx context.Context) {
	_, _ = s.conn.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema.Quote(s.schema)+" CASCADE")
	s.conn.Close()
	s.db.Close()
}

// newStore creates a fresh schema for one model, its tables, and the data.
func (s *pgServer) newStore(ctx context.Context, mp *schema.Mapping, ds *dataset) (*diffStore, error) {
	s.n++
	name := fmt.Sprintf("%s_%d", s.schema, s.n)
	stmts := []schema.Stmt{
		{SQL: "CREATE SCHEMA " + schema.Quote(name)},
		{SQL: "SET search_path TO " + schema.Quote(name) + ", " + schema.Quote(s.schema)},
	}
	for _, q := range mp.CreateStatements(schema.Postgres) {
		stmts = append(stmts, schema.Stmt{SQL: q})
	}
	drop := func() error {
		_, err := s.conn.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema.Quote(name)+" CASCADE")
		return err
	}
	if err := execAll(ctx, s.conn, stmts); err != nil {
		drop()
		return nil, err
	}
	path := schema.Quote(name) + ", " + schema.Quote(s.schema)
	s.path = path
	use := func(ctx context.Context) error {
		if s.path == path {
			return nil
		}
		if _, err := s.conn.ExecContext(ctx, "SET search_path TO "+path); err != nil {
			return err
		}
		s.path = path
		return nil
	}
	st := &diffStore{name: "postgres", dialect: schema.Postgres, db: s.conn, close: drop, use: use}
	if err := st.load(ctx, mp, ds); err != nil {
		drop()
		return nil, err
	}
	return st, nil
}

func newSQLiteStore(ctx context.Context, dir string, mp *schema.Mapping, ds *dataset) (*diffStore, error) {
	f, err := os.CreateTemp(dir, "diff*.db")
	if err != nil {
		return nil, err
	}
	f.Close()
	db, err := store.OpenSQLite(f.Name())
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	closeAll := func() error {
		conn.Close()
		err := db.Close()
		os.Remove(f.Name())
		return err
	}
	var stmts []schema.Stmt
	for _, q := range mp.CreateStatements(schema.SQLite) {
		stmts = append(stmts, schema.Stmt{SQL: q})
	}
	if err := execAll(ctx, conn, stmts); err != nil {
		closeAll()
		return nil, err
	}
	st := &diffStore{name: "sqlite", dialect: schema.SQLite, db: conn, close: closeAll}
	if err := st.load(ctx, mp, ds); err != nil {
		closeAll()
		return nil, err
	}
	return st, nil
}

func execAll(ctx context.Context, db sqlRunner, stmts []schema.Stmt) error {
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return fmt.Errorf("%s: %w", s.SQL, err)
		}
	}
	return nil
}

// encode converts a value to the store's representation of an attribute.
func (s *diffStore) encode(a *model.Attribute, v any) any {
	switch v := v.(type) {
	case *big.Rat:
		if s.dialect == schema.SQLite {
			enc, exact := schema.EncodeDecimal(v)
			if !exact {
				panic("decimal out of the domain: " + v.RatString())
			}
			return enc
		}
		return v.FloatString(8)
	case bool:
		if s.dialect == schema.SQLite {
			if v {
				return int64(1)
			}
			return int64(0)
		}
		return v
	}
	return v
}

// load writes the dataset in the mapping's layout: rows first, then
// references (foreign keys may point anywhere), then reference sets.
func (s *diffStore) load(ctx context.Context, mp *schema.Mapping, ds *dataset) error {
	var stmts []schema.Stmt
	var refs, sets []schema.Stmt
	for _, o := range ds.objs {
		t := mp.Table(o.ent)
		if t == nil {
			return fmt.Errorf("entity %s has no table", o.ent.QualifiedName())
		}
		cols := []string{schema.Quote(schema.IDColumn), schema.Quote(schema.TypeColumn)}
		args := []any{o.id, o.ent.QualifiedName()}
		for _, m := range o.ent.Members() {
			switch {
			case m.Attribute != nil:
				v := ds.Attr(o.id, m.Attribute)
				if v == nil {
					continue
				}
				cols = append(cols, schema.Quote(mp.AttrColumn(m.Attribute).Name))
				args = append(args, s.encode(m.Attribute, v))
				if m.Attribute.Type == model.TypeString {
					cols = append(cols, schema.Quote(mp.FoldColumn(m.Attribute).Name))
					args = append(args, xpath.Fold(v.(string)))
				}
			case m.Association.Type == model.Reference:
				for _, y := range o.links[m.Association] {
					refs = append(refs, schema.Stmt{
						SQL:  "UPDATE " + schema.Quote(t.Name) + " SET " + schema.Quote(mp.RefColumn(m.Association).Name) + " = ? WHERE " + schema.Quote(schema.IDColumn) + " = ?",
						Args: []any{y, o.id},
					})
				}
			default:
				j := mp.Join(m.Association)
				for _, y := range o.links[m.Association] {
					sets = append(sets, schema.Stmt{
						SQL:  "INSERT INTO " + schema.Quote(j.Name) + " (" + schema.Quote(schema.FromColumn) + ", " + schema.Quote(schema.ToColumn) + ") VALUES (?, ?)",
						Args: []any{o.id, y},
					})
				}
			}
		}
		stmts = append(stmts, schema.Stmt{
			SQL:  "INSERT INTO " + schema.Quote(t.Name) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")",
			Args: args,
		})
	}
	stmts = append(append(stmts, refs...), sets...)
	for i := range stmts {
		stmts[i].SQL = s.dialect.Rebind(stmts[i].SQL)
	}
	if _, err := s.db.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	if err := execAll(ctx, s.db, stmts); err != nil {
		_, _ = s.db.ExecContext(ctx, "ROLLBACK")
		return err
	}
	if _, err := s.db.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	// Statistics, as a live database has them: without them PostgreSQL
	// estimates deep constraints as very costly and spends seconds in JIT
	// compilation of queries that run in microseconds.
	_, err := s.db.ExecContext(ctx, "ANALYZE")
	return err
}

// query runs `SELECT id … WHERE <type is e> AND <where>` and returns the ids.
func (s *diffStore) query(ctx context.Context, mp *schema.Mapping, e *model.Entity, where string, whereArgs []any) (string, []any, []int64, error) {
	t := mp.Table(e)
	names := schema.TypeNames(e)
	q := "SELECT t0." + schema.Quote(schema.IDColumn) + " FROM " + schema.Quote(t.Name) + " t0 WHERE t0." +
		schema.Quote(schema.TypeColumn) + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ") AND " + where
	var args []any
	for _, n := range names {
		args = append(args, n)
	}
	args = append(args, whereArgs...)
	q = s.dialect.Rebind(q)
	if s.use != nil {
		if err := s.use(ctx); err != nil {
			return q, args, nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return q, args, nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return q, args, nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return q, args, ids, rows.Err()
}

// ---- the guard of client constraints ----

// A guard that depends on the object's id and the member's name only, so
// that it is easy to state in Go and in SQL alike:
// visible(id) = (id*7 + salt) % 5 != 0,
// readable(id, m) = (id*13 + hash(m)) % 4 != 0.
type diffGuard struct{ salt int64 }

func memberHash(m *model.Member) int64 {
	h := fnv.New32a()
	h.Write([]byte(m.Name))
	return int64(h.Sum32() % 1000)
}

func (g diffGuard) Visible(id int64) bool { return (id*7+g.salt)%5 != 0 }

func (g diffGuard) Readable(id int64, m *model.Member) bool { return (id*13+memberHash(m))%4 != 0 }

type diffSQLGuard struct{ salt int64 }

func (g diffSQLGuard) Visible(_ *model.Entity, alias string) *xpath.Frag {
	return xpath.NewFrag("((", alias, ".", schema.Quote(schema.IDColumn), " * 7 + ", xpath.Arg{Value: g.salt}, ") % 5 <> 0)")
}

func (g diffSQLGuard) Readable(_ *model.Entity, m *model.Member, alias string) *xpath.Frag {
	return xpath.NewFrag("((", alias, ".", schema.Quote(schema.IDColumn), " * 13 + ", xpath.Arg{Value: memberHash(m)}, ") % 4 <> 0)")
}
