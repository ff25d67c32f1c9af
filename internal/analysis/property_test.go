package analysis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// TestOverviewAgreesWithEngine is a property test of the overview: on
// random small models and data, what the overview says a user role may do
// with each member of each entity is what the security engine does.
//
// For each user role (one user holding it) and entity, on every object:
//   - a right the overview gives on all objects holds on every object, and
//     every object is visible;
//   - a right the overview gives under no condition never holds;
//   - a right the overview gives under conditions holds on a visible object
//     exactly when one of the conditions holds (evaluated in memory with
//     xpath.Eval), and no condition holds on an invisible object (a rule
//     that grants a right also makes the object visible).
//
// Read, write (Result.Readable, Result.Writable) and delete
// (Result.CanDelete) are checked. RAMPART_PROP_SEEDS=N runs N seeds
// (default 40); a failure names the seed and prints the model.
func TestOverviewAgreesWithEngine(t *testing.T) {
	seeds := 40
	if s := os.Getenv("RAMPART_PROP_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		seeds = n
	}
	if testing.Short() {
		seeds = 8
	}
	var st propStats
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { propCheck(t, uint64(seed), &st) })
	}
	t.Logf("%d seeds: %d rights compared on objects; conditional rights held on %d and not on %d", seeds, st.compared, st.condTrue, st.condFalse)
	// The test is only worth something when conditions go both ways.
	if !t.Failed() && (st.condTrue == 0 || st.condFalse == 0) {
		t.Errorf("the generated conditions never held or always held: %+v", st)
	}
}

type propStats struct{ compared, condTrue, condFalse int }

// propModel generates a model: module Prop with module roles R1..R3, user
// roles U1..U3, entities E1..En with a String, an Integer and a Boolean,
// an owner reference to System.User and a reference to the next entity,
// and random rules whose constraints combine comparisons, association
// paths, 'or', 'and' and 'not'.
func propModel(r *rand.Rand) fstest.MapFS {
	nEnt := 2 + r.IntN(2)
	var app strings.Builder
	app.WriteString("name: Prop\nsecurity:\n  adminUser: {name: keeper, role: U1}\n  userRoles:\n")
	for u := 1; u <= 3; u++ {
		var mrs []string
		for m := 1; m <= 3; m++ {
			if r.IntN(2) == 0 {
				mrs = append(mrs, fmt.Sprintf("Prop.R%d", m))
			}
		}
		if len(mrs) == 0 {
			mrs = append(mrs, fmt.Sprintf("Prop.R%d", 1+r.IntN(3)))
		}
		fmt.Fprintf(&app, "    U%d:\n      moduleRoles: [System.User, %s]\n", u, strings.Join(mrs, ", "))
	}
	var mod strings.Builder
	mod.WriteString("module: Prop\nroles:\n  R1: one\n  R2: two\n  R3: three\nentities:\n")
	for e := 1; e <= nEnt; e++ {
		next := e%nEnt + 1
		fmt.Fprintf(&mod, "  E%d:\n    attributes:\n      S: {type: String, length: 10}\n      N: {type: Integer}\n      B: {type: Boolean}\n    access:\n", e)
		for k := 1 + r.IntN(4); k > 0; k-- {
			var roles []string
			for m := 1; m <= 3; m++ {
				if r.IntN(3) == 0 {
					roles = append(roles, fmt.Sprintf("R%d", m))
				}
			}
			if len(roles) == 0 {
				roles = append(roles, fmt.Sprintf("R%d", 1+r.IntN(3)))
			}
			fmt.Fprintf(&mod, "      - roles: [%s]\n", strings.Join(roles, ", "))
			if x := propXPath(r, e, next); x != "" {
				fmt.Fprintf(&mod, "        xpath: %q\n", x)
			}
			del := r.IntN(3) == 0
			if del {
				mod.WriteString("        delete: true\n")
			}
			var members []string
			for _, m := range []string{"S", "N", "B", fmt.Sprintf("E%d_Owner", e), fmt.Sprintf("E%d_Next", e)} {
				switch r.IntN(4) {
				case 1:
					members = append(members, m+": ReadOnly")
				case 2:
					members = append(members, m+": ReadWrite")
				}
			}
			switch {
			case len(members) > 0:
				fmt.Fprintf(&mod, "        members: {%s}\n", strings.Join(members, ", "))
			case r.IntN(2) == 0 || !del:
				fmt.Fprintf(&mod, "        defaultMemberAccess: %s\n", []string{"ReadOnly", "ReadWrite"}[r.IntN(2)])
			}
		}
	}
	mod.WriteString("associations:\n")
	for e := 1; e <= nEnt; e++ {
		fmt.Fprintf(&mod, "  E%d_Owner: {from: E%d, to: System.User}\n  E%d_Next: {from: E%d, to: E%d}\n", e, e, e, e, e%nEnt+1)
	}
	return fstest.MapFS{
		"app.yaml":          {Data: []byte(app.String())},
		"modules/Prop.yaml": {Data: []byte(mod.String())},
	}
}

// propXPath is a random constraint on entity e ("" for none).
func propXPath(r *rand.Rand, e, next int) string {
	atom := func() string {
		switch r.IntN(10) {
		case 0:
			return fmt.Sprintf("Prop.E%d_Owner = '[%%CurrentUser%%]'", e)
		case 1:
			return fmt.Sprintf("Prop.E%d_Owner = empty", e)
		case 2:
			return fmt.Sprintf("N %s %d", []string{"=", "!=", "<", ">="}[r.IntN(4)], r.IntN(4))
		case 3:
			return []string{"B = true()", "B = false()", "B != true()"}[r.IntN(3)]
		case 4:
			return []string{"S = 'a'", "S = empty", "contains(S, 'b')", "starts-with(S, 'a')"}[r.IntN(4)]
		case 5:
			return fmt.Sprintf("Prop.E%d_Next/Prop.E%d/N > %d", e, next, r.IntN(3))
		case 6:
			return fmt.Sprintf("Prop.E%d_Next = empty", e)
		case 7:
			return fmt.Sprintf("Prop.E%d_Next/Prop.E%d/Prop.E%d_Owner = '[%%CurrentUser%%]'", e, next, next)
		case 8:
			return "id != empty"
		}
		return "N = empty"
	}
	switch r.IntN(7) {
	case 0, 1:
		return ""
	case 2:
		return "[" + atom() + "][" + atom() + "]"
	case 3:
		return "[" + atom() + " or " + atom() + "]"
	case 4:
		return "[not(" + atom() + ")]"
	}
	return "[" + atom() + "]"
}

// propData is the stored objects, for the reference evaluator.
type propData struct {
	types map[int64]*model.Entity
	vals  map[int64]map[string]any
}

func (d *propData) Type(id int64) *model.Entity { return d.types[id] }

func (d *propData) Attr(id int64, a *model.Attribute) any {
	v := d.vals[id][a.Name]
	if a.Type == model.TypeBoolean && v == nil {
		return false
	}
	return v
}

func (d *propData) Linked(id int64, a *model.Association, forward bool) []int64 {
	if forward {
		if ref, _ := d.vals[id][a.QualifiedName()].(int64); ref != 0 {
			return []int64{ref}
		}
		return nil
	}
	var out []int64
	for o, vals := range d.vals {
		if d.types[o].IsA(a.From) {
			if ref, _ := vals[a.QualifiedName()].(int64); ref == id {
				out = append(out, o)
			}
		}
	}
	slices.Sort(out)
	return out
}

var propNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// propCheck runs one seed.
func propCheck(t *testing.T, seed uint64, stats *propStats) {
	r := rand.New(rand.NewPCG(seed, 0xa11))
	files := propModel(r)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("seed %d: "+format+"\nmodel:\n%s\n%s", append(append([]any{seed}, args...), files["app.yaml"].Data, files["modules/Prop.yaml"].Data)...)
	}
	app, _ := loadFS(t, files)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "app.db"), app, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng := security.New(app, st)
	eng.SetClock(func() time.Time { return propNow })
	if err := eng.SyncUserRoles(ctx); err != nil {
		t.Fatal(err)
	}

	// One user per user role.
	users := map[string]int64{}
	userEntity := app.Entity(model.SystemUser)
	for _, ur := range app.Security.UserRoles {
		res, err := eng.Create(ctx, security.System(), userEntity, map[string]any{"Name": "user_" + ur.Name, model.SystemUserRoles: []int64{eng.RoleID(ur.Name)}})
		if err != nil {
			t.Fatal(err)
		}
		users[ur.Name] = res.ID
	}
	userIDs := []int64{0}
	for _, id := range users {
		userIDs = append(userIDs, id)
	}
	slices.Sort(userIDs)

	// Objects with random values, then random references to the next
	// entity.
	var entities []*model.Entity
	for _, e := range app.Entities() {
		if e.Module.Name == "Prop" {
			entities = append(entities, e)
		}
	}
	objects := map[*model.Entity][]int64{}
	pick := func(xs ...any) any { return xs[r.IntN(len(xs))] }
	for _, e := range entities {
		for range 6 {
			vals := map[string]any{
				"S": pick(nil, "a", "ab", "b", "ba"),
				"N": pick(nil, int64(0), int64(1), int64(2), int64(3)),
				"B": pick(true, false),
			}
			if u := userIDs[r.IntN(len(userIDs))]; u != 0 {
				vals["Prop."+e.Name+"_Owner"] = u
			}
			res, err := eng.Create(ctx, security.System(), e, vals)
			if err != nil {
				t.Fatal(err)
			}
			objects[e] = append(objects[e], res.ID)
		}
	}
	for i, e := range entities {
		next := entities[(i+1)%len(entities)]
		for _, id := range objects[e] {
			if r.IntN(4) == 0 {
				continue
			}
			to := objects[next][r.IntN(len(objects[next]))]
			if _, err := eng.Update(ctx, security.System(), e, id, map[string]any{"Prop." + e.Name + "_Next": to}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// What is stored, as the reference evaluator's data.
	data := &propData{types: map[int64]*model.Entity{}, vals: map[int64]map[string]any{}}
	for _, e := range append(slices.Clone(entities), userEntity) {
		rs, _, err := eng.List(ctx, security.System(), e, security.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rs {
			data.types[o.ID], data.vals[o.ID] = o.Entity, o.Values.Map()
		}
	}

	ov := analysis.BuildOverview(app, eng, "")
	bound := map[string]*xpath.Bound{}
	for _, ro := range ov.UserRoles {
		ur := app.UserRole(ro.Name)
		uid := users[ro.Name]
		caller := security.User(uid, []*model.UserRole{ur}, false)
		env := &xpath.Env{Now: propNow, Location: app.TimeZone, CurrentUser: uid, UserRole: eng.RoleID}
		for _, e := range entities {
			var eo *analysis.EntityOverview
			for i := range ro.Entities {
				if ro.Entities[i].Entity == e.QualifiedName() {
					eo = &ro.Entities[i]
				}
			}
			rs, _, err := eng.List(ctx, caller, e, security.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			visible := map[int64]*security.Result{}
			for _, res := range rs {
				visible[res.ID] = res
			}
			if eo == nil {
				if len(rs) > 0 {
					fail("%s has no rules on %s in the overview, but sees %d objects", ro.Name, e.Name, len(rs))
				}
				continue
			}
			// holds evaluates a right's conditions on object id.
			holds := func(cs []analysis.Cond, id int64) bool {
				for _, c := range cs {
					if c.All {
						return true
					}
					b := bound[e.Name+c.XPath]
					if b == nil {
						b, err = xpath.ParseAndBind(app, e, c.XPath)
						if err != nil {
							t.Fatalf("seed %d: %s: %v", seed, c.XPath, err)
						}
						bound[e.Name+c.XPath] = b
					}
					if xpath.Eval(b, data, nil, env, id) {
						return true
					}
				}
				return false
			}
			check := func(what string, cs []analysis.Cond, id int64, got func(*security.Result) bool) {
				stats.compared++
				want := holds(cs, id)
				if len(cs) > 0 && !cs[0].All {
					if want {
						stats.condTrue++
					} else {
						stats.condFalse++
					}
				}
				res, ok := visible[id]
				switch {
				case len(cs) == 1 && cs[0].All && !ok:
					fail("%s: %s %s of %s on all objects says the overview, but object %d is invisible", ro.Name, what, e.Name, describe(cs), id)
				case ok && got(res) != want:
					fail("%s: %s on %s object %d: engine %v, overview conditions %s give %v", ro.Name, what, e.Name, id, got(res), describe(cs), want)
				case !ok && want:
					fail("%s: %s on %s object %d: invisible, but the overview's conditions %s hold", ro.Name, what, e.Name, id, describe(cs))
				}
			}
			for _, id := range objects[e] {
				check("delete", eo.Delete, id, func(res *security.Result) bool { return res.CanDelete })
				for _, m := range eo.Members {
					check("read "+m.Member, m.Read, id, func(res *security.Result) bool { return res.Readable[m.Member] })
					check("write "+m.Member, m.Write, id, func(res *security.Result) bool { return res.Writable[m.Member] })
				}
			}
		}
	}
}

func describe(cs []analysis.Cond) string {
	if len(cs) == 0 {
		return "(none)"
	}
	var parts []string
	for _, c := range cs {
		if c.All {
			parts = append(parts, "all")
		} else {
			parts = append(parts, c.XPath)
		}
	}
	return strings.Join(parts, " or ")
}
