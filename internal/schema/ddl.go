package schema

import (
	"strconv"
	"strings"
)

// CreateStatements lists the statements that create the app's tables,
// join tables and indexes on an empty database.
func (m *Mapping) CreateStatements(d Dialect) []string {
	var out, later []string
	created := map[*Table]bool{}
	for _, t := range m.Tables {
		created[t] = true
		out = append(out, m.createTable(d, t, created, &later))
	}
	out = append(out, later...)
	for _, j := range m.JoinTables {
		out = append(out, "CREATE TABLE "+Quote(j.Name)+" ("+
			Quote(FromColumn)+" "+d.ColumnType(KindRef)+" NOT NULL REFERENCES "+Quote(j.FromTable.Name)+"("+Quote(IDColumn)+") ON DELETE CASCADE, "+
			Quote(ToColumn)+" "+d.ColumnType(KindRef)+" NOT NULL REFERENCES "+Quote(j.ToTable.Name)+"("+Quote(IDColumn)+") ON DELETE CASCADE, "+
			"PRIMARY KEY ("+Quote(FromColumn)+", "+Quote(ToColumn)+"))")
		out = append(out, "CREATE INDEX "+Quote(j.Name+"$to")+" ON "+Quote(j.Name)+" ("+Quote(ToColumn)+", "+Quote(FromColumn)+")")
	}
	for _, t := range m.Tables {
		out = append(out, m.Indexes(t)...)
	}
	return out
}

// createTable writes a table. PostgreSQL requires a referenced table to
// exist, so a foreign key to a table created later (associations may form
// cycles) is added by a statement appended to later, once every table
// exists. SQLite resolves foreign keys only when they are used and cannot
// add one to an existing table, so it keeps them all inline.
func (m *Mapping) createTable(d Dialect, t *Table, created map[*Table]bool, later *[]string) string {
	var cols []string
	for _, c := range t.Columns {
		if c.Kind == KindRef && c.ReferencedT != nil && !created[c.ReferencedT] && d.Name() != SQLite.Name() {
			cols = append(cols, Quote(c.Name)+" "+d.ColumnType(c.Kind))
			*later = append(*later, "ALTER TABLE "+Quote(t.Name)+" ADD FOREIGN KEY ("+Quote(c.Name)+") REFERENCES "+
				Quote(c.ReferencedT.Name)+"("+Quote(IDColumn)+") ON DELETE SET NULL")
			continue
		}
		cols = append(cols, ColumnDef(d, c))
	}
	return "CREATE TABLE " + Quote(t.Name) + " (" + strings.Join(cols, ", ") + ")"
}

// ColumnDef is a column's definition in CREATE TABLE and ADD COLUMN.
func ColumnDef(d Dialect, c *Column) string {
	def := Quote(c.Name) + " " + d.ColumnType(c.Kind)
	switch {
	case c.Name == TypeColumn:
		def += " NOT NULL"
	case c.Kind == KindBool:
		def += " NOT NULL DEFAULT " + d.False()
	case c.Kind == KindRef && c.ReferencedT != nil:
		def += " REFERENCES " + Quote(c.ReferencedT.Name) + "(" + Quote(IDColumn) + ") ON DELETE SET NULL"
	}
	return def
}

// Indexes lists the indexes of a table: every reference column (foreign
// keys and System.owner are always indexed), `_type` for hierarchies, a
// unique index per unique attribute, and the indexes the model asks for,
// on the folded column for Strings.
func (m *Mapping) Indexes(t *Table) []string {
	var out []string
	idx := func(name string, cols ...string) {
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = Quote(c)
		}
		out = append(out, "CREATE INDEX "+Quote(t.Name+"$"+name)+" ON "+Quote(t.Name)+" ("+strings.Join(q, ", ")+")")
	}
	if len(t.Entities) > 1 {
		idx(TypeColumn, TypeColumn)
	}
	for _, c := range t.Columns {
		switch {
		case c.Kind == KindRef:
			idx(c.Name, c.Name, IDColumn)
		case c.Attr != nil && c.Attr.Unique && (c.Shadow || m.FoldColumn(c.Attr) == nil):
			// Unique values (case-folded for Strings): the store checks
			// first for a clear message; the index settles races.
			out = append(out, "CREATE UNIQUE INDEX "+Quote(t.Name+"$"+c.Name+"$unique")+" ON "+Quote(t.Name)+" ("+Quote(c.Name)+")")
		}
	}
	for _, e := range t.Entities {
		for i, ix := range e.Indexes {
			var cols []string
			for _, n := range ix.Members {
				mem := e.Member(n.Name, e.Module)
				switch {
				case mem == nil:
				case mem.Attribute != nil && m.FoldColumn(mem.Attribute) != nil:
					cols = append(cols, m.FoldColumn(mem.Attribute).Name)
				case mem.Attribute != nil:
					cols = append(cols, m.AttrColumn(mem.Attribute).Name)
				case m.RefColumn(mem.Association) != nil:
					cols = append(cols, m.RefColumn(mem.Association).Name)
				}
			}
			if len(cols) > 0 {
				idx(e.Module.Name+"$"+e.Name+"$"+strconv.Itoa(i+1), append(cols, IDColumn)...)
			}
		}
	}
	return out
}
