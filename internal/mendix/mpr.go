package mendix

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Project is a Mendix project file (App.mpr) with its units.
type Project struct {
	Path           string
	Format         int    // 1: units in the SQLite file; 2: units in mprcontents/
	ProductVersion string // the Studio Pro version that saved it, when recorded
	Units          []*Unit
	byID           map[string]*Unit
}

// Unit is one unit of a project: a module, a folder, a document, the
// project's security settings, …
type Unit struct {
	ID              string
	ContainerID     string
	ContainmentName string
	Type            string // $Type of its contents
	Doc             *Doc
	// Source is where the contents were read: "App.mpr" for v1, the
	// .mxunit path relative to the project directory for v2.
	Source string
}

// ErrNotMPR is wrapped when a file is not a Mendix project.
var ErrNotMPR = errors.New("not a Mendix project file")

// Open reads a project and decodes every unit. The project is opened
// read-only and never changed. A unit that cannot be read is an error: the
// project would otherwise be imported without part of it.
func Open(path string) (*Project, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not an App.mpr file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	// mode=ro: never write; immutable=1: no locks, no journal, no -shm
	// file, so that a project on a read-only disk opens too.
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String() + "?mode=ro&immutable=1"
	if !strings.HasPrefix(filepath.ToSlash(abs), "/") {
		dsn = "file:///" + url.PathEscape(filepath.ToSlash(abs)) + "?mode=ro&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p := &Project{Path: path, byID: map[string]*Unit{}}
	if err := p.read(db, filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func (p *Project) read(db *sql.DB, dir string) error {
	cols, err := columns(db, "_MetaData")
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("%w: it has no _MetaData table", ErrNotMPR)
	}
	unitCols, err := columns(db, "Unit")
	if err != nil {
		return err
	}
	for _, c := range []string{"UnitID", "ContainerID", "ContainmentName"} {
		if !unitCols[c] {
			return fmt.Errorf("%w: its Unit table has no %s column", ErrNotMPR, c)
		}
	}
	p.Format = 1
	if cols["_FormatVersion"] {
		var v sql.NullInt64
		if err := db.QueryRow("SELECT _FormatVersion FROM _MetaData").Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("cannot read _MetaData: %w", err)
		}
		if v.Int64 >= 2 {
			p.Format = 2
		}
	}
	if cols["_ProductVersion"] {
		var v sql.NullString
		if err := db.QueryRow("SELECT _ProductVersion FROM _MetaData").Scan(&v); err == nil {
			p.ProductVersion = v.String
		}
	}
	if p.Format == 1 && !unitCols["Contents"] {
		return fmt.Errorf("%w: MPR v1 without a Contents column", ErrNotMPR)
	}

	q := "SELECT UnitID, ContainerID, ContainmentName FROM Unit"
	if p.Format == 1 {
		q = "SELECT UnitID, ContainerID, ContainmentName, Contents FROM Unit"
	}
	rows, err := db.Query(q)
	if err != nil {
		return fmt.Errorf("cannot read the units: %w", err)
	}
	defer rows.Close()
	var contents [][]byte
	for rows.Next() {
		var id, container []byte
		var name sql.NullString
		var data []byte
		dest := []any{&id, &container, &name}
		if p.Format == 1 {
			dest = append(dest, &data)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("cannot read the units: %w", err)
		}
		uid, ok := FormatGUID(id)
		if !ok {
			return fmt.Errorf("%w: a unit id of %d bytes", ErrNotMPR, len(id))
		}
		cid, _ := FormatGUID(container)
		u := &Unit{ID: uid, ContainerID: cid, ContainmentName: name.String, Source: filepath.Base(p.Path)}
		if p.Format == 2 {
			u.Source = path2(uid)
		}
		p.Units = append(p.Units, u)
		contents = append(contents, data)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read the units: %w", err)
	}
	// Sort by id: the order of rows is not meaningful, and everything
	// derived from the units must not depend on it.
	idx := make([]int, len(p.Units))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p.Units[idx[a]].ID < p.Units[idx[b]].ID })
	units := make([]*Unit, len(idx))
	data := make([][]byte, len(idx))
	for i, j := range idx {
		units[i], data[i] = p.Units[j], contents[j]
	}
	p.Units = units

	// Reading and decoding the units is most of the work: do it in parallel.
	errs := make([]error, len(units))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, u := range units {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b := data[i]
			if p.Format == 2 {
				var err error
				b, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(u.Source)))
				if err != nil {
					errs[i] = fmt.Errorf("unit %s: %w", u.ID, err)
					return
				}
			}
			doc, err := Decode(b)
			if err != nil {
				errs[i] = fmt.Errorf("unit %s (%s): %w", u.ID, u.Source, err)
				return
			}
			u.Doc, u.Type = doc, doc.Type()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, u := range units {
		if p.byID[u.ID] != nil {
			return fmt.Errorf("%w: unit %s is listed twice", ErrNotMPR, u.ID)
		}
		p.byID[u.ID] = u
	}
	return nil
}

// path2 is where MPR v2 keeps the contents of a unit.
func path2(id string) string {
	return "mprcontents/" + id[0:2] + "/" + id[2:4] + "/" + id + ".mxunit"
}

// columns lists the columns of a table; none when it does not exist.
func columns(db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMPR, err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotMPR, err)
		}
		cols[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMPR, err)
	}
	return cols, nil
}

// Unit returns the unit with the given id.
func (p *Project) Unit(id string) *Unit { return p.byID[id] }

// Root is the project unit: Projects$Project, its own container.
func (p *Project) Root() *Unit {
	for _, u := range p.Units {
		if u.Type == "Projects$Project" {
			return u
		}
	}
	for _, u := range p.Units {
		if u.ContainerID == u.ID || u.ContainerID == "" {
			return u
		}
	}
	return nil
}

// Module returns the module unit (Projects$ModuleImpl) that contains u, nil
// for units outside every module. Cycles in a damaged tree end the walk.
func (p *Project) Module(u *Unit) *Unit {
	for i := 0; u != nil && i < 1000; i++ {
		if u.Type == "Projects$ModuleImpl" {
			return u
		}
		if u.ContainerID == u.ID {
			return nil
		}
		u = p.byID[u.ContainerID]
	}
	return nil
}
