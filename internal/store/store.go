package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
)

// Store holds the objects of one app.
type Store struct {
	DB      *sql.DB
	Dialect schema.Dialect
	Map     *schema.Mapping
	App     *model.App

	// SQLite has one writer: write transactions queue here rather than
	// fail with "database is locked".
	writeMu sync.Mutex

	incomingCache sync.Map // *model.Entity -> []*model.Association
	scans         sync.Map // *schema.Table -> map[string]*scanPlan

	stmts     sync.Map // SQL -> *sql.Stmt, for reads
	stmtCount atomic.Int64
}

// Options change how a store opens.
type Options struct {
	// AllowDataLoss lets a model change drop columns and tables.
	AllowDataLoss bool
}

// ErrDataLoss is returned (wrapped) when a model change would lose data.
var ErrDataLoss = errors.New("the model change would lose data")

// ErrOlderModel is returned (wrapped) when the model's version (app.yaml
// `version`) is older than that of the app that last opened the store.
var ErrOlderModel = errors.New("the model is older than the store")

// Open connects to the store at url (sqlite:PATH or postgres://…), brings
// its schema in step with the model and returns it.
func Open(ctx context.Context, url string, app *model.App, opts Options) (*Store, error) {
	s := &Store{App: app, Map: schema.New(app)}
	var err error
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("cannot create the store directory: %w", err)
			}
		}
		s.Dialect = schema.SQLite
		s.DB, err = OpenSQLite(path)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.Dialect = schema.Postgres
		s.DB, err = OpenPostgres(url)
	default:
		return nil, fmt.Errorf("unknown store URL %q: use sqlite:PATH or postgres://USER@HOST:PORT/DB", RedactURL(url))
	}
	if err != nil {
		return nil, err
	}
	if err := s.DB.PingContext(ctx); err != nil {
		s.DB.Close()
		return nil, fmt.Errorf("cannot reach the store %s: %w", RedactURL(url), err)
	}
	if err := s.migrate(ctx, opts); err != nil {
		s.DB.Close()
		return nil, err
	}
	return s, nil
}

// RedactURL hides a password in a store URL, for messages and logs.
func RedactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return url
}

// Close closes the database.
func (s *Store) Close() error { return s.DB.Close() }

// Tx is a transaction on the store.
type Tx struct {
	tx *sql.Tx // nil for a read: statements then run on the pool
	s  *Store
}

// Store is the store the transaction belongs to.
func (tx *Tx) Store() *Store { return tx.s }

// Write runs f in a read-write transaction, committing when it returns nil.
func (s *Store) Write(ctx context.Context, f func(tx *Tx) error) error {
	if s.Dialect == schema.SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	sqlTx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f(&Tx{tx: sqlTx, s: s}); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Read runs f with read-only access. Reads are single statements on the
// connection pool, not a transaction: a list and its count may see
// different commits, as they would in Mendix, and a read costs no BEGIN
// and COMMIT. Statements are prepared once and kept.
func (s *Store) Read(ctx context.Context, f func(tx *Tx) error) error {
	return f(&Tx{s: s})
}

// maxCachedStatements bounds the prepared statements a store keeps; client
// constraints can produce any number of shapes, and past the bound queries
// are simply not prepared.
const maxCachedStatements = 512

// cachedRead returns the prepared statement of a read query, preparing and
// keeping it the first time; nil when the cache is full.
func (s *Store) cachedRead(ctx context.Context, query string) (*sql.Stmt, error) {
	if s.Dialect == schema.Postgres {
		return nil, nil // pgx keeps its own statements, per connection
	}
	if c, ok := s.stmts.Load(query); ok && c.(cachedStmt).db == s.DB {
		return c.(cachedStmt).stmt, nil
	}
	if s.stmtCount.Load() >= maxCachedStatements {
		return nil, nil
	}
	st, err := s.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	// A statement belongs to the DB that prepared it (tests swap s.DB).
	if _, loaded := s.stmts.Swap(query, cachedStmt{s.DB, st}); !loaded {
		s.stmtCount.Add(1)
	}
	return st, nil
}

type cachedStmt struct {
	db   *sql.DB
	stmt *sql.Stmt
}

// Exec runs a statement written with '?' placeholders.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := tx.s.Dialect.Rebind(query)
	if tx.tx == nil {
		return tx.s.DB.ExecContext(ctx, q, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// Query runs a query written with '?' placeholders.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := tx.s.Dialect.Rebind(query)
	if tx.tx != nil {
		return tx.tx.QueryContext(ctx, q, args...)
	}
	if st, err := tx.s.cachedRead(ctx, q); st != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return tx.s.DB.QueryContext(ctx, q, args...)
}

// QueryRow runs a one-row query written with '?' placeholders.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := tx.s.Dialect.Rebind(query)
	if tx.tx != nil {
		return tx.tx.QueryRowContext(ctx, q, args...)
	}
	if st, err := tx.s.cachedRead(ctx, q); st != nil && err == nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.s.DB.QueryRowContext(ctx, q, args...)
}

// NewID allocates an object id, unique across the app.
func (tx *Tx) NewID(ctx context.Context) (int64, error) {
	var id int64
	var err error
	if tx.s.Dialect == schema.SQLite {
		err = tx.QueryRow(ctx, `UPDATE rampart_seq SET next = next + 1 RETURNING next`).Scan(&id)
	} else {
		err = tx.QueryRow(ctx, `SELECT nextval('rampart_ids')`).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("store: allocating an id: %w", err)
	}
	return id, nil
}

// NextAutoNumber returns the next AutoNumber of an entity hierarchy.
func (tx *Tx) NextAutoNumber(ctx context.Context, root *model.Entity, attr *model.Attribute) (int64, error) {
	key := root.QualifiedName() + "." + attr.Name
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO rampart_autonumber (name, next) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET next = rampart_autonumber.next + 1 RETURNING next`, key).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: AutoNumber %s: %w", key, err)
	}
	return n, nil
}
