package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/schema"
)

// The store remembers the layout it was last brought to (a snapshot in
// rampart_meta). At start-up the model's layout is compared with it: new
// tables, columns and indexes are added; anything that would drop or
// retype stored data is refused unless data loss is allowed. On PostgreSQL
// this runs under an advisory lock so that instances starting together
// take turns.

type snapshot struct {
	Tables  []snapTable `json:"tables"`
	Indexes []string    `json:"indexes"` // CREATE INDEX statements
}

type snapTable struct {
	Name    string       `json:"name"`
	Join    bool         `json:"join,omitempty"`
	Columns []snapColumn `json:"columns"`
	// Types are the entities whose objects the table holds (`_type`).
	Types []string `json:"types,omitempty"`
}

type snapColumn struct {
	Name string            `json:"name"`
	Kind schema.ColumnKind `json:"kind"`
}

func (s *Store) desired() snapshot {
	var snap snapshot
	for _, t := range s.Map.Tables {
		st := snapTable{Name: t.Name, Types: schema.TypeNames(t.Root)}
		for _, c := range t.Columns {
			st.Columns = append(st.Columns, snapColumn{c.Name, c.Kind})
		}
		snap.Tables = append(snap.Tables, st)
	}
	for _, j := range s.Map.JoinTables {
		snap.Tables = append(snap.Tables, snapTable{Name: j.Name, Join: true})
	}
	for _, stmt := range s.Map.CreateStatements(s.Dialect) {
		if _, ok := indexName(stmt); ok {
			snap.Indexes = append(snap.Indexes, stmt)
		}
	}
	return snap
}

// indexName extracts the index name of a CREATE INDEX statement.
func indexName(stmt string) (string, bool) {
	rest, ok := strings.CutPrefix(stmt, `CREATE INDEX "`)
	if !ok {
		if rest, ok = strings.CutPrefix(stmt, `CREATE UNIQUE INDEX "`); !ok {
			return "", false
		}
	}
	name, _, _ := strings.Cut(rest, `" ON`)
	return name, true
}

// systemDDL creates the tables Rampart keeps for itself.
func (s *Store) systemDDL() []string {
	ddl := []string{
		`CREATE TABLE IF NOT EXISTS rampart_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS rampart_autonumber (name TEXT PRIMARY KEY, next BIGINT NOT NULL)`,
	}
	if s.Dialect == schema.SQLite {
		ddl = append(ddl,
			`CREATE TABLE IF NOT EXISTS rampart_seq (next INTEGER NOT NULL)`,
			`INSERT INTO rampart_seq (next) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM rampart_seq)`)
	} else {
		ddl = append(ddl, `CREATE SEQUENCE IF NOT EXISTS rampart_ids`)
	}
	return ddl
}

// advisoryLockKey names Rampart's schema lock on PostgreSQL.
const advisoryLockKey = 0x52616D70 // "Ramp"

func (s *Store) migrate(ctx context.Context, opts Options) error {
	if s.Dialect == schema.Postgres {
		conn, err := s.DB.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, advisoryLockKey); err != nil {
			return fmt.Errorf("store: taking the schema lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, advisoryLockKey)
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, stmt := range s.systemDDL() {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("store: creating system tables: %w", err)
			}
		}
		var raw string
		err := tx.QueryRow(ctx, `SELECT value FROM rampart_meta WHERE name = 'layout'`).Scan(&raw)
		var old snapshot
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("store: reading the layout: %w", err)
		default:
			if err := json.Unmarshal([]byte(raw), &old); err != nil {
				return fmt.Errorf("store: the stored layout is damaged: %w", err)
			}
		}
		var storedVersion string
		err = tx.QueryRow(ctx, `SELECT value FROM rampart_meta WHERE name = 'model_version'`).Scan(&storedVersion)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: reading the model version: %w", err)
		}
		if v := s.App.Version; v != "" && storedVersion != "" && CompareVersions(v, storedVersion) < 0 {
			return fmt.Errorf("%w: this model is version %s, and the store was last opened by version %s of the app; start the newer model (to go back on purpose, give this model a version of at least %s in app.yaml)",
				ErrOlderModel, v, storedVersion, storedVersion)
		}
		want := s.desired()
		if err := s.apply(ctx, tx, old, want, opts); err != nil {
			return err
		}
		if v := s.App.Version; v != "" && v != storedVersion {
			if _, err := tx.Exec(ctx, `INSERT INTO rampart_meta (name, value) VALUES ('model_version', ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value`, v); err != nil {
				return fmt.Errorf("store: recording the model version: %w", err)
			}
		}
		if s.Dialect == schema.Postgres {
			stmts, err := schema.PostgresTimeZoneSupport(s.App.TimeZoneID)
			if err != nil {
				return err
			}
			for _, st := range stmts {
				if _, err := tx.tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
					return fmt.Errorf("store: time-zone support: %w", err)
				}
			}
		}
		data, _ := json.Marshal(want)
		_, err = tx.Exec(ctx, `INSERT INTO rampart_meta (name, value) VALUES ('layout', ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, string(data))
		return err
	})
}

// apply changes the schema from old to want.
func (s *Store) apply(ctx context.Context, tx *Tx, old, want snapshot, opts Options) error {
	oldTables := map[string]snapTable{}
	for _, t := range old.Tables {
		oldTables[t.Name] = t
	}
	wantTables := map[string]bool{}
	// New tables come first (with the foreign keys PostgreSQL adds once
	// they all exist), so that new columns of existing tables can
	// reference them.
	var losses, creates, stmts []string
	var fill []func() error // defaults for rows that predate a new attribute
	var drop []func() error // objects of entities no longer in the model
	create := map[string]string{}
	foreignKeys := map[string][]string{}
	for _, stmt := range s.Map.CreateStatements(s.Dialect) {
		if rest, ok := strings.CutPrefix(stmt, `CREATE TABLE "`); ok {
			name, _, _ := strings.Cut(rest, `"`)
			create[name] = stmt
		}
		if rest, ok := strings.CutPrefix(stmt, `ALTER TABLE "`); ok && strings.Contains(stmt, " ADD FOREIGN KEY ") {
			name, _, _ := strings.Cut(rest, `"`)
			foreignKeys[name] = append(foreignKeys[name], stmt)
		}
	}
	var newFKs []string
	for _, t := range s.Map.Tables {
		wantTables[t.Name] = true
		ot, exists := oldTables[t.Name]
		if !exists {
			creates = append(creates, create[t.Name])
			newFKs = append(newFKs, foreignKeys[t.Name]...)
			continue
		}
		// Entities removed from a hierarchy whose table stays: their
		// objects would be left with an unknown type.
		for _, typ := range ot.Types {
			if slices.Contains(t.Entities, s.App.Entity(typ)) && s.App.Entity(typ) != nil {
				continue
			}
			losses = append(losses, "entity "+typ+" (with its objects) is no longer in the model")
			drop = append(drop, func() error {
				_, err := tx.Exec(ctx, `DELETE FROM `+schema.Quote(t.Name)+` WHERE `+schema.Quote(schema.TypeColumn)+` = ?`, typ)
				return err
			})
		}
		oldCols := map[string]schema.ColumnKind{}
		for _, c := range ot.Columns {
			oldCols[c.Name] = c.Kind
		}
		wantCols := map[string]bool{}
		for _, c := range t.Columns {
			wantCols[c.Name] = true
			kind, had := oldCols[c.Name]
			if had && kind == c.Kind {
				continue
			}
			if had {
				losses = append(losses, fmt.Sprintf("%s changes type", s.describe(t, c.Name)))
				stmts = append(stmts, `ALTER TABLE `+schema.Quote(t.Name)+` DROP COLUMN `+schema.Quote(c.Name))
			}
			stmts = append(stmts, `ALTER TABLE `+schema.Quote(t.Name)+` ADD COLUMN `+schema.ColumnDef(s.Dialect, c))
			if c.Attr != nil && c.Attr.Default != nil && !c.Shadow {
				fill = append(fill, func() error { return s.fillDefault(ctx, tx, t, c) })
			}
		}
		for _, c := range ot.Columns {
			if !wantCols[c.Name] {
				losses = append(losses, fmt.Sprintf("%s is no longer in the model", s.describe(t, c.Name)))
				stmts = append(stmts, `ALTER TABLE `+schema.Quote(t.Name)+` DROP COLUMN `+schema.Quote(c.Name))
			}
		}
	}
	for _, j := range s.Map.JoinTables {
		wantTables[j.Name] = true
		if _, exists := oldTables[j.Name]; !exists {
			stmts = append(stmts, create[j.Name])
		}
	}
	creates = append(creates, newFKs...)
	cascade := ""
	if s.Dialect == schema.Postgres {
		// Foreign keys between tables that all go.
		cascade = " CASCADE"
	}
	for _, t := range old.Tables {
		if !wantTables[t.Name] {
			var what string
			if t.Join {
				what = "the links of association " + strings.TrimSuffix(strings.Replace(t.Name, "$", ".", 1), "$set")
			} else {
				what = "entity " + strings.Replace(t.Name, "$", ".", 1) + " (with its objects)"
			}
			losses = append(losses, what+" is no longer in the model")
			stmts = append(stmts, `DROP TABLE `+schema.Quote(t.Name)+cascade)
		}
	}
	losses = slices.Compact(losses) // a String and its folded copy
	if len(losses) > 0 && !opts.AllowDataLoss {
		return fmt.Errorf("%w: %s; if that is intended, start with --allow-data-loss (an instance with an older model must not start against this store)", ErrDataLoss, strings.Join(losses, "; "))
	}
	// Indexes go first, so that columns they cover can be dropped.
	wantIdx := map[string]bool{}
	for _, stmt := range want.Indexes {
		wantIdx[stmt] = true
	}
	for _, stmt := range old.Indexes {
		if name, ok := indexName(stmt); ok && !wantIdx[stmt] {
			if _, err := tx.Exec(ctx, `DROP INDEX IF EXISTS `+schema.Quote(name)); err != nil {
				return fmt.Errorf("store: dropping index %s: %w", name, err)
			}
		}
	}
	for _, f := range drop {
		if err := f(); err != nil {
			return fmt.Errorf("store: deleting the objects of a removed entity: %w", err)
		}
	}
	for _, stmt := range append(creates, stmts...) {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("store: changing the schema (%s): %w", stmt, err)
		}
	}
	for _, f := range fill {
		if err := f(); err != nil {
			return err
		}
	}
	oldIdx := map[string]bool{}
	for _, stmt := range old.Indexes {
		oldIdx[stmt] = true
	}
	for _, stmt := range want.Indexes {
		if !oldIdx[stmt] {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("store: creating an index (%s): %w", stmt, err)
			}
		}
	}
	return nil
}

// describe names a column by the model member it stores: "Attr" (an
// attribute of the root), "Module$Entity$Attr" (of a specialization) or
// "Module$Assoc" (a Reference).
func (s *Store) describe(t *schema.Table, col string) string {
	col = strings.TrimSuffix(col, "$fold")
	switch parts := strings.Split(col, "$"); len(parts) {
	case 2:
		return fmt.Sprintf("association %s.%s of %s", parts[0], parts[1], t.Root.QualifiedName())
	case 3:
		return fmt.Sprintf("member %s of %s.%s", parts[2], parts[0], parts[1])
	}
	return fmt.Sprintf("member %s of %s", col, t.Root.QualifiedName())
}

// fillDefault gives rows that existed before attribute c was added its default.
func (s *Store) fillDefault(ctx context.Context, tx *Tx, t *schema.Table, c *schema.Column) error {
	v, err := ParseValue(c.Attr, c.Attr.Default.Text, s.App.TimeZone)
	if err != nil || v == nil {
		return err
	}
	sets, args := s.setClause(c.Attr, v)
	q := `UPDATE ` + schema.Quote(t.Name) + ` SET ` + sets + ` WHERE ` + schema.Quote(schema.TypeColumn) + ` IN (` + placeholders(len(schema.TypeNames(c.Declaring))) + `)`
	for _, n := range schema.TypeNames(c.Declaring) {
		args = append(args, n)
	}
	_, err = tx.Exec(ctx, q, args...)
	return err
}

// CompareVersions orders two app versions (app.yaml `version`): the parts
// between dots and dashes compare as numbers when both are numbers, else as
// text; a version that is a prefix of another is older (1.2 < 1.2.1).
func CompareVersions(a, b string) int {
	split := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	}
	pa, pb := split(a), split(b)
	for i := range min(len(pa), len(pb)) {
		x, errX := strconv.ParseUint(pa[i], 10, 64)
		y, errY := strconv.ParseUint(pb[i], 10, 64)
		var c int
		if errX == nil && errY == nil {
			c = cmp.Compare(x, y)
		} else {
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}
