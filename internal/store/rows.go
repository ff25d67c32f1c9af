package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/xpath"
)

// Object is a stored object: its own entity and its members' values by
// member name. A Reference holds the referenced id (0 for none), a
// ReferenceSet the ids in ascending order.
type Object struct {
	ID     int64
	Entity *model.Entity
	Values map[string]any
}

// Errors the store reports for callers to turn into answers.
var (
	ErrNotFound = errors.New("not found")
)

// ValidationError lists the members whose values are not valid.
type ValidationError struct {
	Details []FieldError
}

// FieldError is one member's problem.
type FieldError struct {
	Member  string `json:"member"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string {
	var parts []string
	for _, d := range e.Details {
		parts = append(parts, d.Member+": "+d.Message)
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// ConflictError is a unique value taken, or a delete that onDelete prevents.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ParseValue reads a value as written in the model (defaults) or in
// strings of the API: the Go representation of the attribute's type.
func ParseValue(a *model.Attribute, text string, loc *time.Location) (any, error) {
	if text == "" {
		if a.Type == model.TypeBoolean {
			return false, nil
		}
		return nil, nil
	}
	switch a.Type {
	case model.TypeString, model.TypeEnumeration, model.TypeHashString:
		return text, nil
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		return strconv.ParseInt(text, 10, 64)
	case model.TypeDecimal:
		return ParseDecimal(text)
	case model.TypeBoolean:
		return strconv.ParseBool(text)
	case model.TypeDateTime:
		if t, err := time.ParseInLocation(time.DateOnly, text, loc); err == nil {
			return t.UnixMilli(), nil
		}
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, err
		}
		return t.UnixMilli(), nil
	}
	return nil, fmt.Errorf("attribute %s of type %s has no default", a.Name, a.Type)
}

// arg converts a value of attribute a into a bind argument.
func (s *Store) arg(a *model.Attribute, v any) any {
	if v == nil {
		return nil
	}
	switch a.Type {
	case model.TypeDecimal:
		r := v.(*big.Rat)
		if s.Dialect == schema.SQLite {
			enc, _ := schema.EncodeDecimal(r)
			return enc
		}
		return FormatDecimal(r)
	case model.TypeBoolean:
		return s.Dialect.BoolArg(v.(bool))
	}
	return v
}

// setClause is `col = ?` (and the folded copy for Strings) with arguments.
func (s *Store) setClause(a *model.Attribute, v any) (string, []any) {
	col := s.Map.AttrColumn(a)
	sets := schema.Quote(col.Name) + " = ?"
	args := []any{s.arg(a, v)}
	if f := s.Map.FoldColumn(a); f != nil {
		sets += ", " + schema.Quote(f.Name) + " = ?"
		if v == nil {
			args = append(args, nil)
		} else {
			args = append(args, xpath.Fold(v.(string)))
		}
	}
	return sets, args
}

// SelectColumns lists the expressions that read every member column of
// table t through alias, in the order ScanObject expects.
func (s *Store) SelectColumns(t *schema.Table, alias string) []string {
	out := []string{alias + "." + schema.Quote(schema.IDColumn), alias + "." + schema.Quote(schema.TypeColumn)}
	for _, c := range t.Columns {
		if c.Shadow || c.Name == schema.IDColumn || c.Name == schema.TypeColumn {
			continue
		}
		expr := alias + "." + schema.Quote(c.Name)
		if c.Kind == schema.KindDecimal && s.Dialect == schema.Postgres {
			expr = "CAST(" + expr + " AS TEXT)"
		}
		out = append(out, expr)
	}
	return out
}

// ScanTargets returns destinations for one row of SelectColumns.
func ScanTargets(t *schema.Table) []any {
	n := 0
	for _, c := range t.Columns {
		if !c.Shadow {
			n++
		}
	}
	dst := make([]any, n)
	for i := range dst {
		dst[i] = new(any)
	}
	return dst
}

// ScanObject decodes a row read with SelectColumns (dst from ScanTargets)
// into an object of its own entity. Reference sets are loaded by LoadSets.
func (s *Store) ScanObject(t *schema.Table, dst []any) (*Object, error) {
	return s.Scanner(t).Object(dst)
}

// Scanner decodes rows of one table; keep it to decode many.
type Scanner struct {
	s     *Store
	plans map[string]*scanPlan // by the value of the type column
}

// Scanner returns the scanner of table t.
func (s *Store) Scanner(t *schema.Table) Scanner { return Scanner{s, s.scanPlans(t)} }

// Object decodes a row read with SelectColumns (dst from ScanTargets) into
// an object of its own entity.
func (sc Scanner) Object(dst []any) (*Object, error) {
	id, e, vals, err := sc.Row(dst)
	if err != nil {
		return nil, err
	}
	obj := &Object{ID: id, Entity: e, Values: make(map[string]any, len(vals))}
	for i, m := range e.Members() {
		obj.Values[m.Name] = vals[i]
	}
	return obj, nil
}

// Row decodes a row read with SelectColumns: the object's id and entity,
// and the values of the entity's members in the order of its Members()
// (reference sets empty), without building a map.
func (sc Scanner) Row(dst []any) (int64, *model.Entity, []any, error) {
	s := sc.s
	id, err := asInt(*(dst[0].(*any)))
	if err != nil {
		return 0, nil, nil, err
	}
	typ := *(dst[1].(*any))
	var plan *scanPlan
	switch typ := typ.(type) {
	case string:
		plan = sc.plans[typ]
	case []byte:
		plan = sc.plans[string(typ)]
	}
	if plan == nil {
		return 0, nil, nil, fmt.Errorf("store: object %d has unknown type %q", id, typ)
	}
	vals := make([]any, len(plan.members))
	for i, p := range plan.members {
		m := p.m
		switch {
		case m.Attribute != nil:
			var stored any
			if p.col >= 0 {
				stored = *(dst[p.col].(*any))
			}
			v, err := s.decode(m.Attribute, stored)
			if err != nil {
				return 0, nil, nil, fmt.Errorf("store: %s of object %d: %w", m.Name, id, err)
			}
			vals[i] = v
		case m.Association.Type == model.Reference:
			var v any = int64(0)
			if p.col >= 0 {
				v = *(dst[p.col].(*any))
			}
			if _, ok := v.(int64); !ok {
				ref, _ := asInt(v)
				v = ref
			}
			vals[i] = v
		default:
			vals[i] = []int64{}
		}
	}
	return id, plan.entity, vals, nil
}

// scanPlan says where a row of SelectColumns holds each member of one
// entity of the table.
type scanPlan struct {
	entity  *model.Entity
	members []memberColumn
}

// memberColumn is the index of a member's column, -1 for a reference set
// (which has none) or a member without a column.
type memberColumn struct {
	m   *model.Member
	col int
}

// scanPlans gives the scan plan of each entity stored in table t, by the
// value of its type column; computed once per table.
func (s *Store) scanPlans(t *schema.Table) map[string]*scanPlan {
	if p, ok := s.scans.Load(t); ok {
		return p.(map[string]*scanPlan)
	}
	index := map[*schema.Column]int{}
	i := 2 // after id and type
	for _, c := range t.Columns {
		if c.Shadow || c.Name == schema.IDColumn || c.Name == schema.TypeColumn {
			continue
		}
		index[c] = i
		i++
	}
	plans := map[string]*scanPlan{}
	for _, e := range t.Entities {
		p := &scanPlan{entity: e}
		for _, m := range e.Members() {
			var c *schema.Column
			switch {
			case m.Attribute != nil:
				c = s.Map.AttrColumn(m.Attribute)
			case m.Association.Type == model.Reference:
				c = s.Map.RefColumn(m.Association)
			}
			col, ok := index[c]
			if !ok {
				col = -1
			}
			p.members = append(p.members, memberColumn{m, col})
		}
		plans[e.QualifiedName()] = p
	}
	s.scans.Store(t, plans)
	return plans
}

func asInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case nil:
		return 0, nil
	case []byte:
		return strconv.ParseInt(string(v), 10, 64)
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("unexpected %T where a number was stored", v)
}

// decode turns a stored value into the Go representation.
func (s *Store) decode(a *model.Attribute, v any) (any, error) {
	if b, ok := v.([]byte); ok && a.Type != model.TypeBinary {
		v = string(b)
	}
	if v == nil {
		if a.Type == model.TypeBoolean {
			return false, nil
		}
		return nil, nil
	}
	switch a.Type {
	case model.TypeString, model.TypeEnumeration, model.TypeHashString:
		return v, nil
	case model.TypeDecimal:
		str, _ := v.(string)
		if s.Dialect == schema.SQLite {
			return schema.DecodeDecimal(str)
		}
		r, ok := new(big.Rat).SetString(str)
		if !ok {
			return nil, fmt.Errorf("bad decimal %q", str)
		}
		return r, nil
	case model.TypeBoolean:
		switch v := v.(type) {
		case bool:
			return v, nil
		case int64:
			return v != 0, nil
		}
		return nil, fmt.Errorf("bad boolean %v", v)
	case model.TypeBinary:
		return v, nil
	}
	if _, ok := v.(int64); ok {
		return v, nil // as scanned: no new allocation
	}
	return asInt(v)
}

// LoadSets fills the ReferenceSet members of objects (all of one table).
func (s *Store) LoadSets(ctx context.Context, tx *Tx, objs []*Object) error {
	if len(objs) == 0 {
		return nil
	}
	byID := map[int64]*Object{}
	ids := make([]any, 0, len(objs))
	assocs := map[*model.Association]bool{}
	for _, o := range objs {
		byID[o.ID] = o
		ids = append(ids, o.ID)
		for _, m := range o.Entity.Members() {
			if m.Association != nil && m.Association.Type == model.ReferenceSet {
				assocs[m.Association] = true
			}
		}
	}
	for a := range assocs {
		j := s.Map.Join(a)
		if j == nil {
			continue
		}
		rows, err := tx.Query(ctx, `SELECT `+schema.Quote(schema.FromColumn)+`, `+schema.Quote(schema.ToColumn)+` FROM `+schema.Quote(j.Name)+
			` WHERE `+schema.Quote(schema.FromColumn)+` IN (`+placeholders(len(ids))+`) ORDER BY 1, 2`, ids...)
		if err != nil {
			return fmt.Errorf("store: reading %s: %w", a.QualifiedName(), err)
		}
		for rows.Next() {
			var from, to int64
			if err := rows.Scan(&from, &to); err != nil {
				rows.Close()
				return err
			}
			if o := byID[from]; o != nil {
				o.Values[a.QualifiedName()] = append(o.Values[a.QualifiedName()].([]int64), to)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Get reads one object of entity e (or a specialization) by id.
func (s *Store) Get(ctx context.Context, tx *Tx, e *model.Entity, id int64) (*Object, error) {
	t := s.Map.Table(e)
	if t == nil {
		return nil, ErrNotFound
	}
	objs, err := s.Select(ctx, tx, t, "t0", build("t0."+schema.Quote(schema.IDColumn)+" = ?", id), "", 0, 0)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 || !objs[0].Entity.IsA(e) {
		return nil, ErrNotFound
	}
	return objs[0], nil
}

// Where is an SQL condition with its arguments.
type Where struct {
	SQL  string
	Args []any
}

func build(sql string, args ...any) Where { return Where{sql, args} }

// Select reads the objects of table t matching where, in the given order
// (default: ascending id), with reference sets.
func (s *Store) Select(ctx context.Context, tx *Tx, t *schema.Table, alias string, where Where, orderBy string, limit, offset int) ([]*Object, error) {
	q := `SELECT ` + strings.Join(s.SelectColumns(t, alias), ", ") + ` FROM ` + schema.Quote(t.Name) + ` ` + alias
	if where.SQL != "" {
		q += ` WHERE ` + where.SQL
	}
	if orderBy == "" {
		orderBy = alias + "." + schema.Quote(schema.IDColumn)
	}
	q += ` ORDER BY ` + orderBy
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(offset)
	}
	out, err := s.query(ctx, tx, t, q, where.Args)
	if err != nil {
		return nil, err
	}
	return out, s.LoadSets(ctx, tx, out)
}

// query runs a query whose columns are SelectColumns(t, …) and decodes the
// objects. The rows are closed before it returns: a transaction holds one
// connection, which must be free for the next statement.
func (s *Store) query(ctx context.Context, tx *Tx, t *schema.Table, q string, args []any) ([]*Object, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []*Object
	for rows.Next() {
		dst := ScanTargets(t)
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		o, err := s.ScanObject(t, dst)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Validate checks values for entity e: types, required, length,
// enumeration keys and ranges. Only the members given are checked, except
// that required members are checked on the merged object.
func (s *Store) Validate(e *model.Entity, merged map[string]any) error {
	var ve ValidationError
	add := func(m, msg string) { ve.Details = append(ve.Details, FieldError{m, msg}) }
	for _, m := range e.Members() {
		a := m.Attribute
		if a == nil || m.System {
			continue
		}
		v := merged[m.Name]
		if v == nil {
			if a.Required {
				add(m.Name, "is required")
			}
			continue
		}
		switch a.Type {
		case model.TypeString:
			str := v.(string)
			if n := utf8.RuneCountInString(str); a.Length > 0 && n > a.Length {
				add(m.Name, fmt.Sprintf("is %d characters long; at most %d are allowed", n, a.Length))
			}
			if strings.ContainsRune(str, 0) {
				add(m.Name, "must not contain the character U+0000")
			}
			if !utf8.ValidString(str) {
				add(m.Name, "is not valid UTF-8")
			}
		case model.TypeInteger:
			if i := v.(int64); i < -1<<31 || i > 1<<31-1 {
				add(m.Name, "is out of range for a 32-bit Integer")
			}
		case model.TypeEnumeration:
			if a.Enum != nil && !a.Enum.Has(v.(string)) {
				add(m.Name, fmt.Sprintf("%q is not a value of %s", v, a.Enum.QualifiedName()))
			}
		}
	}
	if len(ve.Details) > 0 {
		return &ve
	}
	return nil
}

// checkUnique reports a unique value that another object already has.
func (s *Store) checkUnique(ctx context.Context, tx *Tx, e *model.Entity, id int64, vals map[string]any) error {
	t := s.Map.Table(e)
	for _, m := range e.Members() {
		a := m.Attribute
		v, given := vals[m.Name]
		if a == nil || !a.Unique || !given || v == nil {
			continue
		}
		col := s.Map.AttrColumn(a)
		arg := s.arg(a, v)
		if f := s.Map.FoldColumn(a); f != nil {
			col, arg = f, xpath.Fold(v.(string))
		}
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM `+schema.Quote(t.Name)+` WHERE `+schema.Quote(col.Name)+` = ? AND `+schema.Quote(schema.IDColumn)+` <> ? LIMIT 1`, arg, id).Scan(&one)
		if err == nil {
			return &ConflictError{Msg: fmt.Sprintf("the value of %s is already taken; it must be unique", m.Name)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// Insert stores a new object of entity e with the given member values
// (attributes, references as ids, reference sets as id lists). It fills
// defaults and AutoNumbers, validates, and returns the stored object.
func (s *Store) Insert(ctx context.Context, tx *Tx, e *model.Entity, vals map[string]any) (*Object, error) {
	t := s.Map.Table(e)
	if t == nil {
		return nil, fmt.Errorf("store: entity %s is not persistable", e.QualifiedName())
	}
	merged, err := s.Defaults(e)
	if err != nil {
		return nil, err
	}
	for k, v := range vals {
		merged[k] = v
	}
	for _, m := range e.Members() {
		if a := m.Attribute; a != nil && a.Type == model.TypeAutoNumber {
			n, err := tx.NextAutoNumber(ctx, t.Root, a)
			if err != nil {
				return nil, err
			}
			merged[m.Name] = n
		}
	}
	if err := s.Validate(e, merged); err != nil {
		return nil, err
	}
	id, err := tx.NewID(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkUnique(ctx, tx, e, id, merged); err != nil {
		return nil, err
	}
	cols := []string{schema.Quote(schema.IDColumn), schema.Quote(schema.TypeColumn)}
	args := []any{id, e.QualifiedName()}
	for _, m := range e.Members() {
		v, ok := merged[m.Name]
		switch {
		case m.Attribute != nil:
			if !ok && m.Attribute.Type != model.TypeBoolean {
				continue
			}
			if v == nil && m.Attribute.Type == model.TypeBoolean {
				v = false
			}
			sets, a := s.setClause(m.Attribute, v)
			for _, part := range strings.Split(sets, ", ") {
				cols = append(cols, strings.TrimSuffix(part, " = ?"))
			}
			args = append(args, a...)
		case m.Association.Type == model.Reference:
			if ref, _ := v.(int64); ref != 0 {
				cols = append(cols, schema.Quote(s.Map.RefColumn(m.Association).Name))
				args = append(args, ref)
			}
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+schema.Quote(t.Name)+` (`+strings.Join(cols, ", ")+`) VALUES (`+placeholders(len(args))+`)`, args...); err != nil {
		return nil, s.writeError(err)
	}
	for _, m := range e.Members() {
		if m.Association != nil && m.Association.Type == model.ReferenceSet {
			if ids, _ := merged[m.Name].([]int64); len(ids) > 0 {
				if err := s.setLinks(ctx, tx, m.Association, id, ids); err != nil {
					return nil, err
				}
			}
		}
	}
	return s.Get(ctx, tx, e, id)
}

// Update changes the given members of obj and returns the stored object.
func (s *Store) Update(ctx context.Context, tx *Tx, obj *Object, vals map[string]any) (*Object, error) {
	e := obj.Entity
	t := s.Map.Table(e)
	merged := map[string]any{}
	for k, v := range obj.Values {
		merged[k] = v
	}
	for k, v := range vals {
		merged[k] = v
	}
	if err := s.Validate(e, merged); err != nil {
		return nil, err
	}
	if err := s.checkUnique(ctx, tx, e, obj.ID, vals); err != nil {
		return nil, err
	}
	var sets []string
	var args []any
	for _, m := range e.Members() {
		v, ok := vals[m.Name]
		if !ok {
			continue
		}
		switch {
		case m.Attribute != nil:
			set, a := s.setClause(m.Attribute, v)
			sets, args = append(sets, set), append(args, a...)
		case m.Association.Type == model.Reference:
			var ref any
			if id, _ := v.(int64); id != 0 {
				ref = id
			}
			sets, args = append(sets, schema.Quote(s.Map.RefColumn(m.Association).Name)+" = ?"), append(args, ref)
		default:
			ids, _ := v.([]int64)
			if err := s.setLinks(ctx, tx, m.Association, obj.ID, ids); err != nil {
				return nil, err
			}
		}
	}
	if len(sets) > 0 {
		args = append(args, obj.ID)
		if _, err := tx.Exec(ctx, `UPDATE `+schema.Quote(t.Name)+` SET `+strings.Join(sets, ", ")+` WHERE `+schema.Quote(schema.IDColumn)+` = ?`, args...); err != nil {
			return nil, s.writeError(err)
		}
	}
	return s.Get(ctx, tx, e, obj.ID)
}

// setLinks replaces the links of a reference set from object id.
func (s *Store) setLinks(ctx context.Context, tx *Tx, a *model.Association, id int64, ids []int64) error {
	j := s.Map.Join(a)
	if _, err := tx.Exec(ctx, `DELETE FROM `+schema.Quote(j.Name)+` WHERE `+schema.Quote(schema.FromColumn)+` = ?`, id); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, to := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO `+schema.Quote(j.Name)+` (`+schema.Quote(schema.FromColumn)+`, `+schema.Quote(schema.ToColumn)+`) VALUES (?, ?)`, id, to); err != nil {
			return s.writeError(err)
		}
	}
	return nil
}

// writeError turns a unique-index violation into a conflict.
func (s *Store) writeError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint") || strings.Contains(msg, "duplicate key") || strings.Contains(msg, "23505") {
		return &ConflictError{Msg: "a unique value is already taken"}
	}
	return fmt.Errorf("store: %w", err)
}

// Defaults are the values a new object of e gets when none is given.
func (s *Store) Defaults(e *model.Entity) (map[string]any, error) {
	out := map[string]any{}
	for _, m := range e.Members() {
		if a := m.Attribute; a != nil && !m.System {
			if a.Default == nil {
				if a.Type == model.TypeBoolean {
					out[m.Name] = false
				}
				continue
			}
			v, err := ParseValue(a, a.Default.Text, s.App.TimeZone)
			if err != nil {
				return nil, fmt.Errorf("store: default of %s: %w", m.Name, err)
			}
			out[m.Name] = v
		}
	}
	return out, nil
}
