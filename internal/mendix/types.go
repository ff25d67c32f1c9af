package mendix

import "github.com/rampart/rampart/internal/diag"

// The importer first reads the project into these types, with Mendix's
// names (orig) and the Rampart names they get (name), then writes them as
// model files. References between elements are pointers, so a renamed
// element is renamed everywhere it is used.

type module struct {
	orig, name  string
	system      bool // Rampart's built-in System module: never written
	marketplace bool
	version     string // Marketplace version
	packageID   int64
	roles       []*role
	enums       []*enum
	entities    []*entity
	assocs      []*assoc
	pages       []*page
	microflows  []*microflow
	// skipped counts what is not converted: kind -> names.
	skipped map[string][]string
	// Names given to pages and microflows.
	pageNames, mfNames, enumNames scope
	// Where the module's elements were written.
	pos, assocsPos, skipPos diag.Pos
}

type role struct {
	mod        *module
	orig, name string
	desc       string
	pos        diag.Pos
}

func (r *role) qualified() string { return r.mod.name + "." + r.name }

type enum struct {
	mod        *module
	orig, name string
	values     []enumValue
	pos        diag.Pos
}

type enumValue struct {
	orig, key, caption string
}

type entity struct {
	mod         *module
	orig, name  string
	id          string
	doc         *Doc
	system      bool // an entity of Rampart's System module
	gen         *entity
	persistable bool // as Mendix says for a root entity; inherited otherwise
	owner       bool
	changedBy   bool
	createdDate bool
	changedDate bool
	attrs       []*attr
	rules       []*rule
	indexes     [][]*attr
	pos         diag.Pos
}

func (e *entity) qualified() string { return e.mod.name + "." + e.name }

// isA reports whether e is g or a specialization of it.
func (e *entity) isA(g *entity) bool {
	for i, x := 0, e; x != nil && i < 100; i, x = i+1, x.gen {
		if x == g {
			return true
		}
	}
	return false
}

// root is the entity at the top of e's generalizations.
func (e *entity) root() *entity {
	x := e
	for i := 0; x.gen != nil && i < 100; i++ {
		x = x.gen
	}
	return x
}

// isPersistable follows the generalizations: a specialization is stored
// when its root is.
func (e *entity) isPersistable() bool { return e.root().persistable }

// hasSystem reports a system member declared on e or inherited.
func (e *entity) hasSystem(member string) bool {
	for i, x := 0, e; x != nil && i < 100; i, x = i+1, x.gen {
		switch member {
		case "owner":
			if x.owner {
				return true
			}
		case "changedBy":
			if x.changedBy {
				return true
			}
		case "createdDate":
			if x.createdDate {
				return true
			}
		case "changedDate":
			if x.changedDate {
				return true
			}
		}
	}
	return false
}

type attr struct {
	ent        *entity
	orig, name string
	id         string
	typ        string // a Rampart attribute type
	length     int
	enum       *enum
	def        string
	hasDef     bool
	required   bool
	unique     bool
	pos        diag.Pos
}

type assoc struct {
	mod        *module
	orig, name string
	system     bool
	from, to   *entity
	typ        string // Reference or ReferenceSet
	onDelete   string // keep, prevent or cascade
	ownerBoth  bool
	trailer    string // a comment written after it
	pos        diag.Pos
}

func (a *assoc) qualified() string { return a.mod.name + "." + a.name }

type rule struct {
	ent       *entity
	roles     []*role
	create    bool
	delete    bool
	xpath     string
	caption   string
	defAccess string
	members   []memberAccess
	pos       diag.Pos
}

type memberAccess struct {
	name   string // as the rule writes it
	access string
}

type page struct {
	mod        *module
	orig, name string
	title      string
	url        string
	roles      []*role
	pos        diag.Pos
}

func (p *page) qualified() string { return p.mod.name + "." + p.name }

type microflow struct {
	mod               *module
	orig, name        string
	roles             []*role
	applyEntityAccess bool
	url               string
	params            []param
	pos               diag.Pos
}

type param struct {
	name string
	typ  string // primitive type name
	ent  *entity
}

type userRole struct {
	orig, name              string
	desc                    string
	moduleRoles             []*role
	manageAll               bool
	manageable              []*userRole
	manageableNames         []string // resolved after all roles are known
	manageUsersWithoutRoles bool
	checkSecurity           bool
	pos                     diag.Pos
}

type demoUser struct {
	name   string
	roles  []*userRole
	entity *entity
	pos    diag.Pos
}

type menuItem struct {
	caption string
	page    *page
	items   []*menuItem
}

// note is a diagnostic whose place is known once the files are written:
// at points at the position field of the element it is about.
type note struct {
	at   *diag.Pos
	code string
	msg  string
}
