package security

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// TestEngineProperties is a differential property test of the entity access
// engine: on random models, users and data, every answer of the engine
// (List, Get, Create, Update, Delete, guarded client constraints) must equal
// the definitions of security.md, computed independently by the reference
// implementation in property_ref_test.go with the reference evaluator
// (xpath.Eval).
//
// It runs on SQLite always and on PostgreSQL when RAMPART_TEST_POSTGRES is
// set (a base URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable;
// each seed gets a fresh schema).
//
// Knobs:
//
//	RAMPART_PROP_SEEDS=N      run N seeds (default propDefaultSeeds), starting
//	                          at 1, or at RAMPART_PROP_SEED when that is set too
//	RAMPART_PROP_SEED=S       run seed S alone (to reproduce a failure)
//	RAMPART_PROP_REDECLARE=1  let specializations declare again the system
//	                          members they inherit (see propRedeclare)
//
// A failure prints the seed, the model's YAML, the user, the object and the
// differing sets; a scenario stops after propMaxFails of them.
//
// Each seed generates a model (property_gen_test.go), users of System.User
// and of a specialization with random user roles, objects with random
// values, owners and links; then it compares every list, object, right and
// value for every user, some gets (mostly of invisible objects), client
// constraints, sorts, searches and pages, then runs random updates, creates
// and deletes, each checked for its outcome, the state it leaves (re-read
// as the system) and the object it returns, and compares everything again.
//
// Where security.md leaves something open or the engine is stricter than
// its letter, the reference follows the engine, deliberately:
//   - "A member given with its current value is not a write" holds only for
//     members the user can read; otherwise a 200 or 403 would tell whether
//     a guessed value is the stored one.
//   - A delete checks the rights on everything a cascade deletes (403)
//     before onDelete prevent (409).
//   - Changing Active or Blocked of oneself is 403 in either direction (the
//     spec names deactivating and blocking).
//   - The anonymous user role is never grantable, so nobody manages a user
//     who holds it.
//   - A rule of a System.User specialization grants nothing on System.User's
//     own members (model.md: such entries have no effect), so they do not
//     count for shows(r) either.
func TestEngineProperties(t *testing.T) {
	seeds := propSeeds(t)
	pg := os.Getenv("RAMPART_TEST_POSTGRES")
	if pg == "" {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL part skipped")
	}
	var generated, skipped atomic.Int64
	var stats propStats
	start := time.Now()
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				generated.Add(1)
				pm, app, diags := genPropModel(seed)
				if app == nil {
					skipped.Add(1)
					t.Skipf("seed %d: generated model does not load:\n%s\n%s", seed, diags, pm.yaml())
				}
				runPropScenario(t, seed, pm, app, "sqlite", "sqlite:"+filepath.Join(t.TempDir(), "app.db"), &stats)
				if pg != "" {
					runPropScenario(t, seed, pm, app, "postgres", store.FreshPostgresSchema(t, pg), &stats)
				}
			})
		}
	})
	if n := generated.Load(); n > 0 && skipped.Load()*5 > n {
		t.Errorf("%d of %d generated models did not load (more than 20%%)", skipped.Load(), n)
	}
	t.Logf("%d seeds (%d models skipped) in %v: %s", generated.Load(), skipped.Load(), time.Since(start).Round(time.Millisecond), stats.String())
}

const propDefaultSeeds = 32

func propSeeds(t *testing.T) []uint64 {
	n, first := uint64(propDefaultSeeds), uint64(1)
	if s := os.Getenv("RAMPART_PROP_SEEDS"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAMPART_PROP_SEEDS: %v", err)
		}
		n = v
	}
	if s := os.Getenv("RAMPART_PROP_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RAMPART_PROP_SEED: %v", err)
		}
		first = v
		if os.Getenv("RAMPART_PROP_SEEDS") == "" {
			n = 1
		}
	}
	var out []uint64
	for i := range n {
		out = append(out, first+i)
	}
	return out
}

// propStats counts what the runs checked.
type propStats struct {
	lists, nonEmpty, objects, gets, constraints, constraintHits atomic.Int64
	mu                                                          sync.Mutex
	outcomes                                                    map[string]int
}

func (s *propStats) outcome(op string, o propOutcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outcomes == nil {
		s.outcomes = map[string]int{}
	}
	s.outcomes[op+" "+string(o)]++
}

func (s *propStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ops []string
	for k, n := range s.outcomes {
		ops = append(ops, fmt.Sprintf("%s: %d", k, n))
	}
	slices.Sort(ops)
	return fmt.Sprintf("%d lists (%d not empty), %d objects judged, %d gets, %d client constraints (%d with results); %s",
		s.lists.Load(), s.nonEmpty.Load(), s.objects.Load(), s.gets.Load(), s.constraints.Load(), s.constraintHits.Load(), strings.Join(ops, ", "))
}

func (pm *propModel) yaml() string {
	return "--- app.yaml\n" + pm.appYAML() + "--- modules/Prop.yaml\n" + pm.moduleYAML()
}

// genPropModel generates the model of a seed. A nil app means it did not
// load (the diagnostics say why).
func genPropModel(seed uint64) (*propModel, *model.App, string) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	pm := propGenSkeleton(r)
	load := func() (*model.App, string) {
		app, diags, err := model.LoadFS(pm.files(), model.Options{Getenv: func(string) (string, bool) { return "", false }})
		if err != nil {
			return nil, err.Error()
		}
		diags = check.Constraints(app, diags)
		var errs []string
		for _, d := range diags {
			if d.Severity == diag.Error {
				errs = append(errs, d.String())
			}
		}
		if len(errs) > 0 {
			return nil, strings.Join(errs, "\n")
		}
		return app, ""
	}
	skel, diags := load()
	if skel == nil {
		return pm, nil, diags
	}
	propGenRules(r, pm, skel)
	app, diags := load()
	return pm, app, diags
}

// ---- one scenario: a model on one store ----

type propScenario struct {
	t      *testing.T
	ctx    context.Context
	seed   uint64
	pm     *propModel
	app    *model.App
	store  string
	e      *Engine
	st     *store.Store
	r      *rand.Rand
	users  []*propUser
	pols   map[*propUser]*propPolicy
	w      *propWorld
	fails  int
	stats  *propStats
	cg     *propCgen
	nextNm int
}

const propMaxFails = 12

// fail reports a mismatch; the first one of a scenario prints the model.
func (s *propScenario) fail(format string, args ...any) {
	s.t.Helper()
	if s.fails == 0 {
		s.t.Errorf("seed %d on %s (reproduce with RAMPART_PROP_SEED=%d): model\n%s", s.seed, s.store, s.seed, s.pm.yaml())
	}
	s.fails++
	s.t.Errorf("seed %d on %s: "+format, append([]any{s.seed, s.store}, args...)...)
	if s.fails >= propMaxFails {
		s.t.FailNow()
	}
}

func runPropScenario(t *testing.T, seed uint64, pm *propModel, app *model.App, name, url string, stats *propStats) {
	ctx := context.Background()
	st, err := store.Open(ctx, url, app, store.Options{})
	if err != nil {
		t.Fatalf("seed %d: %s: %v", seed, name, err)
	}
	defer st.Close()
	e := New(app, st)
	e.SetClock(func() time.Time { return propClock })
	if err := e.SyncUserRoles(ctx); err != nil {
		t.Fatal(err)
	}
	e.SetHooks(Hooks{HashSecret: func(_ *model.Member, _, plain string) (string, error) { return "hash:" + plain, nil }})
	s := &propScenario{t: t, ctx: ctx, seed: seed, pm: pm, app: app, store: name, e: e, st: st,
		r: rand.New(rand.NewPCG(seed, 0xda7a)), pols: map[*propUser]*propPolicy{}, stats: stats}
	s.cg = &propCgen{r: s.r, app: app, userRoles: pm.userRoleNames()}
	s.populate()
	s.reload()
	s.checkAll()
	for range 60 {
		if s.fails > 0 {
			break
		}
		switch k := s.r.IntN(10); {
		case k < 5:
			s.opUpdate()
		case k < 8:
			s.opCreate()
		default:
			s.opDelete()
		}
	}
	if s.fails == 0 {
		s.checkAll()
	}
}

func (s *propScenario) must(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("seed %d on %s: set-up: %v\nmodel:\n%s", s.seed, s.store, err, s.pm.yaml())
	}
}

func (s *propScenario) reload() {
	s.t.Helper()
	w, err := propLoadWorld(s.ctx, s.st, s.app)
	s.must(err)
	s.w = w
}

func (s *propScenario) view(u *propUser) *propView { return s.pols[u].view(s.w, propClock) }

// populate creates users, objects and links as the system.
func (s *propScenario) populate() {
	r, app := s.r, s.app
	user := app.Entity(model.SystemUser)
	userEntities := append([]*model.Entity{user}, user.AllSpecializations()...)
	anon := app.Security.Anonymous.Role
	for i := range 3 + r.IntN(4) {
		u := &propUser{name: fmt.Sprintf("user%d", i+1), entity: propPick(r, userEntities)}
		if anon != nil && propPct(r, 15) {
			// Anonymous users: usually with the anonymous role, sometimes
			// with other roles or none (never managed all the same).
			u.anonymous, u.roles = true, []*model.UserRole{anon}
			switch r.IntN(4) {
			case 0:
				u.roles = nil
			case 1:
				u.roles = propSubset(r, app.Security.UserRoles, 40)
			}
		} else {
			u.roles = propSubset(r, app.Security.UserRoles, 40)
			if len(u.roles) == 0 && propPct(r, 70) {
				u.roles = []*model.UserRole{propPick(r, app.Security.UserRoles)}
			}
		}
		var roleIDs []int64
		for _, ur := range u.roles {
			roleIDs = append(roleIDs, s.e.RoleID(ur.Name))
		}
		vals := map[string]any{"Name": u.name, model.SystemUserRoles: roleIDs, "IsAnonymous": u.anonymous}
		if propPct(r, 15) {
			vals["Blocked"] = true
		}
		for _, m := range u.entity.Members() {
			if m.Attribute != nil && !propIsUserMember(m) && !m.System && m.Attribute.Type != model.TypeAutoNumber && propPct(r, 70) {
				vals[m.Name] = propRandValue(r, m.Attribute, false)
			}
		}
		res, err := s.e.Create(s.ctx, System(), u.entity, vals)
		s.must(err)
		u.id = res.ID
		s.users = append(s.users, u)
	}
	for _, u := range s.users {
		p, err := propNewPolicy(app, u)
		s.must(err)
		s.pols[u] = p
	}
	// Objects of every entity of the module (users aside).
	for _, x := range app.Entities() {
		if x.Module.Name != propModule || x.IsA(user) {
			continue
		}
		for range 2 + r.IntN(4) {
			vals := map[string]any{}
			for _, m := range x.Members() {
				switch {
				case m.Attribute != nil && !m.System && m.Attribute.Type != model.TypeAutoNumber && m.Attribute.Type != model.TypeBinary && propPct(r, 80):
					vals[m.Name] = propRandValue(r, m.Attribute, false)
				case m.Name == model.SystemOwner || m.Name == model.SystemChangedBy:
					if propPct(r, 85) {
						vals[m.Name] = propPick(r, s.users).id
					}
				}
			}
			_, err := s.e.Create(s.ctx, System(), x, vals)
			s.must(err)
		}
	}
	s.reload()
	// Random links, set by the system.
	for _, id := range s.w.ids {
		o := s.w.objs[id]
		if o.Entity.Module.System && !o.Entity.IsA(user) {
			continue
		}
		vals := map[string]any{}
		for _, m := range o.Entity.Members() {
			if m.Association == nil || m.System || m.Name == model.SystemUserRoles || !propPct(r, 75) {
				continue
			}
			targets := s.w.of(m.Association.To)
			if len(targets) == 0 {
				continue
			}
			if m.Association.Type == model.Reference {
				vals[m.Name] = propPick(r, targets)
			} else {
				vals[m.Name] = propSubset(r, targets, 40)
			}
		}
		if len(vals) > 0 {
			_, err := s.e.Update(s.ctx, System(), o.Entity, id, vals)
			s.must(err)
		}
	}
}

// ---- full comparison ----

// listable lists the entities the object API reads.
func (s *propScenario) listable() []*model.Entity {
	var out []*model.Entity
	for _, x := range s.app.Entities() {
		if x.Persistable && !x.IsA(s.app.Entity(model.SystemSession)) {
			out = append(out, x)
		}
	}
	return out
}

// checkAll compares, for every user and entity, the list, each object's
// rights and values, some gets and some client constraints.
func (s *propScenario) checkAll() {
	s.t.Helper()
	for _, u := range s.users {
		v := s.view(u)
		for _, x := range s.listable() {
			s.checkList(u, v, x)
			if s.fails > 0 {
				return
			}
		}
		if _, _, err := s.e.List(s.ctx, u.caller(), s.app.Entity(model.SystemSession), ListOptions{}); !errors.Is(err, ErrNotFound) {
			s.fail("%v: List System.Session: %v, want not found", u, err)
		}
		s.checkGets(u, v)
		s.checkConstraints(u, v)
		s.checkSorts(u, v)
	}
}

func (s *propScenario) checkList(u *propUser, v *propView, x *model.Entity) {
	s.t.Helper()
	s.stats.lists.Add(1)
	res, count, err := s.e.List(s.ctx, u.caller(), x, ListOptions{Count: true})
	if err != nil {
		s.fail("%v: List %s: %v", u, x.QualifiedName(), err)
		return
	}
	var want []int64
	for _, id := range s.w.of(x) {
		if v.visible(id) {
			want = append(want, id)
		}
	}
	got := ids(res)
	if !slices.Equal(got, want) {
		s.fail("%v: List %s returned %v, want the visible objects %v\n%s", u, x.QualifiedName(), got, want, s.explainIDs(v, propSymDiff(got, want)))
		return
	}
	if len(want) > 0 {
		s.stats.nonEmpty.Add(1)
	}
	if count != len(want) {
		s.fail("%v: List %s counted %d, want %d", u, x.QualifiedName(), count, len(want))
	}
	for _, r := range res {
		s.checkResult(u, v, r, "List "+x.QualifiedName())
	}
}

// checkResult compares one returned object with canRead/canWrite/canDelete
// and the values the user may read.
func (s *propScenario) checkResult(u *propUser, v *propView, r *Result, what string) {
	s.t.Helper()
	s.stats.objects.Add(1)
	o := s.w.objs[r.ID]
	if o == nil {
		s.fail("%v: %s returned #%d, which does not exist", u, what, r.ID)
		return
	}
	if r.Entity != o.Entity {
		s.fail("%v: %s: #%d returned as %s, stored as %s", u, what, r.ID, r.Entity.QualifiedName(), o.Entity.QualifiedName())
	}
	if got, want := propNames(r.Readable), v.readable(r.ID); !slices.Equal(got, want) {
		s.fail("%v: %s: readable members of %s\n  engine:    %v\n  reference: %v\n%s", u, what, s.w.describe(r.ID), got, want, s.explainRules(v, r.ID))
		return
	}
	if got, want := propNames(r.Writable), v.writable(r.ID); !slices.Equal(got, want) {
		s.fail("%v: %s: writable members of %s\n  engine:    %v\n  reference: %v\n%s", u, what, s.w.describe(r.ID), got, want, s.explainRules(v, r.ID))
		return
	}
	if r.CanDelete != v.canDelete(r.ID) {
		s.fail("%v: %s: CanDelete of %s is %v, want %v\n%s", u, what, s.w.describe(r.ID), r.CanDelete, !r.CanDelete, s.explainRules(v, r.ID))
		return
	}
	if r.Values.Len() != len(r.Readable) {
		s.fail("%v: %s: %s has values for %v but readable %v", u, what, s.w.describe(r.ID), propKeys(r.Values.Map()), propNames(r.Readable))
	}
	for _, m := range o.Entity.Members() {
		if !v.canRead(r.ID, m.Name) {
			if _, ok := r.Values.Get(m.Name); ok {
				s.fail("%v: %s: unreadable member %s of %s was sent", u, what, m.Name, s.w.describe(r.ID))
			}
			continue
		}
		got, ok := r.Values.Get(m.Name)
		want := v.value(r.ID, m)
		if !ok || !propSameVal(got, want) {
			s.fail("%v: %s: %s of %s is %s, want %s (stored %s)", u, what, m.Name, s.w.describe(r.ID), propShowVal(got), propShowVal(want), propShowVal(o.Values[m.Name]))
		}
	}
}

func propKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func propSymDiff(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// explainIDs describes objects with the rules that apply to them.
func (s *propScenario) explainIDs(v *propView, ids []int64) string {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "  %s (visible: %v)\n%s", s.w.describe(id), v.visible(id), s.explainRules(v, id))
	}
	return b.String()
}

// explainRules lists rules(u,E) of an object with whether each applies.
func (s *propScenario) explainRules(v *propView, id int64) string {
	o := s.w.objs[id]
	if o == nil {
		return ""
	}
	var b strings.Builder
	for i, ok := range v.applies(id) {
		r := v.p.rules[o.Entity][i]
		x := ""
		if r.bound != nil {
			x = " xpath " + r.bound.Source
		}
		fmt.Fprintf(&b, "    %s%s: applies=%v shows=%v delete=%v read=%v write=%v\n", r.name, x, ok, r.shows, r.del, propNames(r.read), propNames(r.write))
	}
	return b.String()
}

// checkGets reads objects by id, through their own entity, a
// generalization, or an unrelated entity, biased towards invisible ones.
func (s *propScenario) checkGets(u *propUser, v *propView) {
	s.t.Helper()
	listable := s.listable()
	for range 12 {
		id := propPick(s.r, s.w.ids)
		if propPct(s.r, 60) {
			var hidden []int64
			for _, y := range s.w.ids {
				if !v.visible(y) {
					hidden = append(hidden, y)
				}
			}
			if len(hidden) > 0 {
				id = propPick(s.r, hidden)
			}
		}
		if propPct(s.r, 5) {
			id = s.w.ids[len(s.w.ids)-1] + 1000
		}
		x := propPick(s.r, listable)
		if o := s.w.objs[id]; o != nil && propPct(s.r, 80) {
			x = o.Entity
			for x.Generalization != nil && propPct(s.r, 40) {
				x = x.Generalization
			}
		}
		s.stats.gets.Add(1)
		res, err := s.e.Get(s.ctx, u.caller(), x, id)
		if !v.visibleAs(id, x) {
			if !errors.Is(err, ErrNotFound) {
				s.fail("%v: Get %s %s: %v, want not found (invisible)\n%s", u, x.QualifiedName(), s.w.describe(id), propErrOrResult(err, res), s.explainRules(v, id))
			}
			continue
		}
		if err != nil {
			s.fail("%v: Get %s %s: %v, want the object\n%s", u, x.QualifiedName(), s.w.describe(id), err, s.explainRules(v, id))
			continue
		}
		s.checkResult(u, v, res, "Get "+x.QualifiedName())
	}
}

func propErrOrResult(err error, r *Result) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("returned #%d with %v", r.ID, propNames(r.Readable))
}

// checkConstraints lists with random client constraints: the result must be
// the visible objects for which the guarded evaluator holds.
func (s *propScenario) checkConstraints(u *propUser, v *propView) {
	s.t.Helper()
	subjects := s.listable()
	for range 10 {
		x := propPick(s.r, subjects)
		text := s.cg.constraint(x)
		b, err := xpath.ParseAndBind(s.app, x, text)
		if err != nil {
			s.t.Fatalf("seed %d: generated client constraint %q on %s does not bind: %v", s.seed, text, x.QualifiedName(), err)
		}
		s.stats.constraints.Add(1)
		res, _, err := s.e.List(s.ctx, u.caller(), x, ListOptions{XPath: text})
		if err != nil {
			s.fail("%v: List %s with client constraint %s: %v", u, x.QualifiedName(), text, err)
			continue
		}
		var want, unguarded []int64
		for _, id := range s.w.of(x) {
			if !v.visible(id) {
				continue
			}
			if xpath.Eval(b, s.w, v, v.env, id) {
				want = append(want, id)
			}
			if xpath.Eval(b, s.w, nil, v.env, id) {
				unguarded = append(unguarded, id)
			}
		}
		if len(want) > 0 {
			s.stats.constraintHits.Add(1)
		}
		if got := ids(res); !slices.Equal(got, want) {
			s.fail("%v: List %s with client constraint %s returned %v, want %v (unguarded it would be %v)\n%s",
				u, x.QualifiedName(), text, got, want, unguarded, s.explainIDs(v, propSymDiff(got, want)))
		}
	}
}

// ---- operations ----

// propOutcome is the expected or actual result class of a write.
type propOutcome string

const (
	propOK        propOutcome = "ok"
	propNotFound  propOutcome = "not found"
	propForbidden propOutcome = "forbidden"
	propInvalid   propOutcome = "invalid"
	propConflict  propOutcome = "conflict"
	propOther     propOutcome = "other error"
)

func propClassify(err error) propOutcome {
	var fb *Forbidden
	var ve *store.ValidationError
	var ce *store.ConflictError
	switch {
	case err == nil:
		return propOK
	case errors.Is(err, ErrNotFound):
		return propNotFound
	case errors.As(err, &fb):
		return propForbidden
	case errors.As(err, &ve):
		return propInvalid
	case errors.As(err, &ce):
		return propConflict
	}
	return propOther
}

// pickObject picks an object for an operation: mostly a visible one.
func (s *propScenario) pickObject(v *propView, keep func(*store.Object) bool) int64 {
	var visible, all []int64
	for _, id := range s.w.ids {
		o := s.w.objs[id]
		if !keep(o) {
			continue
		}
		all = append(all, id)
		if v.visible(id) {
			visible = append(visible, id)
		}
	}
	switch {
	case len(visible) > 0 && propPct(s.r, 70):
		return propPick(s.r, visible)
	case len(all) > 0 && propPct(s.r, 95):
		return propPick(s.r, all)
	}
	return s.w.ids[len(s.w.ids)-1] + 1000
}

// declaredAs picks the entity a request names for object id: its own, a
// generalization, or (rarely) another entity.
func (s *propScenario) declaredAs(id int64) *model.Entity {
	o := s.w.objs[id]
	if o == nil || propPct(s.r, 8) {
		return propPick(s.r, s.listable())
	}
	x := o.Entity
	for x.Generalization != nil && propPct(s.r, 35) {
		x = x.Generalization
	}
	return x
}

// randAssocValue picks a value for association member m of object id
// (cur is the stored value): ids of objects of its target, the current
// value, its visible part, or ids that name no suitable object.
func (s *propScenario) randAssocValue(v *propView, m *model.Member, cur any) any {
	r := s.r
	targets := s.w.of(m.Association.To)
	if cur == nil { // a new object: no link yet
		cur = int64(0)
		if m.Association.Type == model.ReferenceSet {
			cur = []int64{}
		}
	}
	bogus := func() int64 {
		if propPct(r, 50) {
			return s.w.ids[len(s.w.ids)-1] + 1000
		}
		return propPick(r, s.w.ids) // possibly of another entity
	}
	if m.Association.Type == model.Reference {
		switch k := r.IntN(100); {
		case k < 15:
			return int64(0)
		case k < 30:
			return cur
		case k < 40:
			return bogus()
		case len(targets) > 0:
			return propPick(r, targets)
		}
		return int64(0)
	}
	curIDs := propLinkIDs(cur)
	switch k := r.IntN(100); {
	case k < 15:
		return slices.Clone(curIDs)
	case k < 30:
		var vis []int64
		for _, id := range curIDs {
			if v.visibleAs(id, m.Association.To) {
				vis = append(vis, id)
			}
		}
		return vis
	case k < 40:
		return append(propSubset(r, targets, 30), bogus())
	}
	out := propSubset(r, targets, 35)
	if out == nil {
		out = []int64{}
	}
	return out
}

// validValue reports whether the store must accept value v of attribute a
// (required is checked on the whole object by the caller).
func propValidValue(a *model.Attribute, v any) bool {
	if v == nil {
		return !a.Required
	}
	switch a.Type {
	case model.TypeString:
		str := v.(string)
		return (a.Length == 0 || len([]rune(str)) <= a.Length) && !strings.ContainsRune(str, 0)
	case model.TypeInteger:
		i := v.(int64)
		return i >= -1<<31 && i <= 1<<31-1
	case model.TypeEnumeration:
		return a.Enum.Has(v.(string))
	}
	return true
}

// uniqueTaken reports whether another object of a's hierarchy has the
// value of a unique String attribute (compared case-folded).
func (s *propScenario) uniqueTaken(a *model.Attribute, id int64, v any) bool {
	str, ok := v.(string)
	if !ok || !a.Unique {
		return false
	}
	for _, y := range s.w.of(a.Entity) {
		if other, ok := s.w.objs[y].Values[a.Name].(string); ok && y != id && xpath.Fold(other) == xpath.Fold(str) {
			return true
		}
	}
	return false
}

func (s *propScenario) opUpdate() {
	s.t.Helper()
	r := s.r
	u := propPick(r, s.users)
	v := s.view(u)
	id := s.pickObject(v, func(o *store.Object) bool { return !o.Entity.IsA(s.app.Entity(model.SystemSession)) })
	if propPct(r, 50) {
		// Mostly objects the user may write something of.
		var writable []int64
		for _, y := range s.w.ids {
			if len(v.writable(y)) > 0 && v.visible(y) {
				writable = append(writable, y)
			}
		}
		if len(writable) > 0 {
			id = propPick(r, writable)
		}
	}
	x := s.declaredAs(id)
	o := s.w.objs[id]
	vals := map[string]any{}
	var desc []string
	if o != nil {
		var members, writable []*model.Member
		for _, m := range o.Entity.Members() {
			if m.Attribute == nil || m.Attribute.Type != model.TypeBinary {
				members = append(members, m)
				if v.canWrite(id, m.Name) {
					writable = append(writable, m)
				}
			}
		}
		for k := 1 + r.IntN(2); k > 0; k-- {
			m := propPick(r, members)
			if len(writable) > 0 && propPct(r, 65) {
				m = propPick(r, writable)
			}
			cur := o.Values[m.Name]
			var val any
			switch {
			case m.Association != nil:
				val = s.randAssocValue(v, m, cur)
			case propPct(r, 15) && m.Attribute.Type != model.TypeHashString:
				val = cur
			default:
				val = propRandValue(r, m.Attribute, propPct(r, 8))
			}
			if m.Name == "Name" && propIsUserMember(m) && propPct(r, 60) {
				s.nextNm++
				val = fmt.Sprintf("renamed%d", s.nextNm)
			}
			vals[m.Name] = val
		}
		for _, k := range propKeys(vals) {
			desc = append(desc, fmt.Sprintf("%s=%s", k, propShowVal(vals[k])))
		}
	}
	want, reason, eff := s.expectUpdate(u, v, id, x, vals)
	before := s.w
	res, err := s.e.Update(s.ctx, u.caller(), x, id, vals)
	got := propClassify(err)
	s.stats.outcome("update", got)
	what := fmt.Sprintf("Update %s %s with {%s}", x.QualifiedName(), before.describe(id), strings.Join(desc, ", "))
	s.reload()
	if got != want {
		s.fail("%v: %s: %s (%v), want %s (%s)\n%s", u, what, got, err, want, reason, s.explainRules(v, id))
		return
	}
	if got != propOK {
		s.sameWorld(u, what, before, s.w)
		return
	}
	// Expected state: the effective values, stamped when something was
	// written.
	exp := before.clone()
	eo := exp.objs[id]
	for k, val := range eff {
		eo.Values[k] = val
	}
	if len(eff) > 0 {
		for _, m := range eo.Entity.Members() {
			switch {
			case m.System && m.Name == model.MemberChangedDate:
				eo.Values[m.Name] = propClock.UnixMilli()
			case m.Name == model.SystemChangedBy:
				eo.Values[m.Name] = u.id
			}
		}
	}
	exp.index()
	s.sameWorld(u, what, exp, s.w)
	s.checkReturned(u, what, res)
	if roles, ok := eff[model.SystemUserRoles]; ok {
		// A session holds only the user: the next requests of that user
		// come with the new roles.
		for _, w := range s.users {
			if w.id == id {
				w.roles = nil
				for _, ur := range s.app.Security.UserRoles {
					if slices.Contains(propLinkIDs(roles), s.w.roleIDs[ur.Name]) {
						w.roles = append(w.roles, ur)
					}
				}
				p, err := propNewPolicy(s.app, w)
				s.must(err)
				s.pols[w] = p
			}
		}
	}
}

// expectUpdate decides an update by security.md: the propOutcome, why, and the
// values written (member -> stored value after the update).
func (s *propScenario) expectUpdate(u *propUser, v *propView, id int64, x *model.Entity, vals map[string]any) (propOutcome, string, map[string]any) {
	o := s.w.objs[id]
	if !v.visibleAs(id, x) {
		return propNotFound, "the object is not visible as " + x.QualifiedName(), nil
	}
	eff := map[string]any{}
	var forbid []string
	merged := map[string]any{}
	for k, val := range o.Values {
		merged[k] = val
	}
	for _, name := range propKeys(vals) {
		val := vals[name]
		m := o.Entity.Member(name, nil)
		cur := o.Values[name]
		if m.Association != nil {
			// Every id given must name an object the user can see.
			for _, y := range propLinkIDs(val) {
				if !v.visibleAs(y, m.Association.To) {
					forbid = append(forbid, fmt.Sprintf("%s names #%d, which the user cannot see", name, y))
				}
			}
			if m.Association.Type == model.ReferenceSet {
				// Only the visible part is replaced.
				next := slices.Clone(propLinkIDs(val))
				for _, y := range propLinkIDs(cur) {
					if !v.visibleAs(y, m.Association.To) && !slices.Contains(next, y) {
						next = append(next, y)
					}
				}
				slices.Sort(next)
				next = slices.Compact(next)
				if next == nil {
					next = []int64{}
				}
				val = next
			}
		}
		// A member given with its current value is not a write
		// (security.md); the engine takes that shortcut only for members
		// the user can read, so that it cannot be used to probe an
		// unreadable value (see TestEngineProperties).
		isHash := m.Attribute != nil && m.Attribute.Type == model.TypeHashString
		if propSameVal(val, cur) && !isHash && v.canRead(id, name) {
			continue
		}
		if isHash && val != nil {
			val = "hash:" + val.(string)
		}
		eff[name] = val
		merged[name] = val
		if !v.canWrite(id, name) {
			forbid = append(forbid, "no write right on "+name)
			continue
		}
		if ref, ok := cur.(int64); ok && m.Association != nil && ref != 0 && !v.visibleAs(ref, m.Association.To) {
			forbid = append(forbid, name+" refers to an object the user cannot see")
		}
		if o.Entity.IsA(s.app.Entity(model.SystemUser)) {
			self := id == u.id
			if self && (name == model.SystemUserRoles || name == "Active" || name == "Blocked") {
				forbid = append(forbid, "changing "+name+" of oneself")
			}
			if name == model.SystemUserRoles {
				for _, rid := range propLinkIDs(val) {
					if !s.pols[u].grantable[s.w.roleName[rid]] {
						forbid = append(forbid, "granting "+s.w.roleName[rid])
					}
				}
			}
		}
	}
	if len(forbid) > 0 {
		return propForbidden, strings.Join(forbid, "; "), nil
	}
	for name, val := range eff {
		m := o.Entity.Member(name, nil)
		if m.Attribute != nil && !propValidValue(m.Attribute, val) {
			return propInvalid, fmt.Sprintf("%s=%s is not valid", name, propShowVal(val)), nil
		}
	}
	for name, val := range eff {
		m := o.Entity.Member(name, nil)
		if m.Attribute != nil && s.uniqueTaken(m.Attribute, id, val) {
			return propConflict, name + " is taken", nil
		}
	}
	return propOK, "allowed", eff
}

// sameWorld compares a stored state with the expected one.
func (s *propScenario) sameWorld(u *propUser, what string, want, got *propWorld) {
	s.t.Helper()
	if !slices.Equal(want.ids, got.ids) {
		s.fail("%v: after %s the objects are %v, want %v", u, what, got.ids, want.ids)
		return
	}
	for _, id := range want.ids {
		wo, gotObj := want.objs[id], got.objs[id]
		for _, m := range wo.Entity.Members() {
			if !propSameVal(wo.Values[m.Name], gotObj.Values[m.Name]) {
				s.fail("%v: after %s, %s of #%d is %s, want %s", u, what, m.Name, id, propShowVal(gotObj.Values[m.Name]), propShowVal(wo.Values[m.Name]))
				return
			}
		}
	}
}

// checkReturned compares the object a write returns with the reference on
// the stored state: judged afresh, or only id and entity if invisible.
func (s *propScenario) checkReturned(u *propUser, what string, res *Result) {
	s.t.Helper()
	if res == nil {
		s.fail("%v: %s returned no object", u, what)
		return
	}
	v := s.view(u)
	if !v.visible(res.ID) {
		if res.Values.Len() > 0 || len(res.Readable) > 0 {
			s.fail("%v: %s returned values %v of an object the user can no longer see", u, what, propKeys(res.Values.Map()))
		}
		return
	}
	s.checkResult(u, v, res, what+" (returned object)")
}

func (s *propScenario) opCreate() {
	s.t.Helper()
	r := s.r
	u := propPick(r, s.users)
	v := s.view(u)
	var entities, creatable []*model.Entity
	for _, x := range s.listable() {
		if x.Module.Name == propModule || propPct(r, 30) {
			entities = append(entities, x)
		}
		if s.pols[u].canCreate(x) {
			creatable = append(creatable, x)
		}
	}
	x := propPick(r, entities)
	if len(creatable) > 0 && propPct(r, 60) {
		x = propPick(r, creatable)
	}
	vals := map[string]any{}
	for _, m := range x.Members() {
		switch {
		case m.Association == nil && m.Attribute.Type == model.TypeBinary:
		case s.pols[u].newWrite(x, m.Name) && propPct(r, 50):
			// Mostly members the user may write.
			if m.Association != nil {
				vals[m.Name] = s.randAssocValue(v, m, nil)
			} else {
				vals[m.Name] = propRandValue(r, m.Attribute, propPct(r, 8))
			}
		case m.Attribute != nil && m.Attribute.Type == model.TypeBinary:
		case m.Attribute != nil && propIsUserMember(m):
			if m.Name == "Name" {
				s.nextNm++
				vals[m.Name] = fmt.Sprintf("new%d", s.nextNm)
			}
		case m.System || m.Attribute != nil && m.Attribute.Type == model.TypeAutoNumber:
			if propPct(r, 8) {
				if m.Association != nil {
					vals[m.Name] = s.randAssocValue(v, m, nil)
				} else {
					vals[m.Name] = propRandValue(r, m.Attribute, false)
				}
			}
		case m.Association != nil:
			if propPct(r, 45) {
				vals[m.Name] = s.randAssocValue(v, m, nil)
			}
		case propPct(r, 25):
			vals[m.Name] = propRandValue(r, m.Attribute, propPct(r, 5))
		}
	}
	var desc []string
	for _, k := range propKeys(vals) {
		desc = append(desc, fmt.Sprintf("%s=%s", k, propShowVal(vals[k])))
	}
	what := fmt.Sprintf("Create %s {%s}", x.QualifiedName(), strings.Join(desc, ", "))
	want, reason := s.expectCreate(u, v, x, vals)
	before := s.w
	res, err := s.e.Create(s.ctx, u.caller(), x, vals)
	got := propClassify(err)
	s.stats.outcome("create", got)
	s.reload()
	if got != want {
		s.fail("%v: %s: %s (%v), want %s (%s)", u, what, got, err, want, reason)
		return
	}
	if got != propOK {
		s.sameWorld(u, what, before, s.w)
		return
	}
	o := s.w.objs[res.ID]
	if o == nil || o.Entity != x {
		s.fail("%v: %s: the new object #%d is not stored as %s", u, what, res.ID, x.QualifiedName())
		return
	}
	defaults := propDefaults(x, s.app.TimeZone)
	for _, m := range x.Members() {
		want, given := vals[m.Name]
		switch {
		case m.Name == model.SystemOwner || m.Name == model.SystemChangedBy:
			want = u.id
		case m.System:
			want = propClock.UnixMilli()
		case m.Attribute != nil && m.Attribute.Type == model.TypeAutoNumber:
			continue
		case m.Attribute != nil && m.Attribute.Type == model.TypeHashString && want != nil:
			want = "hash:" + want.(string)
		case !given:
			want = defaults[m.Name]
		}
		if !propSameVal(o.Values[m.Name], want) {
			s.fail("%v: %s: %s of the new object is %s, want %s", u, what, m.Name, propShowVal(o.Values[m.Name]), propShowVal(want))
		}
	}
	exp := s.w.clone()
	delete(exp.objs, res.ID)
	exp.index()
	s.sameWorld(u, what+" (other objects)", exp, before)
	s.checkReturned(u, what, res)
}

// propDefaults are the values of a new object's members when none is
// given: the model's defaults, false for Booleans, empty otherwise.
func propDefaults(x *model.Entity, loc *time.Location) map[string]any {
	out := map[string]any{}
	for _, m := range x.Members() {
		switch {
		case m.Attribute == nil:
			if m.Association.Type == model.Reference {
				out[m.Name] = int64(0)
			} else {
				out[m.Name] = []int64{}
			}
		case m.Attribute.Default != nil:
			v, err := store.ParseValue(m.Attribute, m.Attribute.Default.Text, loc)
			if err != nil {
				panic(err)
			}
			out[m.Name] = v
		case m.Attribute.Type == model.TypeBoolean:
			out[m.Name] = false
		default:
			out[m.Name] = nil
		}
	}
	return out
}

// expectCreate decides a create by security.md.
func (s *propScenario) expectCreate(u *propUser, v *propView, x *model.Entity, vals map[string]any) (propOutcome, string) {
	p := s.pols[u]
	if x.IsA(s.app.Entity(model.SystemUser)) {
		return propForbidden, "users are not created through the object API"
	}
	if !p.canCreate(x) {
		return propForbidden, "no create right"
	}
	defaults := propDefaults(x, s.app.TimeZone)
	var forbid []string
	for _, name := range propKeys(vals) {
		val := vals[name]
		m := x.Member(name, nil)
		if m.Association != nil {
			for _, y := range propLinkIDs(val) {
				if !v.visibleAs(y, m.Association.To) {
					forbid = append(forbid, fmt.Sprintf("%s names #%d, which the user cannot see", name, y))
				}
			}
		}
		if propSameVal(val, defaults[name]) {
			continue // the value a new object has anyway: not a write
		}
		if !p.newWrite(x, name) {
			forbid = append(forbid, "no write right on "+name)
		}
	}
	if len(forbid) > 0 {
		return propForbidden, strings.Join(forbid, "; ")
	}
	for _, name := range propKeys(vals) {
		m := x.Member(name, nil)
		if m.Attribute != nil && !propValidValue(m.Attribute, vals[name]) {
			return propInvalid, name + " is not valid"
		}
	}
	return propOK, "allowed"
}

func (s *propScenario) opDelete() {
	s.t.Helper()
	r := s.r
	u := propPick(r, s.users)
	v := s.view(u)
	id := s.pickObject(v, func(o *store.Object) bool { return !o.Entity.IsA(s.app.Entity(model.SystemSession)) })
	x := s.declaredAs(id)
	what := fmt.Sprintf("Delete %s %s", x.QualifiedName(), s.w.describe(id))
	want, reason, plan := s.expectDelete(v, id, x)
	before := s.w
	err := s.e.Delete(s.ctx, u.caller(), x, id)
	got := propClassify(err)
	s.stats.outcome("delete", got)
	s.reload()
	if got != want {
		s.fail("%v: %s: %s (%v), want %s (%s); the store's delete plan: %s\n%s", u, what, got, err, want, reason, s.storePlan(id), s.explainRules(v, id))
		return
	}
	if got != propOK {
		s.sameWorld(u, what, before, s.w)
		return
	}
	exp := before.clone()
	for _, y := range plan {
		delete(exp.objs, y)
	}
	for _, o := range exp.objs {
		for _, m := range o.Entity.Members() {
			switch val := o.Values[m.Name].(type) {
			case int64:
				if m.Association != nil && slices.Contains(plan, val) {
					o.Values[m.Name] = int64(0)
				}
			case []int64:
				o.Values[m.Name] = slices.DeleteFunc(val, func(y int64) bool { return slices.Contains(plan, y) })
			}
		}
	}
	exp.index()
	s.sameWorld(u, what, exp, s.w)
}

// expectDelete decides a delete by security.md and model.md (onDelete): the
// propOutcome, why, and the objects deleted.
func (s *propScenario) expectDelete(v *propView, id int64, x *model.Entity) (propOutcome, string, []int64) {
	user := s.app.Entity(model.SystemUser)
	if !v.visibleAs(id, x) {
		return propNotFound, "not visible as " + x.QualifiedName(), nil
	}
	o := s.w.objs[id]
	if o.Entity.IsA(user) {
		return propForbidden, "users are not deleted through the object API", nil
	}
	if !v.canDelete(id) {
		return propForbidden, "no delete right", nil
	}
	// The plan: the object and, through onDelete cascade, the objects
	// referring to it, recursively. References to users are only cleared.
	plan := []int64{id}
	var prevented []int64
	for i := 0; i < len(plan); i++ {
		y := s.w.objs[plan[i]]
		if y.Entity.IsA(user) {
			continue
		}
		for a, back := range s.w.back {
			if a.OnDelete == model.DeleteKeep || !y.Entity.IsA(a.To) {
				continue
			}
			for _, ref := range back[y.ID] {
				switch {
				case a.OnDelete == model.DeletePrevent:
					prevented = append(prevented, ref)
				case !slices.Contains(plan, ref):
					plan = append(plan, ref)
				}
			}
		}
	}
	// The rights on the whole plan (403) are judged before onDelete
	// prevent (409); security.md does not order the two.
	for _, y := range plan[1:] {
		switch {
		case s.w.objs[y].Entity.IsA(user):
			return propForbidden, fmt.Sprintf("the cascade reaches user #%d, and users are not deleted through the object API", y), nil
		case !v.visible(y) || !v.canDelete(y):
			return propForbidden, fmt.Sprintf("the cascade reaches #%d, which the user may not delete", y), nil
		}
	}
	for _, ref := range prevented {
		if !slices.Contains(plan, ref) {
			return propConflict, fmt.Sprintf("#%d refers to it (onDelete prevent)", ref), nil
		}
	}
	return propOK, "allowed", plan
}

// storePlan describes what the store would delete with object id.
func (s *propScenario) storePlan(id int64) string {
	var out string
	s.st.Read(s.ctx, func(tx *store.Tx) error {
		o := s.w.objs[id]
		if o == nil {
			out = "no object"
			return nil
		}
		plan, err := s.st.DeletePlan(s.ctx, tx, o)
		if err != nil {
			out = err.Error()
			return nil
		}
		var ids []int64
		for _, p := range plan {
			ids = append(ids, p.ID)
		}
		out = fmt.Sprint(ids)
		return nil
	})
	return out
}

// checkSorts lists with random client sorts, searches and pages: a member
// the user cannot read sorts as empty, and a search matches only readable
// members (security.md, "Client constraints and sorting").
func (s *propScenario) checkSorts(u *propUser, v *propView) {
	s.t.Helper()
	r := s.r
	subjects := s.listable()
	for range 4 {
		x := propPick(r, subjects)
		var sortable, strs []*model.Member
		for _, m := range propComparable(x) {
			sortable = append(sortable, m)
			if m.Attribute.Type == model.TypeString {
				strs = append(strs, m)
			}
		}
		var o ListOptions
		for k := 1 + r.IntN(2); k > 0; k-- {
			key := SortKey{Member: "id", Desc: propPct(r, 50)}
			if len(sortable) > 0 && propPct(r, 90) {
				key.Member = propPick(r, sortable).Name
			}
			o.Sort = append(o.Sort, key)
		}
		if len(strs) > 0 && propPct(r, 40) {
			o.Search = propPick(r, []string{"a", "B", "pp", "ß", "SS", "x y", "ö"})
			for _, m := range propSubset(r, strs, 60) {
				o.SearchMembers = append(o.SearchMembers, m.Name)
			}
		}
		var want []int64
		for _, id := range s.w.of(x) {
			if v.visible(id) && s.searchHolds(v, id, o) {
				want = append(want, id)
			}
		}
		slices.SortStableFunc(want, func(a, b int64) int { return s.sortCompare(v, x, o.Sort, a, b) })
		if propPct(r, 30) {
			o.Offset, o.Limit = r.IntN(3), 1+r.IntN(3)
			want = want[min(o.Offset, len(want)):min(o.Offset+o.Limit, len(want))]
		}
		res, _, err := s.e.List(s.ctx, u.caller(), x, o)
		if err != nil {
			s.fail("%v: List %s sorted %v: %v", u, x.QualifiedName(), o.Sort, err)
			continue
		}
		if got := ids(res); !slices.Equal(got, want) {
			var b strings.Builder
			for _, id := range want {
				fmt.Fprintf(&b, "  #%d:", id)
				for _, k := range o.Sort {
					fmt.Fprintf(&b, " %s=%s", k.Member, propShowVal(s.sortKey(v, x, k.Member, id)))
				}
				b.WriteString("\n")
			}
			s.fail("%v: List %s sorted %v, search %q in %v, offset %d limit %d: %v, want %v\n%s", u, x.QualifiedName(), o.Sort, o.Search, o.SearchMembers, o.Offset, o.Limit, got, want, b.String())
		}
	}
}

// searchHolds: no search, or the search text is contained (case-folded)
// in some searched member the user can read.
func (s *propScenario) searchHolds(v *propView, id int64, o ListOptions) bool {
	if o.Search == "" || len(o.SearchMembers) == 0 {
		return true
	}
	for _, name := range o.SearchMembers {
		str, ok := s.w.objs[id].Values[name].(string)
		if ok && v.canRead(id, name) && strings.Contains(xpath.Fold(str), xpath.Fold(o.Search)) {
			return true
		}
	}
	return false
}

// sortKey is the value an object sorts by: nil (empty) where the user
// cannot read the member.
func (s *propScenario) sortKey(v *propView, x *model.Entity, member string, id int64) any {
	if member == "id" {
		return id
	}
	if !v.canRead(id, member) {
		return nil
	}
	val := s.w.objs[id].Values[member]
	switch a := x.Member(member, nil).Attribute; {
	case val == nil:
	case a.Type == model.TypeString:
		val = xpath.Fold(val.(string))
	case a.Type == model.TypeEnumeration:
		val = strings.ToLower(val.(string))
	}
	return val
}

// sortCompare orders two objects by the keys: empty first ascending and
// last descending, ties by ascending id.
func (s *propScenario) sortCompare(v *propView, x *model.Entity, keys []SortKey, a, b int64) int {
	for _, k := range keys {
		ka, kb := s.sortKey(v, x, k.Member, a), s.sortKey(v, x, k.Member, b)
		var c int
		switch {
		case ka == nil && kb == nil:
		case ka == nil:
			c = -1
		case kb == nil:
			c = 1
		default:
			c = propCompareValues(ka, kb)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(a, b)
}

// propCompareValues orders two non-empty values of one type; strings by
// code point.
func propCompareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case int64:
		return cmp.Compare(a, b.(int64))
	case *big.Rat:
		return a.Cmp(b.(*big.Rat))
	case bool:
		switch {
		case a == b.(bool):
			return 0
		case !a:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("cannot compare %T", a))
}
