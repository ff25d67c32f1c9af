package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/store"
)

// Several instances of one app on one PostgreSQL database (cli.md,
// "Stores"): sessions, lockout, users and sweeps are shared through the
// store, and start-up schema changes take turns under an advisory lock.

// exampleApp writes the example app into a new directory with bcrypt cost
// 4 (fast hashing) and the sign-in rate limit off (these tests sign in
// often from one address), applies further edits, and returns the
// directory.
func exampleApp(t testing.TB, edits ...[2]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.CopyFS(dir, examples.Expenses()); err != nil {
		t.Fatal(err)
	}
	edits = append([][2]string{
		{"hashAlgorithm: bcrypt ", `hashAlgorithm: "bcrypt:4" `},
		{"signInRateLimit: {perMinute: 10, burst: 10}", "signInRateLimit: {perMinute: 0}"},
	}, edits...)
	for _, e := range edits {
		editFile(t, filepath.Join(dir, "app.yaml"), e[0], e[1])
	}
	return dir
}

func editFile(t testing.TB, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// postgresURL is a private schema on the test database, or a skip.
func postgresURL(t *testing.T) string {
	base := os.Getenv("RAMPART_TEST_POSTGRES")
	if base == "" {
		t.Skip("set RAMPART_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to test several instances on PostgreSQL")
	}
	return store.FreshPostgresSchema(t, base)
}

// instance is one started runtime with an HTTP server in front.
type instance struct {
	rt     *runtime.Runtime
	url    string
	stdout *bytes.Buffer
}

// startInstance starts the app on db; it is closed at the end of the test.
func startInstance(t *testing.T, app, db string, now func() time.Time) *instance {
	t.Helper()
	in, err := tryStart(t, app, db, now)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func tryStart(t *testing.T, app, db string, now func() time.Time) (*instance, error) {
	out := &bytes.Buffer{}
	rt, err := runtime.Start(context.Background(), runtime.Options{AppDir: app, DB: db, Stdout: out, Now: now, SweepEvery: time.Hour})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(rt.Server)
	t.Cleanup(func() {
		srv.Close()
		rt.Close()
	})
	return &instance{rt: rt, url: srv.URL, stdout: out}, nil
}

var adminPassword = regexp.MustCompile(`(?m)^admin password for admin: (\S+)$`)

// session is a signed-in client; it can talk to any instance.
type session struct {
	t      *testing.T
	token  string
	csrf   string
	userID string
}

// call sends a JSON request to an instance with the session (if any) and
// decodes the answer into out.
func call(t *testing.T, in *instance, s *session, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if s != nil {
		req.AddCookie(&http.Cookie{Name: "rampart-session", Value: s.token})
		req.Header.Set("X-Csrf-Token", s.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode
}

// login signs in on an instance; nil when refused.
func login(t *testing.T, in *instance, name, password string) *session {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": name, "password": password})
	resp, err := http.Post(in.url+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		if resp.StatusCode != 401 {
			t.Fatalf("sign-in as %s: %d", name, resp.StatusCode)
		}
		return nil
	}
	var ans struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		CSRF string `json:"csrfToken"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	s := &session{t: t, csrf: ans.CSRF, userID: ans.User.ID}
	for _, c := range resp.Cookies() {
		if c.Name == "rampart-session" {
			s.token = c.Value
		}
	}
	if s.token == "" {
		t.Fatal("sign-in set no session cookie")
	}
	return s
}

const password = "several instances share 1 store"

// addUser creates a user with one user role through an instance's store.
func addUser(t *testing.T, in *instance, name, role string) int64 {
	t.Helper()
	id, err := in.rt.Identity.CreateUser(context.Background(), name, password, []*model.UserRole{in.rt.App.UserRole(role)}, true)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// userValues reads a user's stored values, FailedLogins and BlockedSince
// included.
func userValues(t *testing.T, in *instance, id int64) map[string]any {
	t.Helper()
	ctx := context.Background()
	var obj *store.Object
	err := in.rt.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		obj, err = in.rt.Store.Get(ctx, tx, in.rt.App.Entity(model.SystemUser), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return obj.Values
}

// twoInstances starts A, then B, on one fresh schema.
func twoInstances(t *testing.T, now func() time.Time) (a, b *instance) {
	db := postgresURL(t)
	app := exampleApp(t)
	a = startInstance(t, app, db, now)
	b = startInstance(t, app, db, now)
	if !adminPassword.MatchString(a.stdout.String()) || b.stdout.Len() != 0 {
		t.Errorf("start-up output: A %q, B %q (the admin password is generated once)", a.stdout, b.stdout)
	}
	return a, b
}

func TestInstancesShareSessions(t *testing.T) {
	a, b := twoInstances(t, nil)
	addUser(t, a, "alice", "Employee")

	s := login(t, a, "alice", password)
	if s == nil {
		t.Fatal("sign-in on A refused")
	}
	var me struct {
		User struct {
			Name string `json:"name"`
		} `json:"user"`
		CSRF string `json:"csrfToken"`
	}
	if code := call(t, b, s, "GET", "/api/v1/session", nil, &me); code != 200 || me.User.Name != "alice" || me.CSRF != s.csrf {
		t.Fatalf("the session of A on B: %d %+v", code, me)
	}
	// A write on B with A's session and CSRF token; read back on A.
	var exp map[string]any
	if code := call(t, b, s, "POST", "/api/v1/objects/Expenses.Expense", map[string]any{"Description": "Train", "Amount": "40"}, &exp); code != 201 {
		t.Fatalf("create on B: %d %v", code, exp)
	}
	if code := call(t, a, s, "GET", fmt.Sprintf("/api/v1/objects/Expenses.Expense/%s", exp["id"]), nil, nil); code != 200 {
		t.Errorf("read on A of what B created: %d", code)
	}
	// Logout on B ends the session on A.
	if code := call(t, b, s, "POST", "/api/v1/logout", nil, nil); code != 204 {
		t.Fatalf("logout on B: %d", code)
	}
	if code := call(t, a, s, "GET", "/api/v1/session", nil, nil); code != 401 {
		t.Errorf("the session lives on A after logout on B: %d", code)
	}
}

func TestInstancesShareUsers(t *testing.T) {
	a, b := twoInstances(t, nil)
	admin := login(t, a, "admin", adminPassword.FindStringSubmatch(a.stdout.String())[1])
	if admin == nil {
		t.Fatal("admin sign-in refused")
	}
	var created map[string]any
	if code := call(t, a, admin, "POST", "/api/v1/users", map[string]any{"name": "bob", "password": password, "roles": []string{"Employee"}}, &created); code != 201 {
		t.Fatalf("create user on A: %d %v", code, created)
	}
	bob := login(t, b, "bob", password)
	if bob == nil {
		t.Fatal("a user created on A cannot sign in on B")
	}
	// A name taken on A is taken on B (ignoring case).
	if code := call(t, b, admin, "POST", "/api/v1/users", map[string]any{"name": "BOB", "password": password, "roles": []string{"Employee"}}, nil); code != 409 {
		t.Errorf("duplicate name on B: %d", code)
	}
	// Blocking on B ends bob's session everywhere and refuses sign-in on A.
	if code := call(t, b, admin, "PATCH", "/api/v1/users/"+created["id"].(string), map[string]any{"blocked": true}, nil); code != 200 {
		t.Fatalf("block on B: %d", code)
	}
	if code := call(t, a, bob, "GET", "/api/v1/session", nil, nil); code != 401 {
		t.Errorf("a blocked user's session lives on A: %d", code)
	}
	if login(t, a, "bob", password) != nil {
		t.Error("a user blocked on B signs in on A")
	}
	// Deleted on A, gone on B.
	if code := call(t, a, admin, "DELETE", "/api/v1/users/"+created["id"].(string), nil, nil); code != 204 {
		t.Fatalf("delete on A: %d", code)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	call(t, b, admin, "GET", "/api/v1/users", nil, &list)
	for _, u := range list.Items {
		if u["name"] == "bob" {
			t.Error("a user deleted on A is listed on B")
		}
	}
}

func TestInstancesShareLockout(t *testing.T) {
	a, b := twoInstances(t, nil)
	attempts := a.rt.App.Security.Lockout.Attempts
	if attempts != 3 {
		t.Fatalf("the example app's lockout.attempts is %d", attempts)
	}

	// Failures on A and B add up.
	carol := addUser(t, a, "carol", "Employee")
	for i, in := range []*instance{a, b, a} {
		if login(t, in, "carol", "wrong password "+fmt.Sprint(i)) != nil {
			t.Fatal("a wrong password signs in")
		}
	}
	for name, in := range map[string]*instance{"A": a, "B": b} {
		if login(t, in, "carol", password) != nil {
			t.Errorf("locked out after failures on A and B, yet the right password signs in on %s", name)
		}
	}
	v := userValues(t, b, carol)
	if v["Blocked"] != true || v["FailedLogins"] != int64(attempts) || v["BlockedSince"] == nil {
		t.Errorf("after the lockout: %v", v)
	}

	// Parallel failures on both instances cannot exceed the limit.
	dave := addUser(t, a, "dave", "Employee")
	var wg sync.WaitGroup
	for i := range 20 {
		in := a
		if i%2 == 1 {
			in = b
		}
		wg.Go(func() { login(t, in, "dave", "wrong password") })
	}
	wg.Wait()
	v = userValues(t, a, dave)
	if v["Blocked"] != true || v["FailedLogins"] != int64(attempts) {
		t.Errorf("after 20 parallel failures: Blocked %v, FailedLogins %v (want %d)", v["Blocked"], v["FailedLogins"], attempts)
	}
	if login(t, b, "dave", password) != nil || login(t, a, "dave", password) != nil {
		t.Error("a locked-out user signs in")
	}
}

// A clock that both instances share and the test moves.
type clock struct{ ms atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ms.Store(time.Now().UnixMilli())
	return c
}
func (c *clock) now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *clock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

func TestInstancesConcurrentSweeps(t *testing.T) {
	clk := newClock()
	a, b := twoInstances(t, clk.now)
	ctx := context.Background()

	// Sessions of ordinary users, and anonymous sessions whose users go
	// with them, made on both instances.
	const n = 30
	var users, anons []int64
	var tokens []string
	for i := range n {
		in := []*instance{a, b}[i%2]
		u := addUser(t, in, fmt.Sprintf("user%02d", i), "Employee")
		tok, _, err := in.rt.Identity.StartSession(ctx, u, false)
		if err != nil {
			t.Fatal(err)
		}
		users, tokens = append(users, u), append(tokens, tok)
		an, err := in.rt.Identity.CreateUser(ctx, fmt.Sprintf("anonymous-test%02d", i), password, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := in.rt.Identity.StartSession(ctx, an, true); err != nil {
			t.Fatal(err)
		}
		anons = append(anons, an)
	}
	// One user locked out, to be unblocked by the sweep.
	locked := addUser(t, a, "locked", "Employee")
	for range 3 {
		login(t, b, "locked", "wrong password")
	}
	if userValues(t, a, locked)["Blocked"] != true {
		t.Fatal("no lockout")
	}

	clk.advance(a.rt.App.Security.Session.Timeout + a.rt.App.Security.Lockout.Duration + time.Minute)

	// Both sweeps, several times each, at once; requests that look the
	// expired sessions up run meanwhile.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 8 {
		in := []*instance{a, b}[i%2]
		wg.Go(func() {
			if err := in.rt.Identity.Sweep(ctx); err != nil {
				errs <- err
			}
		})
	}
	for i, tok := range tokens {
		in := []*instance{a, b}[i%2]
		wg.Go(func() {
			if _, err := in.rt.Identity.Lookup(ctx, tok); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent sweep: %v", err)
	}

	for _, tok := range tokens {
		if s, err := b.rt.Identity.Lookup(ctx, tok); err != nil || s != nil {
			t.Errorf("an expired session survives: %v %v", s, err)
		}
	}
	for i, id := range anons {
		if rec, err := a.rt.Identity.User(ctx, id); err != nil || rec != nil {
			t.Errorf("anonymous user %d survives its session: %v %v", i, rec, err)
		}
	}
	for _, id := range users {
		if rec, err := a.rt.Identity.User(ctx, id); err != nil || rec == nil {
			t.Errorf("user %d was deleted by the sweep: %v", id, err)
		}
	}
	if v := userValues(t, b, locked); v["Blocked"] != false || v["FailedLogins"] != int64(0) || v["BlockedSince"] != nil {
		t.Errorf("the lockout was not lifted: %v", v)
	}
	var left int
	a.rt.Store.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_sessions`).Scan(&left)
	})
	if left != 0 {
		t.Errorf("%d sessions left after the sweeps", left)
	}
}

// Instances that start together on an empty schema take turns: every one
// starts, the admin is created (and its password printed) once, and the
// user roles and demo users exist once.
func TestInstancesStartTogether(t *testing.T) {
	db := postgresURL(t)
	app := exampleApp(t)
	const n = 4
	ins := make([]*instance, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ins[i], errs[i] = tryStart(t, app, db, nil)
		})
	}
	close(start)
	wg.Wait()
	printed := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d did not start: %v", i, err)
		}
		if adminPassword.MatchString(ins[i].stdout.String()) {
			printed++
		}
	}
	if printed != 1 {
		t.Errorf("the admin password was printed %d times", printed)
	}
	ctx := context.Background()
	count := func(table string) int {
		var c int
		err := ins[0].rt.Store.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&c)
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := count(`"System$UserRole"`); c != len(ins[0].rt.App.Security.UserRoles) {
		t.Errorf("%d System.UserRole objects for %d user roles", c, len(ins[0].rt.App.Security.UserRoles))
	}
	users, err := ins[n-1].rt.Identity.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if strings.Join(names, " ") != "admin demo_employee demo_manager" {
		t.Errorf("users after a joint start: %v", names)
	}
	// Every instance serves, and they agree on the admin.
	pw := ""
	for _, in := range ins {
		if m := adminPassword.FindStringSubmatch(in.stdout.String()); m != nil {
			pw = m[1]
		}
	}
	for i, in := range ins {
		if login(t, in, "admin", pw) == nil {
			t.Errorf("instance %d refuses the admin", i)
		}
	}
}

// An instance whose model is older than the stored schema refuses to
// start, and the instances already running are not disturbed.
func TestInstancesOlderModelRefused(t *testing.T) {
	db := postgresURL(t)
	older := exampleApp(t)
	newer := exampleApp(t)
	editFile(t, filepath.Join(newer, "modules", "Expenses.yaml"),
		"      Budget: {type: Decimal}\n",
		"      Budget: {type: Decimal}\n      Code: {type: String, length: 20}\n")

	a := startInstance(t, older, db, nil)
	b := startInstance(t, newer, db, nil) // a newer model may start: it only adds
	_, err := tryStart(t, older, db, nil)
	var se *runtime.StartError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "Code") || !strings.Contains(err.Error(), "older model") {
		t.Fatalf("an instance with the older model: %v", err)
	}
	// The newer instance keeps working (and so does A, on the members it knows).
	admin := login(t, b, "admin", adminPassword.FindStringSubmatch(a.stdout.String())[1])
	if admin == nil {
		t.Fatal("sign-in on the newer instance")
	}
	var p map[string]any
	if code := call(t, b, admin, "POST", "/api/v1/objects/Expenses.Project", map[string]any{"Name": "Apollo", "Code": "AP"}, &p); code != 201 || p["Code"] != "AP" {
		t.Errorf("create on the newer instance: %d %v", code, p)
	}
	if code := call(t, a, admin, "GET", "/api/v1/objects/Expenses.Project/"+p["id"].(string), nil, &p); code != 200 {
		t.Errorf("read on the older instance: %d", code)
	}
	// With --allow-data-loss the older model may start (and drops Code).
	rt, err := runtime.Start(context.Background(), runtime.Options{AppDir: older, DB: db, AllowDataLoss: true})
	if err != nil {
		t.Fatalf("--allow-data-loss: %v", err)
	}
	rt.Close()
}
