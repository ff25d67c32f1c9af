package server_test

// The harness of the HTTP tests: an app copied from examples/expenses and
// changed per test, started through runtime.Start with an injected clock,
// captured logs and stdout, served by httptest, and clients that keep
// their cookies and CSRF token. Scenarios are tables of calls with the
// expected status, error code and JSON fragments (PocketBase style).

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// adminPW is the configured admin password (adminUser.password: ${ADMIN_PW}).
const adminPW = "staple-Horse-battery-93"

// userPW is the password of every user a test creates.
const userPW = "Tr0ub4dor-and-3-horses"

// t0 is the start of every injected clock.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is an injected clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a goroutine-safe buffer for logs and stdout.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// edit replaces text in app.yaml; the old text must be there.
type edit struct{ old, new string }

// appConfig describes a test app: the example app with edits.
type appConfig struct {
	mode    string            // development (default) or production
	edits   []edit            // applied to app.yaml after the base edits
	modules []string          // testdata/modules/NAME.yaml files to add
	env     map[string]string // environment; ADMIN_PW is set unless given
	proxies []string          // trusted proxies
	tls     bool              // serve over HTTPS
	db      string            // store URL; default a fresh SQLite file
	// rateLimit keeps the example's sign-in rate limit (off by default so
	// that tests can sign in often from one address).
	rateLimit bool
}

// fixture is a started app.
type fixture struct {
	t      testing.TB
	dir    string
	rt     *runtime.Runtime
	ts     *httptest.Server
	clock  *clock
	logs   *syncBuffer
	stdout *syncBuffer
	ids    map[string]string // user name -> id
	// secrets are every password sent and every token and cookie value
	// received; none may appear in the logs (checked at cleanup).
	secretMu sync.Mutex
	secrets  map[string]bool
}

// secret records a value that must never be logged.
func (f *fixture) secret(v string) {
	if len(v) < 8 {
		return
	}
	f.secretMu.Lock()
	f.secrets[v] = true
	f.secretMu.Unlock()
}

// checkLogs fails the test when a secret appears in the logs.
func (f *fixture) checkLogs(t testing.TB) {
	logs := f.logs.String()
	f.secretMu.Lock()
	defer f.secretMu.Unlock()
	for s := range f.secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain a secret (%.6s…)", s)
		}
	}
}

// Edits that every test app gets unless it says otherwise.
var (
	fastHash     = edit{"hashAlgorithm: bcrypt            # bcrypt with cost 12", "hashAlgorithm: bcrypt:4"}
	adminPassEnv = edit{"    name: admin\n    role: Administrator", "    name: admin\n    role: Administrator\n    password: ${ADMIN_PW}"}
	noRateLimit  = edit{"signInRateLimit: {perMinute: 10, burst: 10}", "signInRateLimit: {perMinute: 0, burst: 10}"}
	// testerRoles adds the user roles of the test modules.
	testerRoles = edit{"      manageableRoles: [Employee]  # may add, block and remove users who are only Employees\n",
		"      manageableRoles: [Employee]  # may add, block and remove users who are only Employees\n" +
			"    Tester:\n      moduleRoles: [System.User, Lab.Tester]\n" +
			"    Outsider:\n      moduleRoles: [System.User, Lab.Outsider]\n"}
	guestRole = edit{"      manageableRoles: [Employee]  # may add, block and remove users who are only Employees\n",
		"      manageableRoles: [Employee]  # may add, block and remove users who are only Employees\n" +
			"    Guest:\n      moduleRoles: [Guestbook.Guest]\n"}
	anonymousOn = edit{"    enabled: false                 # everybody signs in", "    enabled: true\n    role: Guest"}
)

// lab is the configuration with the Lab module and its user roles.
func lab(edits ...edit) appConfig {
	return appConfig{modules: []string{"Lab"}, edits: append([]edit{testerRoles}, edits...)}
}

// guests is the configuration with anonymous users on.
func guests(edits ...edit) appConfig {
	return appConfig{modules: []string{"Guestbook"}, edits: append([]edit{guestRole, anonymousOn}, edits...)}
}

// scratchDir is a temporary directory for an app and its SQLite file: on
// tmpfs (/dev/shm) when there is one, because fsync dominates the cost of
// a start on disk; else the test's temporary directory.
func scratchDir(t testing.TB) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "rampart-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// writeApp copies the example app into a temporary directory and applies
// the configuration's edits.
func writeApp(t testing.TB, c appConfig) string {
	t.Helper()
	dir := scratchDir(t)
	src := filepath.Join("..", "..", "examples", "expenses")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "data" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	appYAML := filepath.Join(dir, "app.yaml")
	b, err := os.ReadFile(appYAML)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	edits := []edit{fastHash, adminPassEnv}
	if !c.rateLimit {
		edits = append(edits, noRateLimit)
	}
	for _, e := range append(edits, c.edits...) {
		if !strings.Contains(text, e.old) {
			t.Fatalf("app.yaml has no %q to replace", e.old)
		}
		text = strings.Replace(text, e.old, e.new, 1)
	}
	if err := os.WriteFile(appYAML, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.modules {
		b, err := os.ReadFile(filepath.Join("testdata", "modules", m+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "modules", m+".yaml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// options are the runtime options of a configuration.
func (c appConfig) options(t testing.TB, dir string, clk *clock, logs, stdout io.Writer) runtime.Options {
	env := map[string]string{"ADMIN_PW": adminPW}
	for k, v := range c.env {
		env[k] = v
	}
	var proxies []netip.Prefix
	for _, p := range c.proxies {
		proxies = append(proxies, netip.MustParsePrefix(p))
	}
	db := c.db
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "data", "app.db")
	}
	return runtime.Options{
		AppDir: dir, DB: db, Mode: c.mode, Now: clk.Now,
		Getenv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Stdout:         stdout,
		TrustedProxies: proxies,
		SweepEvery:     time.Hour, // tests call Sweep themselves
	}
}

// start starts an app for the test; it is closed at the end.
func start(t testing.TB, c appConfig) *fixture {
	t.Helper()
	dir := writeApp(t, c)
	f := &fixture{t: t, dir: dir, clock: &clock{now: t0}, logs: &syncBuffer{}, stdout: &syncBuffer{}, ids: map[string]string{}, secrets: map[string]bool{}}
	f.secret(adminPW)
	f.secret(userPW)
	rt, err := runtime.Start(context.Background(), c.options(t, dir, f.clock, f.logs, f.stdout))
	if err != nil {
		t.Fatalf("runtime.Start: %v", err)
	}
	f.rt = rt
	if c.tls {
		f.ts = httptest.NewTLSServer(rt.Server)
	} else {
		f.ts = httptest.NewServer(rt.Server)
	}
	t.Cleanup(func() {
		f.ts.Close()
		rt.Close()
		f.checkLogs(t)
	})
	return f
}

// backend is a store the core scenarios run on.
type backend struct {
	name string
	db   func(t testing.TB) string // "" for the default SQLite file
}

// backends lists SQLite always and PostgreSQL when RAMPART_TEST_POSTGRES
// is set.
func backends(t *testing.T) []backend {
	out := []backend{{"sqlite", func(testing.TB) string { return "" }}}
	if url := os.Getenv("RAMPART_TEST_POSTGRES"); url != "" {
		out = append(out, backend{"postgres", func(t testing.TB) string { return store.FreshPostgresSchema(t, url) }})
	} else {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL scenarios skipped (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return out
}

// onEachStore runs a core scenario on every backend.
func onEachStore(t *testing.T, c appConfig, f func(t *testing.T, fx *fixture)) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cc := c
			cc.db = b.db(t)
			f(t, start(t, cc))
		})
	}
}

// createUser creates a user directly (no API call) and remembers its id.
func (f *fixture) createUser(name string, roles ...string) string {
	f.t.Helper()
	var rs = f.roles(roles...)
	id, err := f.rt.Identity.CreateUser(context.Background(), name, userPW, rs, true)
	if err != nil {
		f.t.Fatalf("creating user %s: %v", name, err)
	}
	f.ids[name] = fmt.Sprint(id)
	return f.ids[name]
}

func (f *fixture) roles(names ...string) []*model.UserRole {
	var out []*model.UserRole
	for _, n := range names {
		r := f.rt.App.UserRole(n)
		if r == nil {
			f.t.Fatalf("no user role %s", n)
		}
		out = append(out, r)
	}
	return out
}

// client is a browser-like client: it keeps cookies by name and the CSRF
// token of its session.
type client struct {
	f       *fixture
	hc      *http.Client
	cookies map[string]*http.Cookie
	csrf    string
	// header is sent with every request (e.g. X-Forwarded-For).
	header http.Header
	// remote, when set, is the peer address (the request is served
	// in-process instead of over the network).
	remote string
}

func (f *fixture) client() *client {
	hc := &http.Client{
		Transport:     f.ts.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &client{f: f, hc: hc, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

// resp is an answer.
type resp struct {
	status int
	header http.Header
	body   []byte
	json   any
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// obj is the answer as a JSON object.
func (r *resp) obj(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.json.(map[string]any)
	if !ok {
		t.Fatalf("answer is not a JSON object: %s", r)
	}
	return m
}

// items is the "items" array of the answer.
func (r *resp) items(t testing.TB) []map[string]any {
	t.Helper()
	raw, ok := r.obj(t)["items"].([]any)
	if !ok {
		t.Fatalf("answer has no items: %s", r)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

// setCookies are the Set-Cookie lines of the answer, by cookie name.
func (r *resp) setCookies() map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil {
			out[c.Name] = c
		}
	}
	return out
}

// opt changes one request.
type opt func(*http.Request)

func hdr(k, v string) opt { return func(r *http.Request) { r.Header.Set(k, v) } }

// noCSRF sends the request without the X-Csrf-Token header.
func noCSRF() opt { return func(r *http.Request) { r.Header.Del("X-Csrf-Token") } }

// body encodes a request body: nil for none, string or []byte as is,
// anything else as JSON.
func encodeBody(body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	}
	j, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(j)
}

func (c *client) do(method, path string, body any, opts ...opt) *resp {
	c.f.t.Helper()
	req, err := http.NewRequest(method, c.f.ts.URL+path, encodeBody(body))
	if err != nil {
		c.f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if c.csrf != "" && method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("X-Csrf-Token", c.csrf)
	}
	for _, o := range opts {
		o(req)
	}
	var hr *http.Response
	if c.remote != "" {
		req.RemoteAddr = c.remote
		req.RequestURI = ""
		rec := httptest.NewRecorder()
		if c.f.ts.TLS != nil {
			req.TLS = &tls.ConnectionState{}
		}
		c.f.rt.Server.ServeHTTP(rec, req)
		hr = rec.Result()
	} else {
		hr, err = c.hc.Do(req)
		if err != nil {
			c.f.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	defer hr.Body.Close()
	b, _ := io.ReadAll(hr.Body)
	r := &resp{status: hr.StatusCode, header: hr.Header, body: b}
	if len(bytes.TrimSpace(b)) > 0 {
		var v any
		if json.Unmarshal(b, &v) == nil {
			r.json = v
		}
	}
	if m, ok := decodedBody(body); ok {
		for _, k := range []string{"password", "current", "new"} {
			if v, ok := m[k].(string); ok {
				c.f.secret(v)
			}
		}
	}
	for name, ck := range r.setCookies() {
		c.f.secret(ck.Value)
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, name)
		} else {
			c.cookies[name] = ck
		}
	}
	if m, ok := r.json.(map[string]any); ok {
		if tok, ok := m["csrfToken"].(string); ok {
			c.csrf = tok
			c.f.secret(tok)
		}
	}
	return r
}

// sessionCookie is the value of the session cookie the client holds.
func (c *client) sessionCookie() string {
	for _, n := range []string{"rampart-session", "__Host-rampart-session"} {
		if ck := c.cookies[n]; ck != nil {
			return ck.Value
		}
	}
	return ""
}

// login signs in and fails the test unless it works.
func (c *client) login(name, password string) *resp {
	c.f.t.Helper()
	r := c.do("POST", "/api/v1/login", map[string]string{"username": name, "password": password})
	if r.status != 200 {
		c.f.t.Fatalf("login %s: %s", name, r)
	}
	return r
}

// as is a new client signed in as a user created with the roles (the user
// is created on first use).
func (f *fixture) as(name string, roles ...string) *client {
	f.t.Helper()
	if _, ok := f.ids[name]; !ok && name != "admin" {
		f.createUser(name, roles...)
	}
	c := f.client()
	pw := userPW
	if name == "admin" {
		pw = adminPW
	}
	r := c.login(name, pw)
	f.ids[name] = r.obj(f.t)["user"].(map[string]any)["id"].(string)
	return c
}

// call is one scenario step.
type call struct {
	name   string
	c      *client // nil: a client without session
	method string
	path   string
	body   any
	opts   []opt
	status int
	code   string   // expected error code
	has    []string // fragments the body must contain
	not    []string // fragments it must not contain
	check  func(t *testing.T, r *resp)
}

// run runs scenario steps in order, each as a subtest.
func (f *fixture) run(t *testing.T, calls []call) {
	t.Helper()
	for _, cl := range calls {
		t.Run(cl.name, func(t *testing.T) {
			t.Helper()
			c := cl.c
			if c == nil {
				c = f.client()
			}
			r := c.do(cl.method, cl.path, cl.body, cl.opts...)
			expect(t, r, cl.status, cl.code, cl.has...)
			for _, s := range cl.not {
				if strings.Contains(string(r.body), s) {
					t.Errorf("answer contains %q: %s", s, r)
				}
			}
			if cl.check != nil {
				cl.check(t, r)
			}
		})
	}
}

// expect checks status, error code (and the error shape) and fragments.
func expect(t testing.TB, r *resp, status int, code string, has ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r)
		return
	}
	if status >= 400 {
		checkErrorShape(t, r, code)
	} else if code != "" {
		t.Errorf("test bug: code %q with status %d", code, status)
	}
	for _, s := range has {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("answer lacks %q: %s", s, r)
		}
	}
}

// checkErrorShape checks {"error": {"code", "message", "details": []}}.
func checkErrorShape(t testing.TB, r *resp, code string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error answer has Content-Type %q", ct)
	}
	m, ok := r.json.(map[string]any)
	if !ok {
		t.Errorf("error answer is not a JSON object: %s", r)
		return
	}
	e, ok := m["error"].(map[string]any)
	if !ok || len(m) != 1 {
		t.Errorf("error answer is not {\"error\": …}: %s", r)
		return
	}
	if _, ok := e["message"].(string); !ok {
		t.Errorf("error has no message: %s", r)
	}
	if _, ok := e["details"].([]any); !ok {
		t.Errorf("error has no details array: %s", r)
	}
	if code != "" && e["code"] != code {
		t.Errorf("error code %v, want %s: %s", e["code"], code, r)
	}
}

// errMessage is the message of an error answer.
func errMessage(r *resp) string {
	m, _ := r.json.(map[string]any)
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// details is the details array of an error answer.
func details(r *resp) []map[string]any {
	m, _ := r.json.(map[string]any)
	e, _ := m["error"].(map[string]any)
	raw, _ := e["details"].([]any)
	out := make([]map[string]any, len(raw))
	for i, d := range raw {
		out[i], _ = d.(map[string]any)
	}
	return out
}

// createObject creates an object through the generic API and returns its id.
func (c *client) create(entity string, values map[string]any) string {
	c.f.t.Helper()
	r := c.do("POST", "/api/v1/objects/"+entity, values)
	if r.status != 201 {
		c.f.t.Fatalf("creating %s: %s", entity, r)
	}
	return r.obj(c.f.t)["id"].(string)
}

// systemCaller is Rampart's own caller, for setting up test data.
func systemCaller() security.Caller { return security.System() }

// decodedBody is a request body as a JSON object, when it is one.
func decodedBody(body any) (map[string]any, bool) {
	var b []byte
	switch v := body.(type) {
	case nil:
		return nil, false
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		b, _ = json.Marshal(v)
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m) == nil
}
