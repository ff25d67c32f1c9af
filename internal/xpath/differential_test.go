package xpath_test

// Differential tests: a constraint must mean the same thing in the reference
// evaluator (xpath.Eval), in SQLite and in PostgreSQL (xpath.md, "the core
// guarantee"). TestDifferential generates random models (one module beside
// System), random data and random constraints (as text), and compares, for
// every constraint, the objects selected by the three, plain and in guarded
// mode (client constraints, security.md). TestDifferentialRegressions runs
// the cases in testdata/differential/*.txt (format: see loadRegression).
//
// Knobs (environment variables):
//
//	RAMPART_TEST_POSTGRES      PostgreSQL URL, e.g.
//	                           postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	                           Each run works in schemas of its own, dropped at the end.
//	                           Unset: evaluator vs SQLite only (logged, not a failure).
//	RAMPART_DIFF_SEEDS=N       number of random models (default 8)
//	RAMPART_DIFF_SEED=S        first seed (default 1); seeds S … S+N-1 are run
//	RAMPART_DIFF_CONSTRAINTS=N constraints per model (default 200); each is
//	                           checked plain and guarded
//	RAMPART_DIFF_DUMP=DIR      where reproductions of mismatches are written
//	                           (default: the system's temporary directory)
//
// A mismatch prints the seed, the constraint, the SQL with its arguments and
// the differing objects with their values, then shrinks the data and writes a
// self-contained reproduction in the regression format.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/xpath"
)

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative number", name, s)
	}
	return n
}

// openDiffPG connects to RAMPART_TEST_POSTGRES, or returns nil.
func openDiffPG(t *testing.T) *pgServer {
	url := os.Getenv("RAMPART_TEST_POSTGRES")
	if url == "" {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL is SKIPPED, comparing the evaluator with SQLite only")
		return nil
	}
	ctx := context.Background()
	pg, err := openPGServer(ctx, url)
	if err != nil {
		t.Fatalf("PostgreSQL (RAMPART_TEST_POSTGRES): %v", err)
	}
	t.Cleanup(func() { pg.close(context.Background()) })
	return pg
}

func TestDifferential(t *testing.T) {
	seeds := envInt(t, "RAMPART_DIFF_SEEDS", 8)
	start := envInt(t, "RAMPART_DIFF_SEED", 1)
	perModel := envInt(t, "RAMPART_DIFF_CONSTRAINTS", 200)
	pg := openDiffPG(t)
	var total diffStats
	began := time.Now()
	for s := start; s < start+seeds; s++ {
		t.Run("seed="+strconv.Itoa(s), func(t *testing.T) {
			st := runDiffSeed(t, pg, uint64(s), perModel)
			total.add(st)
		})
	}
	t.Logf("%d models, %d constraints (%d skipped), %d evaluations per store (%d select some objects but not all), %d objects evaluated; stores: %s; %v",
		seeds, total.constraints, total.skipped, total.checks, total.selective, total.objects, total.stores, time.Since(began).Round(time.Millisecond))
}

type diffStats struct {
	constraints, skipped, checks, objects, mismatches int
	selective                                         int // checks that select some objects but not all
	stores                                            string
}

func (s *diffStats) add(o diffStats) {
	s.constraints += o.constraints
	s.skipped += o.skipped
	s.checks += o.checks
	s.objects += o.objects
	s.mismatches += o.mismatches
	s.selective += o.selective
	s.stores = o.stores
}

// diffWorld is one model with its data in every store.
type diffWorld struct {
	app    *model.App
	files  fstest.MapFS
	mp     *schema.Mapping
	ds     *dataset
	stores []*diffStore
	dir    string
	pg     *pgServer
}

func newDiffWorld(ctx context.Context, app *model.App, files fstest.MapFS, ds *dataset, dir string, pg *pgServer, only string) (*diffWorld, error) {
	w := &diffWorld{app: app, files: files, mp: schema.New(app), ds: ds, dir: dir, pg: pg}
	if only == "" || only == "sqlite" {
		st, err := newSQLiteStore(ctx, dir, w.mp, ds)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		w.stores = append(w.stores, st)
	}
	if pg != nil && (only == "" || only == "postgres") {
		st, err := pg.newStore(ctx, w.mp, ds)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
		w.stores = append(w.stores, st)
	}
	return w, nil
}

func (w *diffWorld) close() {
	for _, s := range w.stores {
		s.close()
	}
	w.stores = nil
}

func (w *diffWorld) storeNames() string {
	var n []string
	for _, s := range w.stores {
		n = append(n, s.name)
	}
	return strings.Join(n, "+")
}

// diffQuery is one constraint to check.
type diffQuery struct {
	entity  *model.Entity
	text    string
	env     *xpath.Env
	roles   map[string]int64 // what env.UserRole answers
	guarded bool
	salt    int64
}

type storeResult struct {
	name string
	sql  string
	args []any
	ids  []int64
	err  error
	dur  time.Duration
}

type diffResult struct {
	bindErr error
	evalErr error
	eval    []int64
	objects int
	stores  []storeResult
}

func (r *diffResult) mismatch() bool {
	if r.evalErr != nil {
		return true
	}
	for _, s := range r.stores {
		if s.err != nil || !slices.Equal(s.ids, r.eval) {
			return true
		}
	}
	return false
}

func (w *diffWorld) check(ctx context.Context, q diffQuery) (res diffResult) {
	b, err := xpath.ParseAndBind(w.app, q.entity, q.text)
	if err != nil {
		res.bindErr = err
		return res
	}
	var guard xpath.Guard
	var sqlGuard xpath.SQLGuard
	if q.guarded {
		guard, sqlGuard = diffGuard{q.salt}, diffSQLGuard{q.salt}
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				res.evalErr = fmt.Errorf("evaluator panic: %v", p)
			}
		}()
		for _, o := range w.ds.of(q.entity) {
			res.objects++
			if xpath.Eval(b, w.ds, guard, q.env, o.id) {
				res.eval = append(res.eval, o.id)
			}
		}
	}()
	for _, st := range w.stores {
		sr := storeResult{name: st.name}
		c := &xpath.Compiler{Map: w.mp, Dialect: st.dialect, TimeZone: w.app.TimeZoneID, Guard: sqlGuard}
		frag, err := c.Where(b, "t0")
		if err == nil {
			var where string
			var args []any
			where, args, err = frag.SQL(q.env)
			if err == nil {
				qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				began := time.Now()
				sr.sql, sr.args, sr.ids, err = st.query(qctx, w.mp, q.entity, where, args)
				sr.dur = time.Since(began)
				cancel()
			}
		}
		sr.err = err
		res.stores = append(res.stores, sr)
	}
	return res
}

// report describes a mismatch.
func (w *diffWorld) report(q diffQuery, res diffResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "entity %s, guarded=%v (salt %d), now=%s, currentUser=%d, roles=%v\n  constraint: %s\n",
		q.entity.QualifiedName(), q.guarded, q.salt, q.env.Now.UTC().Format(time.RFC3339Nano), q.env.CurrentUser, q.roles, q.text)
	if c, err := xpath.Parse(q.text); err == nil {
		fmt.Fprintf(&b, "  canonical:  %s\n", c.String())
	}
	if res.evalErr != nil {
		fmt.Fprintf(&b, "  evaluator: %v\n", res.evalErr)
	}
	fmt.Fprintf(&b, "  evaluator selects %d of %d objects\n", len(res.eval), res.objects)
	differ := map[int64]bool{}
	for _, s := range res.stores {
		fmt.Fprintf(&b, "  %s: %s\n    args %v\n", s.name, s.sql, fmtArgs(s.args))
		if s.err != nil {
			fmt.Fprintf(&b, "    ERROR: %v\n", s.err)
			continue
		}
		onlyEval, onlyStore := diffIDs(res.eval, s.ids)
		if len(onlyEval)+len(onlyStore) == 0 {
			fmt.Fprintf(&b, "    agrees (%d objects)\n", len(s.ids))
			continue
		}
		fmt.Fprintf(&b, "    MISMATCH: only the evaluator selects %v; only %s selects %v\n", onlyEval, s.name, onlyStore)
		for _, id := range append(onlyEval, onlyStore...) {
			differ[id] = true
		}
	}
	ids := make([]int64, 0, len(differ))
	for id := range differ {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i == 8 {
			fmt.Fprintf(&b, "  … and %d more\n", len(ids)-i)
			break
		}
		fmt.Fprintf(&b, "  %s\n", w.ds.describe(id))
	}
	return b.String()
}

func fmtArgs(args []any) string {
	var parts []string
	for _, a := range args {
		if s, ok := a.(string); ok {
			parts = append(parts, strconv.Quote(s))
		} else {
			parts = append(parts, fmt.Sprint(a))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func diffIDs(a, b []int64) (onlyA, onlyB []int64) {
	for _, x := range a {
		if !slices.Contains(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

// failingStores names the stores that disagree with the evaluator, or ""
// when the evaluator itself failed.
func (r *diffResult) failingStore() string {
	if r.evalErr != nil {
		return ""
	}
	var names []string
	for _, s := range r.stores {
		if s.err != nil || !slices.Equal(s.ids, r.eval) {
			names = append(names, s.name)
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return ""
}

// genEnvs makes the request environments of a model: "now" near a DST
// transition, a month end, a leap day or a year end, with or without a
// signed-in user.
func genEnvs(r *rand.Rand, loc *time.Location) []*xpath.Env {
	var trans []int64
	for _, tr := range schema.Transitions(loc) {
		if y := time.UnixMilli(tr[0]).UTC().Year(); y >= 2000 && y <= 2036 {
			trans = append(trans, tr[0])
		}
	}
	now := func(kind int) time.Time {
		y := 2000 + r.IntN(36)
		var t time.Time
		switch {
		case kind == 0 && len(trans) > 0:
			t = time.UnixMilli(trans[r.IntN(len(trans))])
		case kind == 1:
			t = time.Date(y, time.Month(1+r.IntN(12))+1, 1, 0, 0, 0, 0, loc)
		case kind == 2:
			t = time.Date(2000+4*r.IntN(9), 2, 29, 12, 0, 0, 0, loc)
		case kind == 3:
			t = time.Date(y, 1, 31, 12, 0, 0, 0, loc)
		default:
			t = time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		}
		// Within a day or so of it, with sub-millisecond precision.
		deltas := []time.Duration{0, -time.Millisecond, time.Millisecond, -time.Minute, time.Hour, -time.Hour, -30 * time.Minute}
		d := deltas[r.IntN(len(deltas))]
		if r.IntN(3) == 0 {
			d = time.Duration(r.Int64N(int64(48*time.Hour))) - 24*time.Hour
		}
		return t.Add(d + time.Duration(r.IntN(1_000_000)))
	}
	return []*xpath.Env{
		{Now: now(0), Location: loc},
		{Now: now(1), Location: loc},
		{Now: now(2 + r.IntN(3)), Location: loc},
	}
}

// setUsers picks the users and roles of the environments from the data.
func setUsers(r *rand.Rand, envs []*xpath.Env, ds *dataset) []map[string]int64 {
	users := ds.of(ds.app.Entity(model.SystemUser))
	roles := ds.roleIDs()
	var out []map[string]int64
	for i, env := range envs {
		if i != 1 && len(users) > 0 {
			env.CurrentUser = users[r.IntN(len(users))].id
		}
		m := map[string]int64{}
		for k, v := range roles {
			m[k] = v
		}
		if i == 2 && r.IntN(2) == 0 {
			delete(m, diffRoles[r.IntN(len(diffRoles))]) // a role without its object: the token is empty
		}
		env.UserRole = func(name string) int64 { return m[name] }
		out = append(out, m)
	}
	return out
}

func runDiffSeed(t *testing.T, pg *pgServer, seed uint64, perModel int) diffStats {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x5eed_d1ff))
	gm := genDiffModel(r)
	app := loadDiffApp(t, gm.files)
	envs := genEnvs(r, app.TimeZone)
	vg := newValgen(r, app.TimeZone, envs)
	ds := genDataset(r, app, schema.New(app), vg)
	roles := setUsers(r, envs, ds)
	salt := r.Int64N(1000)
	dir := t.TempDir()
	w, err := newDiffWorld(ctx, app, gm.files, ds, dir, pg, "")
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	defer w.close()

	g := newCgen(r, app, ds, vg)
	subj := subjects(app)
	var mod []*model.Entity
	for _, e := range subj {
		if !e.Module.System {
			mod = append(mod, e)
		}
	}
	st := diffStats{stores: w.storeNames()}
	var skippedExamples []string
	reported := 0
	for i := range perModel {
		e := mod[r.IntN(len(mod))]
		if r.IntN(5) == 0 {
			e = subj[r.IntN(len(subj))]
		}
		text := g.constraint(e)
		k := r.IntN(len(envs))
		st.constraints++
		for _, guarded := range []bool{false, true} {
			q := diffQuery{entity: e, text: text, env: envs[k], roles: roles[k], guarded: guarded, salt: salt}
			res := w.check(ctx, q)
			if res.bindErr != nil {
				st.skipped++
				if len(skippedExamples) < 5 {
					skippedExamples = append(skippedExamples, fmt.Sprintf("%s %s: %v", e.QualifiedName(), text, res.bindErr))
				}
				break
			}
			st.checks++
			st.objects += res.objects
			if len(res.eval) > 0 && len(res.eval) < res.objects {
				st.selective++
			}
			for _, sr := range res.stores {
				if sr.dur > time.Second {
					t.Logf("slow query: %s took %v (%d bytes of SQL) for %s %s", sr.name, sr.dur.Round(time.Millisecond), len(sr.sql), e.QualifiedName(), text)
				}
			}
			if !res.mismatch() {
				continue
			}
			st.mismatches++
			reported++
			if reported > 5 {
				continue
			}
			msg := fmt.Sprintf("MISMATCH seed %d, constraint #%d (RAMPART_DIFF_SEED=%d RAMPART_DIFF_SEEDS=1 RAMPART_DIFF_CONSTRAINTS=%d)\n%s",
				seed, i, seed, i+1, w.report(q, res))
			if reported == 1 && reproductions.Add(1) <= 3 {
				msg += w.reproduce(ctx, q, res, fmt.Sprintf("seed %d constraint #%d", seed, i))
			}
			t.Error(msg)
		}
	}
	if reported > 5 {
		t.Errorf("seed %d: %d more mismatches not shown", seed, reported-5)
	}
	if st.constraints > 0 && st.skipped*5 > st.constraints {
		t.Errorf("seed %d: %d of %d generated constraints did not bind (generator bug), e.g.\n%s",
			seed, st.skipped, st.constraints, strings.Join(skippedExamples, "\n"))
	} else if len(skippedExamples) > 0 {
		t.Logf("seed %d: %d of %d constraints skipped (did not bind), e.g. %s", seed, st.skipped, st.constraints, skippedExamples[0])
	}
	return st
}

// reproductions counts the mismatches shrunk in this process: shrinking
// rebuilds the stores many times, so only the first few are.
var reproductions atomic.Int32

// reproduce shrinks the data of a mismatch and writes a regression file.
func (w *diffWorld) reproduce(ctx context.Context, q diffQuery, res diffResult, origin string) string {
	only := res.failingStore()
	ds := w.ds
	fails := func(cand *dataset) bool {
		w2, err := newDiffWorld(ctx, w.app, w.files, cand, w.dir, w.pg, only)
		if err != nil {
			return false
		}
		defer w2.close()
		r := w2.check(ctx, q)
		return r.mismatch()
	}
	// Drop chunks of objects while the mismatch remains, for at most 30s.
	deadline := time.Now().Add(30 * time.Second)
	for chunk := len(ds.objs) / 2; chunk >= 1 && time.Now().Before(deadline); chunk /= 2 {
		for i := 0; i < len(ds.objs) && time.Now().Before(deadline); {
			drop := map[int64]bool{}
			for _, o := range ds.objs[i:min(i+chunk, len(ds.objs))] {
				drop[o.id] = true
			}
			if cand := ds.without(drop); fails(cand) {
				ds = cand
				continue
			}
			i += chunk
		}
	}
	w2, err := newDiffWorld(ctx, w.app, w.files, ds, w.dir, w.pg, "")
	if err != nil {
		return fmt.Sprintf("(shrinking failed: %v)\n", err)
	}
	defer w2.close()
	res2 := w2.check(ctx, q)
	var b strings.Builder
	fmt.Fprintf(&b, "# Found by TestDifferential, %s.\n# Shrunk to %d objects; evaluator selects %v.\n", origin, len(ds.objs), res2.eval)
	for _, name := range []string{"app.yaml", "modules/" + diffModule + ".yaml"} {
		fmt.Fprintf(&b, "-- %s --\n%s", name, w.files[name].Data)
	}
	fmt.Fprintf(&b, "-- data --\n%s-- cases --\n%s\n", ds.marshal(), marshalCase(q, res2.eval))
	dir := os.Getenv("RAMPART_DIFF_DUMP")
	if dir == "" {
		dir = os.TempDir()
	}
	name := filepath.Join(dir, fmt.Sprintf("rampart-diff-%s.txt", strings.NewReplacer(" ", "-", "#", "").Replace(origin)))
	if q.guarded {
		name = strings.TrimSuffix(name, ".txt") + "-guarded.txt"
	}
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		return fmt.Sprintf("(cannot write reproduction: %v)\n", err)
	}
	return fmt.Sprintf("  shrunk to %d objects:\n%s  reproduction written to %s\n", len(ds.objs), indent(w2.report(q, res2)), name)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}

// ---- regression files ----

type jsonCase struct {
	Entity      string           `json:"entity"`
	XPath       string           `json:"xpath"`
	Guarded     bool             `json:"guarded,omitempty"`
	Salt        int64            `json:"salt,omitempty"`
	Now         string           `json:"now"`
	CurrentUser int64            `json:"currentUser,omitempty"`
	Roles       map[string]int64 `json:"roles,omitempty"`
	Want        []int64          `json:"want"`
}

func marshalCase(q diffQuery, want []int64) string {
	j := jsonCase{Entity: q.entity.QualifiedName(), XPath: q.text, Guarded: q.guarded, Salt: q.salt,
		Now: q.env.Now.UTC().Format(time.RFC3339Nano), CurrentUser: q.env.CurrentUser, Roles: q.roles, Want: want}
	if j.Want == nil {
		j.Want = []int64{}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// loadRegression reads a regression file: comment lines (#) first, then
// sections introduced by "-- NAME --" lines. Sections ending in .yaml are
// the model's files (app.yaml, modules/NAME.yaml); "data" holds one object
// per line as JSON ({"id", "type", "attrs": {member: value}, "links":
// {association: [ids]}}; DateTime as RFC 3339, Decimal as a string);
// "cases" holds one constraint per line as JSON ({"entity", "xpath",
// "guarded", "salt", "now", "currentUser", "roles": {name: id}, "want":
// [ids the evaluator must select]}).
func loadRegression(text string) (files fstest.MapFS, data string, cases []jsonCase, err error) {
	files = fstest.MapFS{}
	sections := map[string]*strings.Builder{}
	var order []string
	var cur *strings.Builder
	for line := range strings.Lines(text) {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			name := trimmed[3 : len(trimmed)-3]
			cur = &strings.Builder{}
			sections[name] = cur
			order = append(order, name)
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	for _, name := range order {
		switch {
		case strings.HasSuffix(name, ".yaml"):
			files[name] = &fstest.MapFile{Data: []byte(sections[name].String())}
		case name == "data":
			data = sections[name].String()
		case name == "cases":
			for line := range strings.Lines(sections[name].String()) {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				var c jsonCase
				dec := json.NewDecoder(strings.NewReader(line))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&c); err != nil {
					return nil, "", nil, fmt.Errorf("case %q: %v", line, err)
				}
				cases = append(cases, c)
			}
		default:
			return nil, "", nil, fmt.Errorf("unknown section %q", name)
		}
	}
	if files["app.yaml"] == nil || len(cases) == 0 {
		return nil, "", nil, fmt.Errorf("a regression needs app.yaml and cases")
	}
	return files, data, cases, nil
}

func TestDifferentialRegressions(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "differential", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skip("no regression cases")
	}
	pg := openDiffPG(t)
	ctx := context.Background()
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files, data, cases, err := loadRegression(string(text))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			app := loadDiffApp(t, files)
			ds, err := unmarshalDataset(app, data)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			w, err := newDiffWorld(ctx, app, files, ds, t.TempDir(), pg, "")
			if err != nil {
				t.Fatal(err)
			}
			defer w.close()
			for i, c := range cases {
				e := app.Entity(c.Entity)
				if e == nil {
					t.Fatalf("case %d: unknown entity %s", i+1, c.Entity)
				}
				now, err := time.Parse(time.RFC3339Nano, c.Now)
				if err != nil {
					t.Fatalf("case %d: now: %v", i+1, err)
				}
				roles := c.Roles
				env := &xpath.Env{Now: now, Location: app.TimeZone, CurrentUser: c.CurrentUser,
					UserRole: func(name string) int64 { return roles[name] }}
				q := diffQuery{entity: e, text: c.XPath, env: env, roles: roles, guarded: c.Guarded, salt: c.Salt}
				res := w.check(ctx, q)
				if res.bindErr != nil {
					t.Errorf("case %d: %s: %v", i+1, c.XPath, res.bindErr)
					continue
				}
				if res.mismatch() {
					t.Errorf("case %d: MISMATCH\n%s", i+1, w.report(q, res))
				}
				if c.Want != nil && !slices.Equal(res.eval, nonNil(c.Want)) {
					t.Errorf("case %d: %s: evaluator selects %v, want %v", i+1, c.XPath, res.eval, c.Want)
				}
			}
		})
	}
}

func nonNil(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
