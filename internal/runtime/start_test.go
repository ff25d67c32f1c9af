package runtime_test

// Start-up: the refusals of security.md ("Modes and security levels"), the
// administrator (generated password printed once in development mode, a
// configured one applied at every start), demo users' roles re-applied,
// and the background sweep.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// startupApp writes the example app with edits (old, new pairs applied to
// app.yaml in order) into a new directory.
func startupApp(t testing.TB, edits ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.CopyFS(dir, examples.Expenses()); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "app.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("app.yaml has no %q", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	hashLine   = "hashAlgorithm: bcrypt            # bcrypt with cost 12"
	adminBlock = "    name: admin\n    role: Administrator"
	goodPW     = "correct-Horse-battery-88"
)

// withPassword is the edit that sets adminUser.password.
func withPassword(value string) []string {
	return []string{adminBlock, adminBlock + "\n    password: " + value}
}

// logBuffer collects logs safely.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startupOptions are options for dir with an environment.
func startupOptions(dir, mode string, env map[string]string, stdout, logs *logBuffer) runtime.Options {
	return runtime.Options{
		AppDir: dir, Mode: mode,
		Getenv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Stdout:     stdout,
		Logger:     slog.New(slog.NewJSONHandler(logs, nil)),
		SweepEvery: time.Hour,
	}
}

func TestStartRefusals(t *testing.T) {
	t.Parallel()
	fast := []string{hashLine, "hashAlgorithm: bcrypt:4"}
	strong := []string{hashLine, "hashAlgorithm: bcrypt:10"}
	pw := func(v string) []string { return withPassword(v) }
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	env := map[string]string{"ADMIN_PW": goodPW, "EMPTY": "", "WEAK": "password1234"}
	for _, tc := range []struct {
		name  string
		mode  string
		edits []string
		want  []string // fragments of the message
	}{
		{"level prototype", "production", cat(strong, pw("${ADMIN_PW}"), []string{"level: production", "level: prototype"}), []string{"security.level production", "prototype"}},
		{"level off", "production", cat(strong, pw("${ADMIN_PW}"), []string{"level: production", "level: off"}), []string{"security.level production"}},
		{"bcrypt cost below 10", "production", cat(fast, pw("${ADMIN_PW}")), []string{"bcrypt cost", "bcrypt:4"}},
		{"bcrypt cost 9", "production", cat([]string{hashLine, "hashAlgorithm: bcrypt:9"}, pw("${ADMIN_PW}")), []string{"bcrypt cost"}},
		{"no admin password", "production", strong, []string{"adminUser.password", "${VAR}"}},
		{"literal admin password", "production", cat(strong, pw(goodPW)), []string{"adminUser.password", "${VAR}"}},
		{"password with a default", "production", cat(strong, pw("${ADMIN_PW:-"+goodPW+"}")), []string{"${VAR}"}},
		{"password with more text", "production", cat(strong, pw("x${ADMIN_PW}")), []string{"${VAR}"}},
		{"variable not set", "production", cat(strong, pw("${NOT_SET}")), []string{"NOT_SET"}},
		{"variable empty", "production", cat(strong, pw("${EMPTY}")), []string{"EMPTY"}},
		{"password fails the policy", "production", cat(strong, pw("${WEAK}")), []string{"policy"}},
		{"password contains the user name", "production", cat(strong, pw("${ADMIN_PW}")), nil}, // placeholder replaced below
		{"unknown mode", "staging", strong, []string{"unknown mode", "staging"}},
		{"import-only hash", "development", []string{hashLine, "hashAlgorithm: md5"}, []string{"md5"}},
		{"variable not set in development", "development", cat(fast, pw("${NOT_SET}")), []string{"NOT_SET", "not set"}},
		{"variable inside text not set in development", "development", cat(fast, pw("x-${NOT_SET}")), []string{"adminUser.password", "not set"}},
		{"model errors", "development", cat(fast, []string{"level: production", "level: sideways"}), []string{"errors", "app.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := env
			if tc.name == "password contains the user name" {
				e = map[string]string{"ADMIN_PW": "my-admin-passphrase-long"}
				tc.want = []string{"policy", "user name"}
			}
			dir := startupApp(t, tc.edits...)
			out, logs := &logBuffer{}, &logBuffer{}
			rt, err := runtime.Start(context.Background(), startupOptions(dir, tc.mode, e, out, logs))
			if err == nil {
				rt.Close()
				t.Fatal("started")
			}
			var se *runtime.StartError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *runtime.StartError: %v", err, err)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "  ") {
				t.Errorf("message with a blank where a name belongs: %q", err.Error())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q does not name %q", err.Error(), w)
				}
			}
			for _, secret := range []string{goodPW, "password1234", "my-admin-passphrase-long"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the refusal shows the password: %q", err.Error())
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "data", "app.db")); err == nil && tc.name != "model errors" {
				t.Error("a refused start created the database")
			}
			if out.String() != "" {
				t.Errorf("a refused start printed %q", out.String())
			}
		})
	}
}

var generatedLine = regexp.MustCompile(`^admin password for admin: (\S+)\n$`)

// TestAdminPassword: generated and printed exactly once in development
// mode when none is configured; a configured one applied at every start.
func TestAdminPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signIn := func(rt *runtime.Runtime, pw string) bool {
		_, err := rt.Identity.SignIn(ctx, "admin", pw)
		if err != nil && !errors.Is(err, identity.ErrInvalidCredentials) {
			t.Fatal(err)
		}
		return err == nil
	}
	t.Run("generated", func(t *testing.T) {
		t.Parallel()
		dir := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4")
		out, logs := &logBuffer{}, &logBuffer{}
		rt, err := runtime.Start(ctx, startupOptions(dir, "development", nil, out, logs))
		if err != nil {
			t.Fatal(err)
		}
		m := generatedLine.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("stdout %q is not exactly one admin password line", out.String())
		}
		generated := m[1]
		if err := identity.CheckPolicy(rt.App.Security.PasswordPolicy, "admin", generated); err != nil {
			t.Errorf("the generated password fails the policy: %v", err)
		}
		if !signIn(rt, generated) {
			t.Fatal("the generated password does not sign in")
		}
		if strings.Contains(logs.String(), generated) {
			t.Error("the generated password is in the logs")
		}
		stored := storedPassword(t, rt, "admin")
		if stored == generated || !strings.HasPrefix(stored, "$2") {
			t.Errorf("stored password is not a bcrypt hash: %.8s…", stored)
		}
		rt.Close()
		// Second start: nothing printed, the password is kept.
		out2 := &logBuffer{}
		rt, err = runtime.Start(ctx, startupOptions(dir, "development", nil, out2, logs))
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		if out2.String() != "" {
			t.Errorf("second start printed %q", out2.String())
		}
		if !signIn(rt, generated) {
			t.Error("the generated password was replaced")
		}
	})
	t.Run("configured, every start", func(t *testing.T) {
		t.Parallel()
		dir := startupApp(t, append([]string{hashLine, "hashAlgorithm: bcrypt:4"}, withPassword("${ADMIN_PW}")...)...)
		out, logs := &logBuffer{}, &logBuffer{}
		rt, err := runtime.Start(ctx, startupOptions(dir, "development", map[string]string{"ADMIN_PW": goodPW}, out, logs))
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != "" {
			t.Errorf("a configured password was printed: %q", out.String())
		}
		if !signIn(rt, goodPW) {
			t.Fatal("the configured password does not sign in")
		}
		// The role is applied only at creation: a change survives restarts.
		id, _ := rt.Identity.FindUser(ctx, "admin")
		if _, err := rt.Engine.Update(ctx, security.System(), rt.App.Entity(model.SystemUser), id,
			map[string]any{model.SystemUserRoles: []int64{rt.Engine.RoleID("Administrator"), rt.Engine.RoleID("Employee")}}); err != nil {
			t.Fatal(err)
		}
		rt.Close()
		const second = "second-Battery-staple-99"
		rt, err = runtime.Start(ctx, startupOptions(dir, "development", map[string]string{"ADMIN_PW": second}, out, logs))
		if err != nil {
			t.Fatal(err)
		}
		if signIn(rt, goodPW) || !signIn(rt, second) {
			t.Error("the configured password was not applied at the second start")
		}
		rec, err := rt.Identity.User(ctx, id)
		if err != nil || len(rec.Roles) != 2 {
			t.Errorf("the admin's roles were reset: %v %v", rec, err)
		}
		rt.Close()
		// An empty value counts as not given: the password stays.
		rt, err = runtime.Start(ctx, startupOptions(dir, "development", map[string]string{"ADMIN_PW": ""}, out, logs))
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		if !signIn(rt, second) {
			t.Error("an empty value replaced the password")
		}
		if out.String() != "" {
			t.Errorf("printed %q", out.String())
		}
		for _, s := range []string{goodPW, second} {
			if strings.Contains(logs.String(), s) {
				t.Error("a configured password is in the logs")
			}
		}
	})
	t.Run("configured password failing the policy in development", func(t *testing.T) {
		t.Parallel()
		dir := startupApp(t, append([]string{hashLine, "hashAlgorithm: bcrypt:4"}, withPassword("${ADMIN_PW}")...)...)
		_, err := runtime.Start(ctx, startupOptions(dir, "development", map[string]string{"ADMIN_PW": "short"}, &logBuffer{}, &logBuffer{}))
		var se *runtime.StartError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "admin") {
			t.Fatalf("started with a weak admin password: %v", err)
		}
		if strings.Contains(err.Error(), "short") && !strings.Contains(err.Error(), "policy") {
			t.Errorf("message %q", err)
		}
	})
}

// storedPassword reads a user's stored password hash.
func storedPassword(t testing.TB, rt *runtime.Runtime, name string) string {
	t.Helper()
	id, err := rt.Identity.FindUser(context.Background(), name)
	if err != nil || id == 0 {
		t.Fatalf("no user %s: %v", name, err)
	}
	var o *store.Object
	err = rt.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		o, err = rt.Store.Get(context.Background(), tx, rt.App.Entity(model.SystemUser), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := o.Values["Password"].(string)
	return s
}

// TestDemoUsersReapplied: demo users are created once and get their roles
// again at every start.
func TestDemoUsersReapplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4")
	opts := startupOptions(dir, "development", nil, &logBuffer{}, &logBuffer{})
	rt, err := runtime.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := rt.Identity.FindUser(ctx, "demo_employee")
	if id == 0 {
		t.Fatal("no demo user")
	}
	pw := storedPassword(t, rt, "demo_employee")
	if _, err := rt.Engine.Update(ctx, security.System(), rt.App.Entity(model.SystemUser), id,
		map[string]any{model.SystemUserRoles: []int64{rt.Engine.RoleID("Manager")}}); err != nil {
		t.Fatal(err)
	}
	rt.Close()
	rt, err = runtime.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rec, err := rt.Identity.User(ctx, id)
	if err != nil || len(rec.Roles) != 1 || rec.Roles[0].Name != "Employee" || !rec.Demo {
		t.Fatalf("demo user after restart: %+v %v", rec, err)
	}
	if storedPassword(t, rt, "demo_employee") != pw {
		t.Error("the demo user was created again")
	}
}

// TestDemoUserNameTaken: an ordinary user who has a demo user's name is
// not turned into the demo user (nor given its roles): start-up stops and
// says what to rename.
func TestDemoUserNameTaken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	off := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4", "demoUsers:\n    enabled: true", "demoUsers:\n    enabled: false")
	on := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4")
	db := "sqlite:" + filepath.Join(t.TempDir(), "app.db")
	start := func(dir string) (*runtime.Runtime, error) {
		opts := startupOptions(dir, "development", nil, &logBuffer{}, &logBuffer{})
		opts.DB = db
		return runtime.Start(ctx, opts)
	}
	rt, err := start(off)
	if err != nil {
		t.Fatal(err)
	}
	emp := rt.App.UserRole("Employee")
	id, err := rt.Identity.CreateUser(ctx, "demo_manager", goodPW, []*model.UserRole{emp}, true)
	if err != nil {
		t.Fatal(err)
	}
	rt.Close()

	if rt, err := start(on); err == nil {
		rt.Close()
		t.Fatal("start-up accepted an ordinary user as the demo user demo_manager")
	} else if !strings.Contains(err.Error(), "demo_manager") || !strings.Contains(err.Error(), "not created as a demo user") {
		t.Errorf("error %q does not say which user to rename", err)
	}

	rt, err = start(off)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rec, err := rt.Identity.User(ctx, id)
	if err != nil || rec.Demo || len(rec.Roles) != 1 || rec.Roles[0].Name != "Employee" {
		t.Errorf("the ordinary user after the refused start: %+v %v", rec, err)
	}
}

// TestOlderVersionRefused: after version 1.1.0 of the app has opened the
// store, version 1.0.0 refuses to start, even with --allow-data-loss, and
// says which versions are involved.
func TestOlderVersionRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	older := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4")
	newer := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4", "version: 1.0.0", "version: 1.1.0")
	db := "sqlite:" + filepath.Join(t.TempDir(), "app.db")
	start := func(dir string) (*runtime.Runtime, error) {
		opts := startupOptions(dir, "development", nil, &logBuffer{}, &logBuffer{})
		opts.DB, opts.AllowDataLoss = db, true
		return runtime.Start(ctx, opts)
	}
	for _, dir := range []string{older, newer} {
		rt, err := start(dir)
		if err != nil {
			t.Fatal(err)
		}
		rt.Close()
	}
	rt, err := start(older)
	var se *runtime.StartError
	if err == nil {
		rt.Close()
	}
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "1.0.0") || !strings.Contains(err.Error(), "1.1.0") {
		t.Fatalf("the older version: %v, want a refusal naming both versions", err)
	}
}

// TestBackgroundSweep: the sweep runs every SweepEvery on its own (in a
// synctest bubble, so that no real time passes).
func TestBackgroundSweep(t *testing.T) {
	t.Parallel()
	dir := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4", "demoUsers:\n    enabled: true", "demoUsers:\n    enabled: false")
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		opts := startupOptions(dir, "development", nil, &logBuffer{}, &logBuffer{})
		opts.SweepEvery = 30 * time.Second
		rt, err := runtime.Start(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		id, _ := rt.Identity.FindUser(ctx, "admin")
		token, _, err := rt.Identity.StartSession(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			rt.Store.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_sessions`).Scan(&n)
			})
			return n
		}
		if count() != 1 {
			t.Fatal("no session")
		}
		// Idle timeout 10m, granularity 1m: expired after 11m; the next
		// tick of the sweep (every 30s) removes it without any request.
		time.Sleep(11*time.Minute + 31*time.Second)
		synctest.Wait()
		if n := count(); n != 0 {
			t.Errorf("%d sessions left after the sweep", n)
		}
		_ = token
	})
}

// TestHashUpgrade: a hash made with weaker settings than the current ones
// is replaced at the next successful sign-in, not at a failed one.
func TestHashUpgrade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := startupApp(t, hashLine, "hashAlgorithm: bcrypt:4", "demoUsers:\n    enabled: true", "demoUsers:\n    enabled: false")
	opts := startupOptions(dir, "development", nil, &logBuffer{}, &logBuffer{})
	rt, err := runtime.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	emp := rt.App.UserRole("Employee")
	if _, err := rt.Identity.CreateUser(ctx, "emma", goodPW, []*model.UserRole{emp}, true); err != nil {
		t.Fatal(err)
	}
	rt.Close()
	p := filepath.Join(dir, "app.yaml")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "hashAlgorithm: bcrypt:4", "hashAlgorithm: bcrypt:5", 1)), 0o644)
	rt, err = runtime.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := rt.Identity.SignIn(ctx, "emma", "wrong-password-123"); err == nil {
		t.Fatal("signed in with a wrong password")
	}
	if h := storedPassword(t, rt, "emma"); !strings.HasPrefix(h, "$2a$04$") {
		t.Errorf("a failed sign-in changed the hash: %.7s", h)
	}
	if _, err := rt.Identity.SignIn(ctx, "emma", goodPW); err != nil {
		t.Fatal(err)
	}
	if h := storedPassword(t, rt, "emma"); !strings.HasPrefix(h, "$2a$05$") {
		t.Errorf("the hash was not upgraded: %.7s", h)
	}
	if _, err := rt.Identity.SignIn(ctx, "emma", goodPW); err != nil {
		t.Error("the upgraded hash does not sign in")
	}
}
