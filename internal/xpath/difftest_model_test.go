package xpath_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// Random models for the differential tests: one module (Diff) beside the
// System module, written as YAML and loaded by model.LoadFS, so the tests go
// through the same loader as real apps.

// diffZones are the app time zones the generator picks from: all with DST
// or odd offsets (non-whole hours, DST at midnight, 30-minute DST shifts).
var diffZones = []string{
	"Europe/Amsterdam",
	"America/St_Johns",    // -03:30, DST -02:30 (and -01:30 in 1988)
	"Asia/Kathmandu",      // +05:45 (+05:30 before 1986)
	"Australia/Lord_Howe", // +10:30, DST +11:00 (a 30-minute shift)
	"America/Santiago",    // DST changes at midnight: some days have no 00:00
	"Pacific/Chatham",     // +12:45 / +13:45
	"America/Sao_Paulo",   // DST at midnight until 2019
}

const diffModule = "Diff"

// diffRoles are the user roles of every generated model.
var diffRoles = []string{"Administrator", "Clerk", "Viewer_2"}

type genAttr struct {
	name   string
	typ    model.AttrType
	length int    // String only; 0 = unlimited
	enum   string // Enumeration only (local name)
}

type genEntity struct {
	name   string
	gen    string // qualified generalization, or ""
	system []string
	attrs  []genAttr
}

type genAssoc struct {
	name, from, to string // from/to: local names or qualified System names
	typ            model.AssocType
}

type genModel struct {
	zone     string
	entities []*genEntity
	assocs   []genAssoc
	enums    map[string][]string
	files    fstest.MapFS
}

var diffEnums = map[string][]string{
	"Color": {"Red", "Green", "blue", "Blue_2", "_x"},
	"Size":  {"S", "M", "L", "XL", "xxl"},
}

// genDiffModel writes a random model.
func genDiffModel(r *rand.Rand) *genModel {
	g := &genModel{zone: diffZones[r.IntN(len(diffZones))], enums: diffEnums}
	if r.IntN(10) == 0 {
		g.zone = "" // the default, UTC
	}
	attrN := 0
	newAttr := func(t model.AttrType) genAttr {
		attrN++
		prefix := map[model.AttrType]string{
			model.TypeString: "S", model.TypeInteger: "I", model.TypeLong: "L", model.TypeDecimal: "D",
			model.TypeBoolean: "B", model.TypeDateTime: "T", model.TypeEnumeration: "En", model.TypeAutoNumber: "N",
		}[t]
		a := genAttr{name: fmt.Sprintf("%s%d", prefix, attrN), typ: t}
		switch t {
		case model.TypeString:
			a.length = []int{3, 5, 8, 20, 0}[r.IntN(5)]
		case model.TypeEnumeration:
			a.enum = []string{"Color", "Size"}[r.IntN(2)]
		}
		return a
	}
	types := []model.AttrType{model.TypeString, model.TypeInteger, model.TypeLong, model.TypeDecimal,
		model.TypeBoolean, model.TypeDateTime, model.TypeEnumeration, model.TypeAutoNumber}
	n := 3 + r.IntN(4)
	for i := 1; i <= n; i++ {
		e := &genEntity{name: fmt.Sprintf("E%d", i)}
		if i > 1 && r.IntN(5) < 2 {
			e.gen = diffModule + "." + g.entities[r.IntN(len(g.entities))].name
		}
		for _, s := range []struct {
			name string
			p    int
		}{{"owner", 40}, {"changedBy", 20}, {"createdDate", 35}, {"changedDate", 20}} {
			if r.IntN(100) < s.p {
				e.system = append(e.system, s.name)
			}
		}
		g.entities = append(g.entities, e)
	}
	// Often two sibling specializations that declare System.owner (or
	// changedBy) themselves: they share one column.
	if r.IntN(2) == 0 {
		base := g.entities[r.IntN(len(g.entities))]
		member := []string{"owner", "changedBy"}[r.IntN(2)]
		base.system = slices.DeleteFunc(base.system, func(s string) bool { return s == member })
		for range 2 {
			e := &genEntity{name: fmt.Sprintf("E%d", len(g.entities)+1), gen: diffModule + "." + base.name, system: []string{member}}
			g.entities = append(g.entities, e)
		}
		n += 2
	}
	// Every comparable type at least once, then some more at random.
	for _, t := range types {
		e := g.entities[r.IntN(len(g.entities))]
		e.attrs = append(e.attrs, newAttr(t))
	}
	for _, e := range g.entities {
		for k := r.IntN(4); k > 0 || len(e.attrs) == 0; k-- {
			e.attrs = append(e.attrs, newAttr(types[r.IntN(len(types))]))
		}
	}
	users := []string{"Account"}
	acc := &genEntity{name: "Account", gen: model.SystemUser}
	acc.attrs = append(acc.attrs, newAttr(model.TypeString), newAttr(types[r.IntN(len(types))]))
	g.entities = append(g.entities, acc)
	if r.IntN(2) == 0 {
		robot := &genEntity{name: "Robot", gen: model.SystemUser}
		robot.attrs = append(robot.attrs, newAttr(types[r.IntN(len(types))]))
		g.entities = append(g.entities, robot)
		users = append(users, "Robot")
	}

	// Associations: at least one self-association, one ReferenceSet and one
	// to a user entity, then random ones.
	plain := g.entities[:n]
	pick := func() string { return plain[r.IntN(len(plain))].name }
	toAny := func() string {
		switch k := r.IntN(10); {
		case k < 7:
			return pick()
		case k < 8:
			return []string{model.SystemUser, model.SystemUserRole}[r.IntN(2)]
		default:
			return users[r.IntN(len(users))]
		}
	}
	assocType := func() model.AssocType {
		if r.IntN(5) < 2 {
			return model.ReferenceSet
		}
		return model.Reference
	}
	self := pick()
	add := func(from, to string, t model.AssocType) {
		short := func(s string) string { return strings.ReplaceAll(s, "System.", "Sys") }
		g.assocs = append(g.assocs, genAssoc{name: fmt.Sprintf("A%d_%s_%s", len(g.assocs)+1, short(from), short(to)), from: from, to: to, typ: t})
	}
	add(self, self, assocType())
	add(pick(), pick(), model.ReferenceSet)
	add(pick(), users[r.IntN(len(users))], assocType())
	for k := 1 + r.IntN(5); k > 0; k-- {
		from := pick()
		if r.IntN(8) == 0 {
			from = users[r.IntN(len(users))]
		}
		to := toAny()
		if r.IntN(6) == 0 {
			to = from
		}
		add(from, to, assocType())
	}
	g.files = fstest.MapFS{
		"app.yaml":                        {Data: []byte(g.appYAML())},
		"modules/" + diffModule + ".yaml": {Data: []byte(g.moduleYAML())},
	}
	return g
}

func (g *genModel) appYAML() string {
	var b strings.Builder
	b.WriteString("name: Diff\n")
	if g.zone != "" {
		fmt.Fprintf(&b, "timeZone: %s\n", g.zone)
	}
	b.WriteString("security:\n  level: production\n")
	b.WriteString("  adminUser: {name: admin, role: Administrator}\n  userRoles:\n")
	b.WriteString("    Administrator:\n      moduleRoles: [System.Administrator, Diff.Admin]\n      manageableRoles: all\n")
	b.WriteString("    Clerk:\n      moduleRoles: [System.User, Diff.Clerk]\n")
	b.WriteString("    Viewer_2:\n      moduleRoles: [System.User, Diff.Clerk]\n")
	return b.String()
}

func (g *genModel) moduleYAML() string {
	var b strings.Builder
	b.WriteString("module: Diff\nroles:\n  Admin: Administrators\n  Clerk: Clerks\n")
	b.WriteString("enumerations:\n")
	for _, name := range []string{"Color", "Size"} {
		fmt.Fprintf(&b, "  %s: [%s]\n", name, strings.Join(g.enums[name], ", "))
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
			b.WriteString("}\n")
		}
		b.WriteString("    access:\n      - roles: [Admin]\n        defaultMemberAccess: ReadOnly\n")
	}
	b.WriteString("associations:\n")
	for _, a := range g.assocs {
		fmt.Fprintf(&b, "  %s: {from: %s, to: %s, type: %s}\n", a.name, a.from, a.to, a.typ)
	}
	return b.String()
}

// loadDiffApp loads a model from files and fails on any error diagnostic.
func loadDiffApp(t testing.TB, files fstest.MapFS) *model.App {
	t.Helper()
	app, diags, err := model.LoadFS(files, model.Options{Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatalf("load model: %v", err)
	}
	var errs []string
	for _, d := range diags {
		if d.Severity == diag.Error {
			errs = append(errs, d.String())
		}
	}
	if len(errs) > 0 {
		t.Fatalf("model has errors:\n%s\n--- app.yaml\n%s\n--- module\n%s", strings.Join(errs, "\n"),
			files["app.yaml"].Data, files["modules/"+diffModule+".yaml"].Data)
	}
	return app
}
