package security

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/internal/model"
)

// Random models for TestEngineProperties: one module (Prop) beside the
// System module, written as YAML and loaded with model.LoadFS. A model is
// generated in two passes: first its skeleton (roles, entities, attributes,
// associations) is written and loaded, then access rules are generated
// against the loaded skeleton (so their constraints can walk the real
// members) and the whole model is written again.

const propModule = "Prop"

// propRedeclare (RAMPART_PROP_REDECLARE=1) lets a specialization declare
// again a system member its generalization has, which the loader accepts
// though the member then appears twice (reported, not part of the default
// runs).
var propRedeclare = os.Getenv("RAMPART_PROP_REDECLARE") == "1"

// propClock is the engine's clock in the property tests: date tokens and
// changedDate depend on it.
var propClock = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

var propZones = []string{"UTC", "Europe/Amsterdam", "America/St_Johns", "Asia/Kathmandu"}

var propEnums = map[string][]string{
	"Color": {"Red", "Green", "blue"},
	"Size":  {"S", "M", "XL"},
}

type propAttr struct {
	name   string
	typ    model.AttrType
	length int    // String; 0 = unlimited
	enum   string // Enumeration
	def    string // default as written, "" for none
}

type propRule struct {
	roles       []string
	create, del bool
	xpath       string
	members     [][2]string // member name as written, access
	def         string      // defaultMemberAccess, "" when not written
}

type propEntity struct {
	name   string
	gen    string // qualified generalization or ""
	system []string
	attrs  []propAttr
	rules  []propRule
}

type propAssoc struct {
	name, from, to string // from/to: local names or qualified System names
	set            bool
	onDelete       string
}

type propUserRole struct {
	name        string
	moduleRoles []string
	manage      []string // manageable roles; ["all"] for all
	noRoles     bool
}

type propModel struct {
	zone      string
	modRoles  []string
	userRoles []propUserRole
	anonRole  string
	entities  []*propEntity
	assocs    []propAssoc
}

func propPct(r *rand.Rand, p int) bool { return r.IntN(100) < p }

// pick returns a random element.
func propPick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// subset returns a random subset of xs (possibly empty), in order.
func propSubset[T any](r *rand.Rand, xs []T, p int) []T {
	var out []T
	for _, x := range xs {
		if propPct(r, p) {
			out = append(out, x)
		}
	}
	return out
}

// genSkeleton writes a random model without access rules.
func propGenSkeleton(r *rand.Rand) *propModel {
	g := &propModel{zone: propPick(r, propZones)}
	for i := 1; i <= 3+r.IntN(3); i++ {
		g.modRoles = append(g.modRoles, fmt.Sprintf("R%d", i))
	}
	nUR := 2 + r.IntN(3)
	var urNames []string
	for i := 1; i <= nUR; i++ {
		urNames = append(urNames, fmt.Sprintf("U%d", i))
	}
	if nUR >= 3 && propPct(r, 35) {
		g.anonRole = urNames[nUR-1]
	}
	for i, name := range urNames {
		ur := propUserRole{name: name}
		for _, mr := range g.modRoles {
			if propPct(r, 40) {
				ur.moduleRoles = append(ur.moduleRoles, propModule+"."+mr)
			}
		}
		if len(ur.moduleRoles) == 0 {
			ur.moduleRoles = append(ur.moduleRoles, propModule+"."+propPick(r, g.modRoles))
		}
		if propPct(r, 50) {
			ur.moduleRoles = append([]string{model.RoleUser}, ur.moduleRoles...)
		}
		switch {
		case i == 0 && propPct(r, 50):
			ur.manage = []string{"all"}
		case propPct(r, 45):
			ur.manage = propSubset(r, urNames, 40)
		}
		ur.noRoles = propPct(r, 25)
		g.userRoles = append(g.userRoles, ur)
	}

	attrN := 0
	newAttr := func(t model.AttrType) propAttr {
		attrN++
		prefix := map[model.AttrType]string{
			model.TypeString: "S", model.TypeInteger: "I", model.TypeLong: "L", model.TypeDecimal: "D",
			model.TypeBoolean: "B", model.TypeDateTime: "T", model.TypeEnumeration: "En",
			model.TypeAutoNumber: "N", model.TypeHashString: "H",
		}[t]
		a := propAttr{name: fmt.Sprintf("%s%d", prefix, attrN), typ: t}
		switch t {
		case model.TypeString:
			a.length = propPick(r, []int{3, 5, 10, 0})
			if propPct(r, 20) {
				a.def = "'ab'"
			}
		case model.TypeEnumeration:
			a.enum = propPick(r, []string{"Color", "Size"})
			if propPct(r, 25) {
				a.def = propEnums[a.enum][0]
			}
		case model.TypeInteger, model.TypeLong:
			if propPct(r, 20) {
				a.def = "2"
			}
		case model.TypeDecimal:
			if propPct(r, 20) {
				a.def = "1.5"
			}
		case model.TypeBoolean:
			if propPct(r, 25) {
				a.def = "true"
			}
		}
		return a
	}
	common := []model.AttrType{model.TypeString, model.TypeString, model.TypeInteger, model.TypeLong, model.TypeDecimal,
		model.TypeBoolean, model.TypeDateTime, model.TypeEnumeration, model.TypeEnumeration}
	attrType := func() model.AttrType {
		switch k := r.IntN(30); {
		case k == 0:
			return model.TypeAutoNumber
		case k == 1:
			return model.TypeHashString
		default:
			return propPick(r, common)
		}
	}
	n := 3 + r.IntN(3)
	for i := 1; i <= n; i++ {
		e := &propEntity{name: fmt.Sprintf("E%d", i)}
		if i > 1 && propPct(r, 35) {
			e.gen = propModule + "." + g.entities[r.IntN(len(g.entities))].name
		}
		for _, s := range []struct {
			name string
			p    int
		}{{"owner", 55}, {"changedBy", 20}, {"createdDate", 20}, {"changedDate", 20}} {
			// A specialization does not declare again what it inherits
			// (the loader accepts that, though the members then appear twice).
			if propPct(r, s.p) && (propRedeclare || !g.inherits(e, s.name)) {
				e.system = append(e.system, s.name)
			}
		}
		for k := 1 + r.IntN(4); k > 0; k-- {
			e.attrs = append(e.attrs, newAttr(attrType()))
		}
		g.entities = append(g.entities, e)
	}
	if !slices.ContainsFunc(g.entities, func(e *propEntity) bool { return e.gen != "" }) {
		g.entities[n-1].gen = propModule + "." + g.entities[r.IntN(n-1)].name
	}
	plain := slices.Clone(g.entities)
	var users []string
	if propPct(r, 75) {
		acc := &propEntity{name: "Account", gen: model.SystemUser}
		acc.attrs = append(acc.attrs, newAttr(model.TypeString))
		if propPct(r, 60) {
			acc.attrs = append(acc.attrs, newAttr(propPick(r, common)))
		}
		if propPct(r, 30) {
			acc.system = []string{"owner"}
		}
		g.entities = append(g.entities, acc)
		users = append(users, "Account")
	}
	if propPct(r, 20) {
		doc := &propEntity{name: "Doc", gen: model.SystemFileDocument}
		doc.attrs = append(doc.attrs, newAttr(model.TypeString))
		if propPct(r, 50) {
			doc.system = []string{"owner"}
		}
		g.entities = append(g.entities, doc)
		plain = append(plain, doc)
	}

	pickPlain := func() string { return propPick(r, plain).name }
	add := func(from, to string, set bool) {
		onDelete := "keep"
		switch k := r.IntN(100); {
		case k < 12:
			onDelete = "prevent"
		case k < 27 && !set:
			onDelete = "cascade"
		}
		g.assocs = append(g.assocs, propAssoc{name: fmt.Sprintf("A%d", len(g.assocs)+1), from: from, to: to, set: set, onDelete: onDelete})
	}
	add(pickPlain(), pickPlain(), false)
	add(pickPlain(), pickPlain(), true)
	for k := 1 + r.IntN(4); k > 0; k-- {
		from, to := pickPlain(), pickPlain()
		if len(users) > 0 && propPct(r, 12) {
			from = users[0]
		}
		switch k := r.IntN(10); {
		case k == 0:
			to = model.SystemUser
		case k == 1 && len(users) > 0:
			to = users[0]
		}
		add(from, to, propPct(r, 40))
	}
	return g
}

// inherits reports whether a generalization of e declares system member
// name.
func (g *propModel) inherits(e *propEntity, name string) bool {
	for gen := e.gen; gen != ""; {
		var next string
		for _, x := range g.entities {
			if propModule+"."+x.name == gen {
				if slices.Contains(x.system, name) {
					return true
				}
				next = x.gen
			}
		}
		gen = next
	}
	return false
}

func (g *propModel) files() fstest.MapFS {
	return fstest.MapFS{
		"app.yaml":                        {Data: []byte(g.appYAML())},
		"modules/" + propModule + ".yaml": {Data: []byte(g.moduleYAML())},
	}
}

func (g *propModel) appYAML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: Prop\ntimeZone: %s\nsecurity:\n  level: production\n", g.zone)
	fmt.Fprintf(&b, "  adminUser: {name: admin, role: %s}\n  userRoles:\n", g.userRoles[0].name)
	for _, ur := range g.userRoles {
		fmt.Fprintf(&b, "    %s:\n      moduleRoles: [%s]\n", ur.name, strings.Join(ur.moduleRoles, ", "))
		switch {
		case len(ur.manage) == 1 && ur.manage[0] == "all":
			b.WriteString("      manageableRoles: all\n")
		case len(ur.manage) > 0:
			fmt.Fprintf(&b, "      manageableRoles: [%s]\n", strings.Join(ur.manage, ", "))
		}
		if ur.noRoles {
			b.WriteString("      manageUsersWithoutRoles: true\n")
		}
	}
	if g.anonRole != "" {
		fmt.Fprintf(&b, "  anonymous: {enabled: true, role: %s}\n", g.anonRole)
	}
	return b.String()
}

func (g *propModel) moduleYAML() string {
	var b strings.Builder
	b.WriteString("module: Prop\nroles:\n")
	for _, r := range g.modRoles {
		fmt.Fprintf(&b, "  %s: role %s\n", r, r)
	}
	b.WriteString("enumerations:\n")
	for _, name := range []string{"Color", "Size"} {
		fmt.Fprintf(&b, "  %s: [%s]\n", name, strings.Join(propEnums[name], ", "))
	}
	b.WriteString("entities:\n")
	for _, e := range g.entities {
		fmt.Fprintf(&b, "  %s:\n", e.name)
		if e.gen != "" {
			fmt.Fprintf(&b, "    generalization: %s\n", e.gen)
		}
		if len(e.system) > 0 {
			fmt.Fprintf(&b, "    system: [%s]\n", strings.Join(e.system, ", "))
		}
		b.WriteString("    attributes:\n")
		for _, a := range e.attrs {
			fmt.Fprintf(&b, "      %s: {type: %s", a.name, a.typ)
			switch a.typ {
			case model.TypeString:
				fmt.Fprintf(&b, ", length: %d", a.length)
			case model.TypeEnumeration:
				fmt.Fprintf(&b, ", enum: %s", a.enum)
			}
			if a.def != "" {
				fmt.Fprintf(&b, ", default: %s", a.def)
			}
			b.WriteString("}\n")
		}
		if len(e.rules) > 0 {
			b.WriteString("    access:\n")
		}
		for _, ru := range e.rules {
			fmt.Fprintf(&b, "      - roles: [%s]\n", strings.Join(ru.roles, ", "))
			if ru.create {
				b.WriteString("        create: true\n")
			}
			if ru.del {
				b.WriteString("        delete: true\n")
			}
			if ru.xpath != "" {
				fmt.Fprintf(&b, "        xpath: %s\n", propYAMLQuote(ru.xpath))
			}
			if len(ru.members) > 0 {
				var parts []string
				for _, m := range ru.members {
					parts = append(parts, m[0]+": "+m[1])
				}
				fmt.Fprintf(&b, "        members: {%s}\n", strings.Join(parts, ", "))
			}
			if ru.def != "" {
				fmt.Fprintf(&b, "        defaultMemberAccess: %s\n", ru.def)
			}
		}
	}
	b.WriteString("associations:\n")
	for _, a := range g.assocs {
		t := "Reference"
		if a.set {
			t = "ReferenceSet"
		}
		fmt.Fprintf(&b, "  %s: {from: %s, to: %s, type: %s, onDelete: %s}\n", a.name, a.from, a.to, t, a.onDelete)
	}
	return b.String()
}

// yamlQuote writes s as a double-quoted YAML scalar.
func propYAMLQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// genRules adds random access rules to the entities of g, using the loaded
// skeleton app for the members and constraints.
func propGenRules(r *rand.Rand, g *propModel, app *model.App) {
	cg := &propCgen{r: r, app: app, userRoles: g.userRoleNames()}
	for _, pe := range g.entities {
		e := app.Entity(propModule + "." + pe.name)
		for k := r.IntN(5); k > 0; k-- {
			pe.rules = append(pe.rules, propGenRule(r, cg, g, e))
		}
	}
}

func (g *propModel) userRoleNames() []string {
	var out []string
	for _, ur := range g.userRoles {
		out = append(out, ur.name)
	}
	return out
}

var propAccessNames = []string{"None", "ReadOnly", "ReadWrite"}

func propGenRule(r *rand.Rand, cg *propCgen, g *propModel, e *model.Entity) propRule {
	ru := propRule{create: propPct(r, 40), del: propPct(r, 30)}
	for _, mr := range g.modRoles {
		if propPct(r, 30) {
			ru.roles = append(ru.roles, mr)
		}
	}
	if len(ru.roles) == 0 {
		ru.roles = []string{propPick(r, g.modRoles)}
	}
	if propPct(r, 55) {
		if e.Member(model.SystemOwner, nil) != nil && propPct(r, 40) {
			ru.xpath = "[System.owner = '[%CurrentUser%]']"
			if propPct(r, 40) {
				ru.xpath += "[" + cg.expr(e, 1) + "]"
			}
		} else {
			ru.xpath = cg.constraint(e)
		}
	}
	for _, m := range e.Members() {
		if !propPct(r, 35) {
			continue
		}
		acc := propPick(r, propAccessNames)
		if acc == "ReadWrite" && !m.Writable() {
			acc = "ReadOnly"
		}
		name := m.Name
		if m.Association != nil && m.Association.Module.Name == propModule && propPct(r, 50) {
			name = m.Association.Name // local name
		}
		ru.members = append(ru.members, [2]string{name, acc})
	}
	if propPct(r, 60) {
		ru.def = propPick(r, propAccessNames)
	}
	grants := ru.create || ru.del || ru.def == "ReadOnly" || ru.def == "ReadWrite"
	for _, m := range ru.members {
		grants = grants || m[1] != "None"
	}
	if !grants {
		ru.def = "ReadOnly"
	}
	return ru
}

// ---- constraints ----

// propCgen writes random constraints over a loaded model, as text.
type propCgen struct {
	r         *rand.Rand
	app       *model.App
	userRoles []string
}

func (g *propCgen) pct(p int) bool { return g.r.IntN(100) < p }

// constraint is one or two adjacent brackets.
func (g *propCgen) constraint(e *model.Entity) string {
	s := "[" + g.expr(e, 0) + "]"
	if g.pct(20) {
		s += "[" + g.expr(e, 1) + "]"
	}
	return s
}

func (g *propCgen) expr(e *model.Entity, depth int) string {
	if depth >= 2 || g.pct(55) {
		return g.atom(e, depth)
	}
	switch g.r.IntN(5) {
	case 0, 1:
		return g.expr(e, depth+1) + " and " + g.expr(e, depth+1)
	case 2, 3:
		return g.expr(e, depth+1) + " or " + g.expr(e, depth+1)
	}
	return "not(" + g.expr(e, depth+1) + ")"
}

func (g *propCgen) atom(e *model.Entity, depth int) string {
	if g.pct(3) {
		return propPick(g.r, []string{"true()", "false()"})
	}
	if e.IsA(g.app.Entity(model.SystemUser)) && g.pct(15) {
		return "id " + propPick(g.r, []string{"=", "!="}) + " '[%CurrentUser%]'"
	}
	return g.path(e, depth, "", 0)
}

// step is one association step from an entity: its text and the entity
// it reaches.
type propStep struct {
	text    string // Assoc[/Module.Entity]
	assoc   string // the association part alone (for paths ending at it)
	to      *model.Entity
	forward bool
}

// steps lists the steps that can be walked from e.
func (g *propCgen) steps(e *model.Entity) []propStep {
	var out []propStep
	named := func(x *model.Entity) *model.Entity {
		// The other end, or sometimes one of its specializations (a type
		// filter).
		if specs := x.AllSpecializations(); len(specs) > 0 && g.pct(30) {
			return propPick(g.r, specs)
		}
		return x
	}
	for _, m := range e.Members() {
		if m.Association == nil {
			continue
		}
		to := named(m.Association.To)
		out = append(out, propStep{text: m.Name + "/" + to.QualifiedName(), assoc: m.Name, to: to, forward: true})
	}
	user := g.app.Entity(model.SystemUser)
	for _, mod := range g.app.Modules {
		for _, a := range mod.Associations {
			if a.From == nil || a.To == nil || !e.IsA(a.To) {
				continue
			}
			from := named(a.From)
			rev := ""
			if e.IsA(a.From) || a.From == a.To {
				rev = "[reversed()]"
			}
			out = append(out, propStep{text: a.QualifiedName() + rev + "/" + from.QualifiedName(), to: from})
		}
	}
	if e.IsA(user) {
		for _, x := range g.app.Entities() {
			if x.Module.Name == propModule && x.Member(model.SystemOwner, nil) != nil {
				rev := ""
				if e.Member(model.SystemOwner, nil) != nil {
					rev = "[reversed()]" // else it is e's own System.owner
				}
				out = append(out, propStep{text: model.SystemOwner + rev + "/" + x.QualifiedName(), to: x})
			}
		}
	}
	return out
}

// path writes a condition at entity e reached through prefix (the steps
// walked so far, each followed by '/').
func (g *propCgen) path(e *model.Entity, depth int, prefix string, nsteps int) string {
	steps := g.steps(e)
	attrs := propComparable(e)
	for range 20 {
		switch k := g.r.IntN(100); {
		case k < 40 && len(attrs) > 0:
			return g.attrCond(propPick(g.r, attrs), prefix)
		case k < 55 && len(steps) > 0 && nsteps < 2:
			st := propPick(g.r, steps)
			text := st.text
			if g.pct(20) && depth < 2 {
				text += "[" + g.expr(st.to, depth+1) + "]"
			}
			return g.path(st.to, depth, prefix+text+"/", nsteps+1)
		case k < 70 && len(steps) > 0:
			// existence test, possibly with a filter
			st := propPick(g.r, steps)
			text := prefix + st.text
			if g.pct(40) && depth < 2 {
				text += "[" + g.expr(st.to, depth+1) + "]"
			}
			return text
		case k < 90 && len(steps) > 0:
			// object identity: a path ending at an association or at an
			// entity, compared with a token or empty
			st := propPick(g.r, steps)
			op := propPick(g.r, []string{"=", "!="})
			subject := prefix + st.text
			if st.forward && g.pct(50) {
				subject = prefix + st.assoc
			}
			to := st.to
			if subject == prefix+st.assoc {
				// ends at the association: the entity reached is its end
				for _, m := range e.Members() {
					if m.Name == st.assoc {
						to = m.Association.To
					}
				}
			}
			switch {
			case to.IsA(g.app.Entity(model.SystemUser)) && g.pct(75):
				return subject + " " + op + " '[%CurrentUser%]'"
			case to.IsA(g.app.Entity(model.SystemUserRole)) && g.pct(80):
				return subject + " " + op + " '[%UserRole_" + propPick(g.r, g.userRoles) + "%]'"
			}
			return subject + " " + op + " empty"
		case k >= 90 && prefix != "" && g.pct(50):
			return prefix[:len(prefix)-1] // existence of what the prefix reaches
		}
	}
	if len(attrs) > 0 {
		return g.attrCond(attrs[0], prefix)
	}
	return "true()"
}

// comparable lists the attributes of e a constraint may compare.
func propComparable(e *model.Entity) []*model.Member {
	var out []*model.Member
	for _, m := range e.Members() {
		if m.Attribute != nil && m.Attribute.Type != model.TypeHashString && m.Attribute.Type != model.TypeBinary {
			out = append(out, m)
		}
	}
	return out
}

var (
	propStrings   = []string{"a", "A", "ab", "Apple", "apple", "b", "Zoë", "ß", "x y", "aBc", "ÅNGSTRÖM"}
	propInts      = []int64{-2, 0, 1, 2, 3, 5, 100}
	propDecimals  = []string{"0", "1.5", "-2.25", "3", "10.125"}
	propDatesText = []string{"2024-03-10", "2024-03-09T08:00:00Z", "2024-03-10T12:00:00Z", "2023-12-31T23:30:00+01:00", "2024-01-01"}
)

func (g *propCgen) ops(all bool) string {
	if all {
		return propPick(g.r, []string{"=", "!=", "<", "<=", ">", ">="})
	}
	return propPick(g.r, []string{"=", "!="})
}

func propQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// attrCond compares attribute m (reached through prefix) with a literal,
// or applies a function to it.
func (g *propCgen) attrCond(m *model.Member, prefix string) string {
	a := m.Attribute
	subject := prefix + m.Name
	if g.pct(8) {
		return subject + " " + g.ops(false) + " " + propPick(g.r, []string{"empty", "NULL", "''"})
	}
	switch a.Type {
	case model.TypeString:
		switch g.r.IntN(5) {
		case 0:
			fn := propPick(g.r, []string{"contains", "starts-with", "ends-with"})
			lit := propPick(g.r, propStrings)
			if len([]rune(lit)) > 1 && g.pct(50) {
				lit = string([]rune(lit)[:1])
			}
			return fn + "(" + subject + ", " + propQuote(lit) + ")"
		case 1:
			return "string-length(" + subject + ") " + g.ops(true) + " " + strconv.Itoa(g.r.IntN(4))
		}
		return subject + " " + g.ops(true) + " " + propQuote(propPick(g.r, propStrings))
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		return subject + " " + g.ops(true) + " " + strconv.FormatInt(propPick(g.r, propInts), 10)
	case model.TypeDecimal:
		return subject + " " + g.ops(true) + " " + propPick(g.r, propDecimals)
	case model.TypeBoolean:
		return subject + " " + g.ops(false) + " " + propPick(g.r, []string{"true()", "false()", "'true'"})
	case model.TypeEnumeration:
		return subject + " " + g.ops(false) + " " + propQuote(propPick(g.r, propEnums[a.Enum.Name]))
	case model.TypeDateTime:
		switch g.r.IntN(4) {
		case 0:
			fn := propPick(g.r, []string{"year-from-dateTime", "month-from-dateTime", "day-from-dateTime", "hours-from-dateTime", "weekday-from-dateTime"})
			arg := ""
			if g.pct(30) {
				arg = ", 'UTC'"
			}
			return fn + "(" + subject + arg + ") " + g.ops(true) + " " + strconv.Itoa(propPick(g.r, []int{1, 3, 10, 12, 2024}))
		case 1:
			tok := propPick(g.r, []string{"[%BeginOfCurrentDay%]", "[%CurrentDateTime%]", "[%BeginOfCurrentDay%] - 1 * [%DayLength%]", "[%EndOfCurrentMonth%]", "[%BeginOfCurrentYearUTC%]"})
			return subject + " " + g.ops(true) + " '" + tok + "'"
		}
		return subject + " " + g.ops(true) + " " + propQuote(propPick(g.r, propDatesText))
	}
	return subject + " != empty"
}

// ---- values ----

var propDates = []int64{
	propClock.UnixMilli(),
	propClock.Add(-26 * time.Hour).UnixMilli(),
	propClock.Add(3 * time.Hour).UnixMilli(),
	time.Date(2023, 12, 31, 22, 30, 0, 0, time.UTC).UnixMilli(),
	time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
	time.Date(2024, 3, 9, 23, 45, 0, 0, time.UTC).UnixMilli(),
}

// randValue is a random valid value of attribute a (nil: empty), or, with
// invalid set, a value the store must refuse (nil when a has none).
func propRandValue(r *rand.Rand, a *model.Attribute, invalid bool) any {
	if invalid {
		switch a.Type {
		case model.TypeString:
			if a.Length > 0 {
				return strings.Repeat("z", a.Length+1)
			}
		case model.TypeInteger:
			return int64(1) << 33
		case model.TypeEnumeration:
			return "Purple"
		case model.TypeBoolean:
			return false // Booleans are never empty
		}
		return nil
	}
	if a.Type != model.TypeBoolean && propPct(r, 12) {
		return nil
	}
	switch a.Type {
	case model.TypeString:
		for range 10 {
			s := propPick(r, propStrings)
			if a.Length == 0 || len([]rune(s)) <= a.Length {
				return s
			}
		}
		return "a"
	case model.TypeInteger:
		return propPick(r, propInts)
	case model.TypeLong:
		if propPct(r, 10) {
			return int64(1) << 40
		}
		return propPick(r, propInts)
	case model.TypeDecimal:
		v, _ := new(big.Rat).SetString(propPick(r, propDecimals))
		return v
	case model.TypeBoolean:
		return propPct(r, 50)
	case model.TypeDateTime:
		return propPick(r, propDates)
	case model.TypeEnumeration:
		return propPick(r, propEnums[a.Enum.Name])
	case model.TypeHashString:
		return propPick(r, []string{"secret-1", "secret-2"})
	}
	return nil
}
