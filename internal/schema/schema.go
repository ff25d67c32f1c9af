// Package schema maps the app model onto tables and columns, the same way
// for SQLite and PostgreSQL, and holds the small dialect interface that is
// everything the rest of Rampart knows about SQL dialects.
//
// The layout (docs/schema.md):
//   - one table per entity hierarchy, named after the root entity
//     ("Expenses$Expense"), with `id` (a 64-bit id unique across the app)
//     and `_type` (the qualified name of the object's own entity);
//   - one column per attribute: the attribute's name for attributes of the
//     root, "Module$Entity$Attr" for those a specialization declares;
//   - beside every String column a folded shadow column ("Name$fold")
//     written by Rampart, used for every comparison, search and sort, so no
//     database collation takes part;
//   - a Reference as a column on the from entity's table holding the id of
//     the referenced object ("Expenses$Expense_Project"), System.owner and
//     System.changedBy as "System$owner" and "System$changedBy";
//   - a ReferenceSet as a join table ("Expenses$Expense_Tag$set") of
//     (from_id, to_id).
package schema

import (
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/model"
)

// Column names every entity table has.
const (
	IDColumn   = "id"
	TypeColumn = "_type"
	FromColumn = "from_id"
	ToColumn   = "to_id"
	foldSuffix = "$fold"
)

// ColumnKind is the storage type of a column.
type ColumnKind uint8

const (
	KindID ColumnKind = iota
	KindText
	KindFolded // TEXT compared byte-wise (COLLATE "C" on PostgreSQL)
	KindInt
	KindDecimal
	KindBool
	KindTime // milliseconds since the Unix epoch
	KindBlob
	KindRef // id of another object
)

// Column is one column of an entity table.
type Column struct {
	Name        string
	Kind        ColumnKind
	Attr        *model.Attribute   // attribute columns and their shadows
	Assoc       *model.Association // Reference columns
	Shadow      bool               // the folded copy of a String
	Declaring   *model.Entity      // the entity the member belongs to
	ReferencedT *Table             // KindRef: the table referenced
}

// Table is the table of one entity hierarchy.
type Table struct {
	Name     string
	Root     *model.Entity
	Entities []*model.Entity // root first, then specializations
	Columns  []*Column
}

// JoinTable stores a ReferenceSet.
type JoinTable struct {
	Name      string
	Assoc     *model.Association
	FromTable *Table
	ToTable   *Table
}

// Mapping is the layout of one app.
type Mapping struct {
	Tables     []*Table
	JoinTables []*JoinTable
	tables     map[*model.Entity]*Table
	attrCols   map[*model.Attribute]*Column
	foldCols   map[*model.Attribute]*Column
	refCols    map[*model.Association]*Column
	joins      map[*model.Association]*JoinTable
}

// New computes the mapping of a loaded app. Non-persistable entities have
// no table.
func New(app *model.App) *Mapping {
	m := &Mapping{
		tables:   map[*model.Entity]*Table{},
		attrCols: map[*model.Attribute]*Column{},
		foldCols: map[*model.Attribute]*Column{},
		refCols:  map[*model.Association]*Column{},
		joins:    map[*model.Association]*JoinTable{},
	}
	for _, e := range app.Entities() {
		if !e.Persistable || e.Generalization != nil {
			continue
		}
		t := &Table{Name: tableName(e), Root: e, Entities: append([]*model.Entity{e}, e.AllSpecializations()...)}
		t.Columns = []*Column{{Name: IDColumn, Kind: KindID}, {Name: TypeColumn, Kind: KindText}}
		m.Tables = append(m.Tables, t)
		for _, x := range t.Entities {
			m.tables[x] = t
		}
	}
	for _, t := range m.Tables {
		seen := map[string]*Column{}
		for _, e := range t.Entities {
			for _, mem := range e.Members() {
				if mem.Inherited {
					continue
				}
				switch {
				case mem.Attribute != nil:
					m.addAttr(t, e, mem.Attribute, seen)
				case mem.Association.Type == model.Reference:
					m.addRef(t, e, mem.Association, seen)
				}
			}
		}
	}
	for _, mod := range app.Modules {
		for _, a := range mod.Associations {
			if a.Type == model.ReferenceSet && m.tables[a.From] != nil && m.tables[a.To] != nil {
				j := &JoinTable{Name: a.Module.Name + "$" + a.Name + "$set", Assoc: a, FromTable: m.tables[a.From], ToTable: m.tables[a.To]}
				m.JoinTables = append(m.JoinTables, j)
				m.joins[a] = j
			}
		}
	}
	for _, t := range m.Tables {
		for _, c := range t.Columns {
			if c.Kind == KindRef {
				c.ReferencedT = m.tables[c.Assoc.To]
			}
		}
	}
	return m
}

func tableName(e *model.Entity) string { return e.Module.Name + "$" + e.Name }

func (m *Mapping) addAttr(t *Table, e *model.Entity, a *model.Attribute, seen map[string]*Column) {
	name := a.Name
	if e != t.Root && !isSystemAttr(a) {
		name = e.Module.Name + "$" + e.Name + "$" + a.Name
	}
	if c := seen[strings.ToLower(name)]; c != nil {
		// createdDate and changedDate of sibling specializations share
		// one column.
		m.attrCols[a] = c
		return
	}
	c := &Column{Name: name, Kind: attrKind(a.Type), Attr: a, Declaring: e}
	seen[strings.ToLower(name)] = c
	t.Columns = append(t.Columns, c)
	m.attrCols[a] = c
	if a.Type == model.TypeString {
		f := &Column{Name: name + foldSuffix, Kind: KindFolded, Attr: a, Shadow: true, Declaring: e}
		t.Columns = append(t.Columns, f)
		m.foldCols[a] = f
	}
}

func isSystemAttr(a *model.Attribute) bool {
	return a.Name == model.MemberCreatedDate || a.Name == model.MemberChangedDate
}

func (m *Mapping) addRef(t *Table, e *model.Entity, a *model.Association, seen map[string]*Column) {
	name := a.Module.Name + "$" + a.Name
	if c := seen[strings.ToLower(name)]; c != nil {
		m.refCols[a] = c // System.owner of sibling specializations
		return
	}
	c := &Column{Name: name, Kind: KindRef, Assoc: a, Declaring: e}
	seen[strings.ToLower(name)] = c
	t.Columns = append(t.Columns, c)
	m.refCols[a] = c
}

func attrKind(t model.AttrType) ColumnKind {
	switch t {
	case model.TypeString, model.TypeEnumeration, model.TypeHashString:
		return KindText
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		return KindInt
	case model.TypeDecimal:
		return KindDecimal
	case model.TypeBoolean:
		return KindBool
	case model.TypeDateTime:
		return KindTime
	case model.TypeBinary:
		return KindBlob
	}
	panic(fmt.Sprintf("unknown attribute type %s", t))
}

// Table is the table holding objects of e, or nil when e is not persistable.
func (m *Mapping) Table(e *model.Entity) *Table { return m.tables[e] }

// AttrColumn is the column of an attribute.
func (m *Mapping) AttrColumn(a *model.Attribute) *Column { return m.attrCols[a] }

// FoldColumn is the folded shadow column of a String attribute.
func (m *Mapping) FoldColumn(a *model.Attribute) *Column { return m.foldCols[a] }

// RefColumn is the column of a Reference, on its from entity's table.
func (m *Mapping) RefColumn(a *model.Association) *Column { return m.refCols[a] }

// Join is the join table of a ReferenceSet.
func (m *Mapping) Join(a *model.Association) *JoinTable { return m.joins[a] }

// TypeNames lists e and its specializations: the `_type` values of objects
// that are an e.
func TypeNames(e *model.Entity) []string {
	out := []string{e.QualifiedName()}
	for _, s := range e.AllSpecializations() {
		out = append(out, s.QualifiedName())
	}
	return out
}
