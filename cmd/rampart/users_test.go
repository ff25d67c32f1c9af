package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// testApp writes the example app into a new directory, with bcrypt cost 4
// so that hashing is fast, and returns the directory.
func testApp(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if err := writeExample(dir); err != nil {
		t.Fatal(err)
	}
	editApp(t, dir, "hashAlgorithm: bcrypt ", `hashAlgorithm: "bcrypt:4" `)
	return dir
}

// editApp replaces old by new in dir/app.yaml.
func editApp(t testing.TB, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, "app.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("app.yaml has no %q", old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withStdin makes text the process's standard input for one test.
func withStdin(t *testing.T, text string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(text)
	f.Seek(0, 0)
	old := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = old; f.Close() })
}

// openApp opens the app's store the way `rampart users` does, for
// looking at what a command did; it is closed at the end of the test.
func openApp(t *testing.T, dir, db string) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.OpenStore(context.Background(), runtime.Options{AppDir: dir, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

var passwordLine = regexp.MustCompile(`(?m)^password for (\S+): (\S+)$`)

// mustRun runs a command that must exit 0 and returns its stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(t, args...)
	if code != 0 || errOut != "" {
		t.Fatalf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
	}
	return out
}

// signIn reports whether name can sign in with password.
func signIn(t *testing.T, rt *runtime.Runtime, name, password string) bool {
	t.Helper()
	_, err := rt.Identity.SignIn(context.Background(), name, password)
	return err == nil
}

const goodPassword = "correct horse battery staple 7"

func TestUsersAddGenerated(t *testing.T) {
	app := testApp(t)
	out := mustRun(t, "users", "add", "alice", "--role", "Employee", app)
	m := passwordLine.FindStringSubmatch(out)
	if m == nil || m[1] != "alice" {
		t.Fatalf("no password line in %q", out)
	}
	if !strings.Contains(out, "added user alice") {
		t.Errorf("no confirmation in %q", out)
	}
	rt := openApp(t, app, "")
	if !signIn(t, rt, "alice", m[2]) {
		t.Error("the printed password does not sign in")
	}
	if signIn(t, rt, "alice", m[2]+"x") {
		t.Error("a wrong password signs in")
	}
	// The data directory of the default store is created.
	if _, err := os.Stat(filepath.Join(app, "data", "app.db")); err != nil {
		t.Errorf("default store: %v", err)
	}
}

func TestUsersAddStdin(t *testing.T) {
	app := testApp(t)
	withStdin(t, goodPassword+"\n")
	out := mustRun(t, "users", "add", "bob", "--role", "Manager", "--role", "Employee", "--password-stdin", app)
	if passwordLine.MatchString(out) || strings.Contains(out, goodPassword) {
		t.Errorf("a given password is printed: %q", out)
	}
	rt := openApp(t, app, "")
	if !signIn(t, rt, "BOB", goodPassword) {
		t.Error("the password from stdin (without its newline) does not sign in")
	}
	id, _ := rt.Identity.FindUser(context.Background(), "bob")
	rec, _ := rt.Identity.User(context.Background(), id)
	if rec == nil || len(rec.Roles) != 2 || rec.Roles[0].Name != "Employee" || rec.Roles[1].Name != "Manager" || !rec.Active || rec.Blocked {
		t.Errorf("record %+v", rec)
	}
	if rec.Demo || !rec.HasPass {
		t.Error("a CLI user is not a demo user")
	}

	// CRLF line endings are dropped too; a second line is refused.
	withStdin(t, goodPassword+"\r\n")
	mustRun(t, "users", "add", "carol", "--role", "Employee", "--password-stdin", app)
	withStdin(t, "first line 12345\nsecond line 6789\n")
	if code, _, errOut := runCmd(t, "users", "add", "dave", "--role", "Employee", "--password-stdin", app); code != 2 || !strings.Contains(errOut, "one line") {
		t.Errorf("two lines: exit %d, %q", code, errOut)
	}
	withStdin(t, "")
	if code, _, errOut := runCmd(t, "users", "add", "dave", "--role", "Employee", "--password-stdin", app); code != 2 || !strings.Contains(errOut, "no password") {
		t.Errorf("empty stdin: exit %d, %q", code, errOut)
	}
}

func TestUsersAddPolicy(t *testing.T) {
	app := testApp(t)
	withStdin(t, "erin\n")
	code, out, errOut := runCmd(t, "users", "add", "erin", "--role", "Employee", "--password-stdin", app)
	if code != 2 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	// Every failed rule, in the order of security.md.
	want := []string{"minLength:", "blockCommon:", "notContainUsername:"}
	last := -1
	for _, w := range want {
		i := strings.Index(errOut, w)
		if i < 0 || i < last {
			t.Errorf("stderr %q lacks %s (or out of order)", errOut, w)
		}
		last = i
	}
	if strings.Contains(errOut, "maxLength") {
		t.Errorf("a rule that holds is reported: %q", errOut)
	}
	if id, _ := openApp(t, app, "").Identity.FindUser(context.Background(), "erin"); id != 0 {
		t.Error("a refused user was created")
	}
}

func TestUsersAddErrors(t *testing.T) {
	app := testApp(t)
	mustRun(t, "users", "add", "alice", "--role", "Employee", app)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"users", "add", "ALICE", "--role", "Employee", app}, 1, "already exists"},
		{[]string{"users", "add", "frank", "--role", "Boss", app}, 2, "Administrator, Employee, Manager"},
		{[]string{"users", "add", "frank", app}, 2, "role"},
		{[]string{"users", "add", "--role", "Employee"}, 2, "arg"},
		{[]string{"users", "add", "frank", "--role", "Employee", app, "extra"}, 2, "arg"},
		{[]string{"users", "add", " ", "--role", "Employee", app}, 2, "empty"},
		{[]string{"users", "add", "frank", "--role", "Employee", filepath.Join(app, "nowhere")}, 2, "nowhere"},
		{[]string{"users", "list", t.TempDir()}, 2, "app.yaml"},
		{[]string{"users", "list", app, "--db", "mysql://x"}, 2, "unknown store URL"},
		{[]string{"users", "frobnicate"}, 2, "frobnicate"},
	} {
		code, out, errOut := runCmd(t, tc.args...)
		if code != tc.code || out != "" || !strings.HasPrefix(errOut, "rampart: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d (want %d), stdout %q, stderr %q (want %q)", tc.args, code, tc.code, out, errOut, tc.want)
		}
	}
}

func TestUsersList(t *testing.T) {
	app := testApp(t)
	if out := mustRun(t, "users", "list", app); out != "" {
		t.Errorf("an empty store lists %q", out)
	}
	mustRun(t, "users", "add", "carol", "--role", "Manager", "--role", "Employee", app)
	mustRun(t, "users", "add", "Bob", "--role", "Administrator", app)
	mustRun(t, "users", "add", "alice", "--role", "Employee", app)
	mustRun(t, "users", "block", "carol", app)

	// A user without roles, and an inactive one: made through the engine.
	rt := openApp(t, app, "")
	ctx := context.Background()
	if _, err := rt.Identity.CreateUser(ctx, "dora", goodPassword, nil, false); err != nil {
		t.Fatal(err)
	}
	rt.Close()

	want := "alice\tEmployee\tactive\t-\n" +
		"Bob\tAdministrator\tactive\t-\n" +
		"carol\tEmployee,Manager\tactive\tblocked\n" +
		"dora\t-\tinactive\t-\n"
	if out := mustRun(t, "users", "list", app); out != want {
		t.Errorf("list:\n%s\nwant\n%s", out, want)
	}
	// The app defaults to the current directory.
	t.Chdir(app)
	if out := mustRun(t, "users", "list"); out != want {
		t.Errorf("list in the app directory:\n%s", out)
	}
}

// sessionOf starts a session for name and returns its token.
func sessionOf(t *testing.T, app, name string) string {
	t.Helper()
	rt := openApp(t, app, "")
	ctx := context.Background()
	id, err := rt.Identity.FindUser(ctx, name)
	if err != nil || id == 0 {
		t.Fatalf("no user %s: %v", name, err)
	}
	token, _, err := rt.Identity.StartSession(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()
	return token
}

// alive reports whether the session with token is still valid.
func alive(t *testing.T, app, token string) bool {
	t.Helper()
	rt := openApp(t, app, "")
	defer rt.Close()
	sess, err := rt.Identity.Lookup(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return sess != nil
}

func TestUsersPasswd(t *testing.T) {
	app := testApp(t)
	withStdin(t, goodPassword+"\n")
	mustRun(t, "users", "add", "alice", "--role", "Employee", "--password-stdin", app)
	mustRun(t, "users", "add", "bob", "--role", "Employee", app)
	token, other := sessionOf(t, app, "alice"), sessionOf(t, app, "bob")

	const next = "a different long secret 42"
	withStdin(t, next+"\n")
	out := mustRun(t, "users", "passwd", "Alice", "--password-stdin", app)
	if strings.Contains(out, next) {
		t.Errorf("passwd printed the password: %q", out)
	}
	if alive(t, app, token) {
		t.Error("passwd did not end the user's session")
	}
	if !alive(t, app, other) {
		t.Error("passwd ended another user's session")
	}
	rt := openApp(t, app, "")
	if signIn(t, rt, "alice", goodPassword) || !signIn(t, rt, "alice", next) {
		t.Error("the new password is not in force")
	}
	rt.Close()

	// Without --password-stdin a password is generated and printed.
	out = mustRun(t, "users", "passwd", "alice", app)
	m := passwordLine.FindStringSubmatch(out)
	if m == nil || m[1] != "alice" {
		t.Fatalf("no password line: %q", out)
	}
	if rt := openApp(t, app, ""); !signIn(t, rt, "alice", m[2]) {
		t.Error("the generated password does not sign in")
	}

	// The policy applies; nothing changes.
	withStdin(t, "alice\n")
	if code, _, errOut := runCmd(t, "users", "passwd", "alice", "--password-stdin", app); code != 2 || !strings.Contains(errOut, "notContainUsername") {
		t.Errorf("policy: exit %d, %q", code, errOut)
	}
	if rt := openApp(t, app, ""); !signIn(t, rt, "alice", m[2]) {
		t.Error("a refused password changed the password")
	}
	withStdin(t, next+"\n")
	if code, _, errOut := runCmd(t, "users", "passwd", "nobody", "--password-stdin", app); code != 1 || !strings.Contains(errOut, "nobody") {
		t.Errorf("missing user: exit %d, %q", code, errOut)
	}
}

func TestUsersBlockUnblock(t *testing.T) {
	app := testApp(t)
	withStdin(t, goodPassword+"\n")
	mustRun(t, "users", "add", "alice", "--role", "Employee", "--password-stdin", app)
	token := sessionOf(t, app, "alice")

	mustRun(t, "users", "block", "alice", app)
	if alive(t, app, token) {
		t.Error("block did not end the session")
	}
	rt := openApp(t, app, "")
	if signIn(t, rt, "alice", goodPassword) {
		t.Error("a blocked user signs in")
	}
	// A CLI block has no BlockedSince: it does not expire.
	obj, err := rt.Engine.Get(context.Background(), security.System(), rt.App.Entity(model.SystemUser), mustFind(t, rt, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if obj.Values.Value("Blocked") != true || obj.Values.Value("BlockedSince") != nil {
		t.Errorf("blocked user: %v", obj.Values.Map())
	}
	rt.Close()

	mustRun(t, "users", "unblock", "alice", app)
	rt = openApp(t, app, "")
	if !signIn(t, rt, "alice", goodPassword) {
		t.Error("an unblocked user cannot sign in")
	}
	rt.Close()
	if out := mustRun(t, "users", "list", app); out != "alice\tEmployee\tactive\t-\n" {
		t.Errorf("list: %q", out)
	}
	for _, sub := range []string{"block", "unblock"} {
		if code, _, errOut := runCmd(t, "users", sub, "nobody", app); code != 1 || !strings.Contains(errOut, "nobody") {
			t.Errorf("%s of a missing user: exit %d, %q", sub, code, errOut)
		}
	}
}

// An unblock lifts a lockout and resets the failure count.
func TestUsersUnblockLockout(t *testing.T) {
	app := testApp(t)
	withStdin(t, goodPassword+"\n")
	mustRun(t, "users", "add", "alice", "--role", "Employee", "--password-stdin", app)
	rt := openApp(t, app, "")
	for range 3 { // lockout.attempts of the example app
		signIn(t, rt, "alice", "wrong password")
	}
	if signIn(t, rt, "alice", goodPassword) {
		t.Fatal("no lockout after 3 failures")
	}
	rt.Close()
	if out := mustRun(t, "users", "list", app); !strings.HasSuffix(out, "\tblocked\n") {
		t.Errorf("a locked-out user lists as %q", out)
	}
	mustRun(t, "users", "unblock", "alice", app)
	rt = openApp(t, app, "")
	obj, err := rt.Engine.Get(context.Background(), security.System(), rt.App.Entity(model.SystemUser), mustFind(t, rt, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := obj.Values.Value("FailedLogins").(int64); n != 0 || obj.Values.Value("BlockedSince") != nil {
		t.Errorf("after unblock: %v", obj.Values.Map())
	}
	if !signIn(t, rt, "alice", goodPassword) {
		t.Error("cannot sign in after unblock")
	}
}

func mustDecimal(t *testing.T, s string) any {
	t.Helper()
	r, err := store.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustFind(t *testing.T, rt *runtime.Runtime, name string) int64 {
	t.Helper()
	id, err := rt.Identity.FindUser(context.Background(), name)
	if err != nil || id == 0 {
		t.Fatalf("user %s: %d, %v", name, id, err)
	}
	return id
}

func TestUsersDelete(t *testing.T) {
	app := testApp(t)
	mustRun(t, "users", "add", "alice", "--role", "Employee", app)
	mustRun(t, "users", "add", "bob", "--role", "Employee", app)
	token := sessionOf(t, app, "alice")

	// alice's expense keeps existing without an owner.
	rt := openApp(t, app, "")
	ctx := context.Background()
	alice := mustFind(t, rt, "alice")
	roles := []*model.UserRole{rt.App.Security.UserRoles[1]}
	exp, err := rt.Engine.Create(ctx, security.User(alice, roles, false), rt.App.Entity("Expenses.Expense"),
		map[string]any{"Description": "Taxi", "Amount": mustDecimal(t, "12.5")})
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()

	out := mustRun(t, "users", "delete", "ALICE", app)
	if !strings.Contains(out, "deleted alice") {
		t.Errorf("stdout %q", out)
	}
	if alive(t, app, token) {
		t.Error("delete did not end the session")
	}
	rt = openApp(t, app, "")
	if id, _ := rt.Identity.FindUser(ctx, "alice"); id != 0 {
		t.Error("the user still exists")
	}
	obj, err := rt.Engine.Get(ctx, security.System(), rt.App.Entity("Expenses.Expense"), exp.ID)
	if err != nil {
		t.Fatalf("the deleted user's expense: %v", err)
	}
	if ref, _ := obj.Values.Value(model.SystemOwner).(int64); ref != 0 {
		t.Errorf("owner not cleared: %v", obj.Values.Value(model.SystemOwner))
	}
	rt.Close()
	if out := mustRun(t, "users", "list", app); out != "bob\tEmployee\tactive\t-\n" {
		t.Errorf("list: %q", out)
	}
	if code, _, errOut := runCmd(t, "users", "delete", "alice", app); code != 1 || !strings.Contains(errOut, "alice") {
		t.Errorf("second delete: exit %d, %q", code, errOut)
	}
}

// --db and RAMPART_DB choose the store; the flag wins.
func TestUsersDB(t *testing.T) {
	app := testApp(t)
	dir := t.TempDir()
	flagDB, envDB := "sqlite:"+filepath.Join(dir, "flag.db"), "sqlite:"+filepath.Join(dir, "env.db")

	mustRun(t, "users", "add", "alice", "--role", "Employee", app, "--db", flagDB)
	t.Setenv("RAMPART_DB", envDB)
	mustRun(t, "users", "add", "bob", "--role", "Employee", app)
	mustRun(t, "users", "add", "carol", "--role", "Employee", "--db", flagDB, app)

	if _, err := os.Stat(filepath.Join(app, "data", "app.db")); err == nil {
		t.Error("the default store was created although --db or RAMPART_DB named another")
	}
	if out := mustRun(t, "users", "list", app); out != "bob\tEmployee\tactive\t-\n" {
		t.Errorf("RAMPART_DB store: %q", out)
	}
	if out := mustRun(t, "users", "list", app, "--db", flagDB); out != "alice\tEmployee\tactive\t-\ncarol\tEmployee\tactive\t-\n" {
		t.Errorf("--db store: %q", out)
	}
	t.Setenv("RAMPART_DB", "")
	if out := mustRun(t, "users", "list", app); out != "" {
		t.Errorf("default store: %q", out)
	}
}

// The users the CLI makes are the users `rampart run` serves: the admin
// and demo users that run creates are listed too.
func TestUsersSeeRunUsers(t *testing.T) {
	app := testApp(t)
	rt, err := runtime.Start(context.Background(), runtime.Options{AppDir: app})
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()
	want := "admin\tAdministrator\tactive\t-\n" +
		"demo_employee\tEmployee\tactive\t-\n" +
		"demo_manager\tManager\tactive\t-\n"
	if out := mustRun(t, "users", "list", app); out != want {
		t.Errorf("list:\n%s", out)
	}
}

func TestUsersHelp(t *testing.T) {
	for _, sub := range []string{"add", "list", "passwd", "block", "unblock", "delete"} {
		code, out, errOut := runCmd(t, "users", sub, "--help")
		if code != 0 || errOut != "" || !strings.Contains(out, "rampart users "+sub) || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--db") {
			t.Errorf("users %s --help: exit %d, stderr %q, stdout %q", sub, code, errOut, out)
		}
	}
	code, out, _ := runCmd(t, "users", "--help")
	for _, sub := range []string{"add", "list", "passwd", "block", "unblock", "delete", "Exit status"} {
		if code != 0 || !strings.Contains(out, sub) {
			t.Errorf("users --help lacks %s: %q", sub, out)
		}
	}
	if _, out, _ := runCmd(t, "users", "add", "--help"); !strings.Contains(out, "--password-stdin") || !strings.Contains(out, "--role") {
		t.Errorf("users add --help: %q", out)
	}
}

// The commands work on the store of an app that is serving and writing
// (SQLite: another connection pool, as another process would be). A
// transaction of the command that has read and then writes may find the
// store busy; the command then runs again. (Writers that keep the store
// busy all the time can still starve it, because the store begins SQLite
// transactions as DEFERRED: docs/running.md.)
func TestUsersWhileServing(t *testing.T) {
	app := testApp(t)
	rt, err := runtime.Start(context.Background(), runtime.Options{AppDir: app})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	expense := rt.App.Entity("Expenses.Expense")
	done := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				rt.Engine.Create(ctx, security.System(), expense, map[string]any{"Description": "busy", "Amount": mustDecimal(t, "1")})
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	for i := range 8 {
		name := "user" + string(rune('a'+i))
		mustRun(t, "users", "add", name, "--role", "Employee", app)
		mustRun(t, "users", "block", name, app)
		mustRun(t, "users", "list", app)
	}
	cancel()
	for range 2 {
		<-done
	}
}
