// Package store keeps an app's objects in SQLite or PostgreSQL, in the
// layout of package schema.
package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"modernc.org/sqlite"

	"github.com/rampart/rampart/internal/xpath"
)

var registerOnce sync.Once
var registerErr error

// registerSQLiteFunctions gives SQLite the functions compiled constraints
// call, implemented by the same Go code as the evaluator.
func registerSQLiteFunctions() error {
	registerOnce.Do(func() {
		registerErr = sqlite.RegisterDeterministicScalarFunction("rampart_datepart", 3,
			func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				fn, _ := args[0].(string)
				zone, _ := args[2].(string)
				ms, ok := args[1].(int64)
				if !ok {
					return nil, nil // empty DateTime
				}
				loc, err := loadLocation(zone)
				if err != nil {
					return nil, err
				}
				return xpath.DatePart(fn, ms, loc), nil
			})
	})
	return registerErr
}

var locations sync.Map // zone name -> *time.Location

func loadLocation(zone string) (*time.Location, error) {
	if l, ok := locations.Load(zone); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", zone, err)
	}
	locations.Store(zone, l)
	return l, nil
}

// OpenSQLite opens (creating as needed) an SQLite database in WAL mode with
// foreign keys on. Write transactions begin IMMEDIATE: one that reads first
// would otherwise fail at once with "database is locked" when another
// process (such as `rampart users`) writes, instead of waiting its turn. path may be ":memory:"-like "file:…" URIs too.
func OpenSQLite(path string) (*sql.DB, error) {
	if err := registerSQLiteFunctions(); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// OpenPostgres opens a PostgreSQL database by URL.
//
// JIT compilation is off unless the URL sets it: compiled constraints are
// many small EXISTS subqueries, for which PostgreSQL's JIT spends seconds
// compiling what runs in microseconds.
func OpenPostgres(rawURL string) (*sql.DB, error) {
	if u, err := url.Parse(rawURL); err == nil {
		if q := u.Query(); !q.Has("jit") {
			q.Set("jit", "off")
			u.RawQuery = q.Encode()
			rawURL = u.String()
		}
	}
	return sql.Open("pgx", rawURL)
}
