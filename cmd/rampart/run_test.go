package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests of `rampart run` start the real binary, built once.
var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// rampartBinary builds cmd/rampart once per test run.
func rampartBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "rampart-bin")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "rampart")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// server is a running `rampart run` process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line
	stderr *syncBuffer
	done   chan struct{}
	exit   int
}

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

// cleanEnv is the test process's environment without RAMPART_ variables,
// plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAMPART_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// startRun starts `rampart run` with args and the environment env (on top
// of a clean one). The process is killed at the end of the test if it is
// still running.
func startRun(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	s := &server{t: t, lines: make(chan string, 16), stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(rampartBinary(t), append([]string{"run"}, args...)...)
	s.cmd.Env = cleanEnv(env...)
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		err := s.cmd.Wait()
		s.exit = s.cmd.ProcessState.ExitCode()
		if err != nil && s.exit == -1 {
			s.exit = -2 // killed by a signal
		}
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// line waits for the next line on stdout ("" at end of output).
func (s *server) line() string {
	s.t.Helper()
	select {
	case l := <-s.lines:
		return l
	case <-time.After(30 * time.Second):
		s.t.Fatalf("no output from rampart run; stderr:\n%s", s.stderr.String())
	}
	return ""
}

// wait waits for the process to end and returns its exit code.
func (s *server) wait() int {
	s.t.Helper()
	select {
	case <-s.done:
		return s.exit
	case <-time.After(30 * time.Second):
		s.t.Fatalf("rampart run did not stop; stderr:\n%s", s.stderr.String())
	}
	return 0
}

var (
	adminLine  = regexp.MustCompile(`^admin password for admin: (\S+)$`)
	listenLine = regexp.MustCompile(`^Rampart listening on http://(127\.0\.0\.1:\d+)/$`)
)

// started reads the start-up lines: the generated admin password (when
// wantPassword) and the address.
func (s *server) started(wantPassword bool) (password, addr string) {
	s.t.Helper()
	l := s.line()
	if wantPassword {
		m := adminLine.FindStringSubmatch(l)
		if m == nil {
			s.t.Fatalf("first line %q is not the admin password; stderr:\n%s", l, s.stderr.String())
		}
		password, l = m[1], s.line()
	}
	m := listenLine.FindStringSubmatch(l)
	if m == nil {
		s.t.Fatalf("line %q is not the listening line; stderr:\n%s", l, s.stderr.String())
	}
	return password, m[1]
}

// client is an HTTP client with a cookie jar and the CSRF token.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newClient(t *testing.T, addr string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: "http://" + addr, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a JSON request and decodes a JSON answer into out (if not nil).
func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-Csrf-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// login signs in and keeps the CSRF token; it returns the user's id.
func (c *client) login(name, password string) string {
	c.t.Helper()
	var ans struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		CSRF string `json:"csrfToken"`
	}
	if code := c.do("POST", "/api/v1/login", map[string]string{"username": name, "password": password}, &ans); code != 200 {
		c.t.Fatalf("sign-in as %s: %d", name, code)
	}
	c.csrf = ans.CSRF
	return ans.User.ID
}

// cookie is the value of the session cookie.
func (c *client) cookie() string {
	u, _ := http.NewRequest("GET", c.base, nil)
	for _, ck := range c.http.Jar.Cookies(u.URL) {
		if ck.Name == "rampart-session" {
			return ck.Value
		}
	}
	return ""
}

func TestRunServeAndStop(t *testing.T) {
	app := testApp(t)
	s := startRun(t, nil, app, "--listen", "127.0.0.1:0", "--log-format", "json")
	password, addr := s.started(true)

	c := newClient(t, addr)
	var health map[string]any
	if code := c.do("GET", "/healthz", nil, &health); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	if code := c.do("GET", "/readyz", nil, nil); code != 200 {
		t.Fatalf("/readyz: %d", code)
	}
	adminID := c.login("admin", password)
	var sess struct {
		User struct {
			Name  string   `json:"name"`
			Roles []string `json:"roles"`
		} `json:"user"`
		Mode string `json:"mode"`
	}
	if code := c.do("GET", "/api/v1/session", nil, &sess); code != 200 || sess.User.Name != "admin" || sess.Mode != "development" {
		t.Fatalf("session: %d %+v", code, sess)
	}
	var created map[string]any
	if code := c.do("POST", "/api/v1/objects/Expenses.Expense", map[string]any{"Description": "Taxi", "Amount": "12.5"}, &created); code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	// Demo users exist in development mode.
	var demo []map[string]any
	if code := newClient(t, addr).do("GET", "/api/v1/demo-users", nil, &demo); code != 200 || len(demo) != 2 {
		t.Errorf("demo users: %d %v", code, demo)
	}

	// A request in flight when SIGTERM arrives: headers and half the body
	// are sent, the rest only once the server has stopped accepting.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := fmt.Sprintf(`{"username": "admin", "password": %q}`, password)
	fmt.Fprintf(conn, "POST /api/v1/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-s.done:
		t.Fatal("the process ended before its request in flight finished")
	default:
	}
	io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the request in flight: %d", resp.StatusCode)
	}
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, s.stderr.String())
	}
	if rest := s.line(); rest != "" {
		t.Errorf("more on stdout: %q", rest)
	}

	// Logs: JSON, one line per request, without secrets.
	logs := s.stderr.String()
	var sawLogin, sawCreate, sawStopped bool
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", l)
			continue
		}
		switch rec["msg"] {
		case "request":
			for _, k := range []string{"method", "route", "status", "duration", "user"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("request log without %s: %s", k, l)
				}
			}
			if rec["route"] == "POST /api/v1/login" && rec["status"] == 200.0 {
				sawLogin = true
			}
			if rec["route"] == "POST /api/v1/objects/{entity}" && rec["status"] == 201.0 && fmt.Sprint(rec["user"]) == adminID {
				sawCreate = true
			}
		case "stopped":
			sawStopped = true
		}
	}
	if !sawLogin || !sawCreate || !sawStopped {
		t.Errorf("logs lack the sign-in (%v), the create by user %s (%v) or the stop (%v):\n%s", sawLogin, adminID, sawCreate, sawStopped, logs)
	}
	for what, secret := range map[string]string{"password": password, "session cookie": c.cookie(), "CSRF token": c.csrf} {
		if secret == "" {
			t.Errorf("no %s to look for", what)
		} else if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", what)
		}
	}

	// The store was closed cleanly: the app starts again on it, and the
	// admin password is not printed a second time.
	s = startRun(t, nil, app, "--listen", "127.0.0.1:0")
	_, addr = s.started(false)
	newClient(t, addr).login("admin", password)
	s.cmd.Process.Signal(syscall.SIGINT)
	if code := s.wait(); code != 0 {
		t.Errorf("exit %d after SIGINT", code)
	}
}

// Refusals in production mode exit 2 with the cause on stderr, before
// anything is served.
func TestRunProductionRefusals(t *testing.T) {
	const good = "a long enough operator secret 9"
	for _, tc := range []struct {
		name  string
		edits [][2]string
		env   []string
		want  string
	}{
		{"weak bcrypt", nil, nil, "bcrypt cost of at least 10"},
		{"no password key", [][2]string{{`hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`}}, nil, "exactly ${VAR}"},
		{"literal password", [][2]string{{`hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`}, {"    role: Administrator\n", "    role: Administrator\n    password: " + good + "\n"}}, nil, "exactly ${VAR}"},
		{"variable unset", [][2]string{{`hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`}, {"    role: Administrator\n", "    role: Administrator\n    password: ${RAMPART_ADMIN_PASSWORD}\n"}}, nil, "RAMPART_ADMIN_PASSWORD"},
		{"variable empty", [][2]string{{`hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`}, {"    role: Administrator\n", "    role: Administrator\n    password: ${RAMPART_ADMIN_PASSWORD}\n"}}, []string{"RAMPART_ADMIN_PASSWORD="}, "RAMPART_ADMIN_PASSWORD"},
		{"weak password", [][2]string{{`hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`}, {"    role: Administrator\n", "    role: Administrator\n    password: ${RAMPART_ADMIN_PASSWORD}\n"}}, []string{"RAMPART_ADMIN_PASSWORD=password1234"}, "password policy"},
		{"prototype level", [][2]string{{"level: production", "level: prototype"}}, nil, "security.level production"},
		{"model errors", [][2]string{{"home: Expenses.MyExpenses", "home: Expenses.NoSuchPage"}}, nil, "model has errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := testApp(t)
			for _, e := range tc.edits {
				editApp(t, app, e[0], e[1])
			}
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			code, out, errOut := runCmd(t, "run", app, "--mode", "production", "--listen", "127.0.0.1:0")
			if code != 2 || out != "" || !strings.HasPrefix(errOut, "rampart: ") || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q (want %q)", code, out, errOut, tc.want)
			}
			if _, err := os.Stat(filepath.Join(app, "data", "app.db")); err == nil {
				t.Error("a refused start created the store")
			}
		})
	}
}

// A production start that passes every check serves without printing a
// password, offers no demo users, and warns about missing trusted proxies.
func TestRunProduction(t *testing.T) {
	const good = "a long enough operator secret 9"
	app := testApp(t)
	editApp(t, app, `hashAlgorithm: "bcrypt:4"`, `hashAlgorithm: "bcrypt:10"`)
	editApp(t, app, "    role: Administrator\n", "    role: Administrator\n    password: ${RAMPART_ADMIN_PASSWORD}\n")
	s := startRun(t, []string{"RAMPART_ADMIN_PASSWORD=" + good, "RAMPART_MODE=production"}, app, "--listen", "127.0.0.1:0", "--log-format", "json")
	_, addr := s.started(false)
	c := newClient(t, addr)
	if code := c.do("GET", "/api/v1/demo-users", nil, nil); code != 404 {
		t.Errorf("demo users in production mode: %d", code)
	}
	c.login("admin", good)
	var sess struct {
		Mode string `json:"mode"`
	}
	if c.do("GET", "/api/v1/session", nil, &sess); sess.Mode != "production" {
		t.Errorf("mode %q", sess.Mode)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
	logs := s.stderr.String()
	if !strings.Contains(logs, "trusted-proxy") {
		t.Errorf("no warning about --trusted-proxy:\n%s", logs)
	}
	if strings.Contains(logs, good) {
		t.Error("the logs contain the admin password")
	}
}

// RAMPART_LISTEN, RAMPART_DB and RAMPART_MODE stand in for absent flags;
// flags win.
func TestRunEnvironment(t *testing.T) {
	app := testApp(t)
	db := filepath.Join(t.TempDir(), "other", "store.db")
	s := startRun(t, []string{"RAMPART_LISTEN=127.0.0.1:0", "RAMPART_DB=sqlite:" + db, "RAMPART_MODE=development"}, app)
	_, addr := s.started(true)
	if strings.HasSuffix(addr, ":8080") {
		t.Errorf("RAMPART_LISTEN ignored: %s", addr)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("RAMPART_DB ignored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(app, "data", "app.db")); err == nil {
		t.Error("the default store was created although RAMPART_DB named another")
	}

	// Flags win over the environment.
	s = startRun(t, []string{"RAMPART_LISTEN=256.0.0.1:1", "RAMPART_DB=nonsense:", "RAMPART_MODE=production"},
		app, "--listen", "127.0.0.1:0", "--db", "sqlite:"+db, "--mode", "development")
	s.started(false) // the same store: the admin exists already
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.wait(); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, s.stderr.String())
	}

	// RAMPART_MODE=production applies the production refusals.
	t.Setenv("RAMPART_MODE", "production")
	if code, out, errOut := runCmd(t, "run", app, "--listen", "127.0.0.1:0"); code != 2 || out != "" || !strings.Contains(errOut, "production mode") {
		t.Errorf("RAMPART_MODE=production: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Setenv("RAMPART_MODE", "staging")
	if code, _, errOut := runCmd(t, "run", app, "--listen", "127.0.0.1:0"); code != 2 || !strings.Contains(errOut, "staging") {
		t.Errorf("RAMPART_MODE=staging: exit %d, stderr %q", code, errOut)
	}
	t.Setenv("RAMPART_MODE", "")
	t.Setenv("RAMPART_DB", "mysql://nowhere")
	if code, _, errOut := runCmd(t, "run", app, "--listen", "127.0.0.1:0"); code != 2 || !strings.Contains(errOut, "unknown store URL") {
		t.Errorf("RAMPART_DB=mysql: exit %d, stderr %q", code, errOut)
	}
}

// Start-up failures other than the model: a port in use, a bad flag.
func TestRunStartFailures(t *testing.T) {
	app := testApp(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, out, errOut := runCmd(t, "run", app, "--listen", l.Addr().String())
	if code != 2 || !strings.Contains(errOut, "cannot listen") {
		t.Errorf("port in use: exit %d, stderr %q", code, errOut)
	}
	// The admin password was generated before the listen failed; it is
	// printed so that it is not lost.
	if !adminLine.MatchString(strings.TrimSpace(out)) {
		t.Errorf("stdout %q", out)
	}
	for _, args := range [][]string{
		{"run", app, "--log-format", "xml"},
		{"run", app, "--trusted-proxy", "not-an-address"},
		{"run", app, "--mode", "staging"},
	} {
		if code, _, errOut := runCmd(t, args...); code != 2 || !strings.HasPrefix(errOut, "rampart: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
