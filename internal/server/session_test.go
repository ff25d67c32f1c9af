package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/store"
)

// checkSessionCookie checks the attributes of a session cookie line.
func checkSessionCookie(t testing.TB, r *resp, name, sameSite string, secure bool) string {
	t.Helper()
	var line string
	for _, l := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no %s cookie set: %v", name, r.header.Values("Set-Cookie"))
	}
	attrs := map[string]string{}
	parts := strings.Split(line, ";")
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		attrs[strings.ToLower(k)] = v
	}
	if _, ok := attrs["httponly"]; !ok {
		t.Errorf("cookie not HttpOnly: %s", line)
	}
	if attrs["path"] != "/" {
		t.Errorf("cookie Path is not /: %s", line)
	}
	if attrs["samesite"] != sameSite {
		t.Errorf("cookie SameSite %q, want %q: %s", attrs["samesite"], sameSite, line)
	}
	for _, bad := range []string{"expires", "max-age", "domain"} {
		if _, ok := attrs[bad]; ok {
			t.Errorf("session cookie has %s: %s", bad, line)
		}
	}
	if _, ok := attrs["secure"]; ok != secure {
		t.Errorf("cookie Secure = %v, want %v: %s", ok, secure, line)
	}
	value, _, _ := strings.Cut(strings.TrimPrefix(parts[0], name+"="), ";")
	if len(value) < 43 {
		t.Errorf("session token %q is shorter than 256 bits in base64url", value)
	}
	return value
}

// sessionRows counts the sessions stored for a token (or all with "").
func sessionRows(t testing.TB, f *fixture, token string) int {
	t.Helper()
	var n int
	err := f.rt.Store.Read(context.Background(), func(tx *store.Tx) error {
		if token == "" {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM rampart_sessions`).Scan(&n)
		}
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM rampart_sessions WHERE token_hash = ?`, tokenHash(token)).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lastActive is the stored LastActive of a session.
func lastActive(t testing.TB, f *fixture, token string) time.Time {
	t.Helper()
	var ms int64
	err := f.rt.Store.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT last_active_ms FROM rampart_sessions WHERE token_hash = ?`, tokenHash(token)).Scan(&ms)
	})
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(ms).UTC()
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// withCookie sends the request with exactly this Cookie header.
func withCookie(name, value string) opt {
	return func(r *http.Request) { r.Header.Set("Cookie", name+"="+value) }
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	login := map[string]string{"username": "emma", "password": userPW}
	t.Run("plain http", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{})
		f.createUser("emma", "Employee")
		c := f.client()
		r := c.do("POST", "/api/v1/login", login)
		expect(t, r, 200, "", `"csrfToken":"`, `"name":"emma"`, `"roles":["Employee"]`, `"anonymous":false`)
		token := checkSessionCookie(t, r, "rampart-session", "Strict", false)
		if sessionRows(t, f, token) != 1 {
			t.Error("the session is not stored by the SHA-256 of its token")
		}
		if strings.Contains(string(r.body), token) {
			t.Error("the login answer contains the session token")
		}
		// Only the name of the scheme is read: the secure name over http
		// counts as no session.
		expect(t, f.client().do("GET", "/api/v1/navigation", nil, withCookie("__Host-rampart-session", token)), 401, "not_authenticated")
		expect(t, f.client().do("GET", "/api/v1/navigation", nil, withCookie("rampart-session", token)), 200, "")
		// Logout: 204, cookie cleared, session deleted on the server.
		r = c.do("POST", "/api/v1/logout", nil)
		expect(t, r, 204, "")
		expectCleared(t, r, "rampart-session")
		if sessionRows(t, f, token) != 0 {
			t.Error("logout did not delete the session")
		}
		r = f.client().do("GET", "/api/v1/session", nil, withCookie("rampart-session", token))
		expect(t, r, 401, "not_authenticated")
		expectCleared(t, r, "rampart-session")
	})
	t.Run("sameSite Lax", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{edits: []edit{{"sameSite: Strict", "sameSite: Lax"}}})
		f.createUser("emma", "Employee")
		checkSessionCookie(t, f.client().do("POST", "/api/v1/login", login), "rampart-session", "Lax", false)
	})
	t.Run("sameSite None over http acts as Lax", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{edits: []edit{{"sameSite: Strict", "sameSite: None"}}})
		f.createUser("emma", "Employee")
		checkSessionCookie(t, f.client().do("POST", "/api/v1/login", login), "rampart-session", "Lax", false)
		c := f.client()
		c.header.Set("X-Forwarded-Proto", "https")
		c.remote = "10.0.0.7:4000"
		// Not a trusted proxy: still plain http.
		checkSessionCookie(t, c.do("POST", "/api/v1/login", login), "rampart-session", "Lax", false)
	})
	t.Run("https through a trusted proxy", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{proxies: []string{"10.0.0.0/8"}, edits: []edit{{"sameSite: Strict", "sameSite: None"}}})
		f.createUser("emma", "Employee")
		c := f.client()
		c.remote = "10.0.0.7:4000"
		c.header.Set("X-Forwarded-Proto", "https")
		c.header.Set("X-Forwarded-For", "203.0.113.9")
		r := c.do("POST", "/api/v1/login", login)
		expect(t, r, 200, "")
		token := checkSessionCookie(t, r, "__Host-rampart-session", "None", true)
		expect(t, c.do("GET", "/api/v1/navigation", nil), 200, "")
		// Over https the plain name is not read.
		c2 := f.client()
		c2.remote, c2.header = c.remote, c.header.Clone()
		expect(t, c2.do("GET", "/api/v1/navigation", nil, withCookie("rampart-session", token)), 401, "not_authenticated")
		// The same peer without X-Forwarded-Proto is plain http.
		c3 := f.client()
		c3.remote = c.remote
		expect(t, c3.do("GET", "/api/v1/navigation", nil, withCookie("__Host-rampart-session", token)), 401, "not_authenticated")
		r = c.do("POST", "/api/v1/logout", nil)
		expect(t, r, 204, "")
		expectCleared(t, r, "__Host-rampart-session")
		for _, line := range r.header.Values("Set-Cookie") {
			if !strings.Contains(line, "Secure") {
				t.Errorf("cleared secure cookie is not Secure: %s", line)
			}
		}
	})
	t.Run("direct https", func(t *testing.T) {
		t.Parallel()
		f := start(t, appConfig{tls: true})
		f.createUser("emma", "Employee")
		c := f.client()
		r := c.do("POST", "/api/v1/login", login)
		checkSessionCookie(t, r, "__Host-rampart-session", "Strict", true)
		expect(t, c.do("GET", "/api/v1/session", nil), 200, "", `"name":"emma"`)
		r = f.client().do("GET", "/api/v1/session", nil, withCookie("__Host-rampart-session", "bogus"))
		expect(t, r, 401, "not_authenticated")
		expectCleared(t, r, "__Host-rampart-session")
	})
}

// TestSessionFixation: a new session id at every sign-in; the old one is
// gone.
func TestSessionFixation(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		c := f.client()
		c.login("emma", userPW)
		first, csrf1 := c.sessionCookie(), c.csrf
		c.login("emma", userPW)
		second, csrf2 := c.sessionCookie(), c.csrf
		if first == second || csrf1 == csrf2 {
			t.Fatal("sign-in kept the session id or CSRF token")
		}
		expect(t, f.client().do("GET", "/api/v1/session", nil, withCookie("rampart-session", first)), 401, "not_authenticated")
		expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
		// A token planted before sign-in is not adopted.
		planted := "plantedplantedplantedplantedplantedplanted1"
		d := f.client()
		r := d.do("POST", "/api/v1/login", map[string]string{"username": "emma", "password": userPW}, withCookie("rampart-session", planted))
		expect(t, r, 200, "")
		if d.sessionCookie() == planted || sessionRows(t, f, planted) != 0 {
			t.Error("a planted token became a session")
		}
		// The CSRF token of the session is returned by GET /session.
		r = c.do("GET", "/api/v1/session", nil)
		expect(t, r, 200, "", `"csrfToken":"`+csrf2+`"`)
	})
}

// TestLoginIgnoresCSRF: the calls that start a session need no token and
// ignore a wrong one.
func TestLoginIgnoresCSRF(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	f.createUser("emma", "Employee")
	c := f.as("emma")
	r := c.do("POST", "/api/v1/login", map[string]string{"username": "emma", "password": userPW}, hdr("X-Csrf-Token", "wrong"))
	expect(t, r, 200, "")
	r = c.do("POST", "/api/v1/demo-users/demo_employee/login", nil, noCSRF())
	expect(t, r, 200, "", `"name":"demo_employee"`)
	// Logout is not one of them.
	expect(t, c.do("POST", "/api/v1/logout", nil, noCSRF()), 403, "csrf_failed")
	expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
}

func TestMultiplePerUserOff(t *testing.T) {
	onEachStore(t, appConfig{edits: []edit{{"multiplePerUser: true", "multiplePerUser: false"}}}, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		f.createUser("erik", "Employee")
		a := f.as("emma")
		other := f.as("erik")
		b := f.as("emma")
		expect(t, a.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
		expect(t, b.do("GET", "/api/v1/session", nil), 200, "", `"name":"emma"`)
		expect(t, other.do("GET", "/api/v1/session", nil), 200, "", `"name":"erik"`)
	})
}

func TestMultiplePerUserOn(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	f.createUser("emma", "Employee")
	a, b := f.as("emma"), f.as("emma")
	expect(t, a.do("GET", "/api/v1/session", nil), 200, "")
	expect(t, b.do("GET", "/api/v1/session", nil), 200, "")
	// Logging out one session leaves the other.
	expect(t, a.do("POST", "/api/v1/logout", nil), 204, "")
	expect(t, a.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
	expect(t, b.do("GET", "/api/v1/session", nil), 200, "")
}

// TestSessionTimeouts: idle (sliding, with the LastActive granularity of
// max(1s, timeout/10)) and absolute timeouts, with an injected clock.
func TestSessionTimeouts(t *testing.T) {
	cfg := appConfig{edits: []edit{{"absoluteTimeout: 24h", "absoluteTimeout: 1h"}}}
	onEachStore(t, cfg, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		const gran = time.Minute // timeout 10m / 10
		t.Run("LastActive granularity", func(t *testing.T) {
			c := f.as("emma")
			tok := c.sessionCookie()
			start := f.clock.Now()
			if got := lastActive(t, f, tok); !got.Equal(start) {
				t.Fatalf("LastActive %v, want %v", got, start)
			}
			f.clock.Advance(gran - time.Second)
			expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
			if got := lastActive(t, f, tok); !got.Equal(start) {
				t.Errorf("LastActive written before the granularity: %v", got)
			}
			f.clock.Advance(time.Second)
			expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
			if got := lastActive(t, f, tok); !got.Equal(start.Add(gran)) {
				t.Errorf("LastActive %v, want %v", got, start.Add(gran))
			}
		})
		t.Run("sliding idle timeout", func(t *testing.T) {
			c := f.as("emma")
			for range 5 {
				f.clock.Advance(9 * time.Minute)
				expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
			}
		})
		t.Run("activity between writes counts", func(t *testing.T) {
			// Active 59s after sign-in (not written), then idle for just
			// under the timeout: the session must still be alive.
			c := f.as("emma")
			f.clock.Advance(gran - time.Second)
			expect(t, c.do("GET", "/api/v1/navigation", nil), 200, "")
			f.clock.Advance(10*time.Minute - time.Second)
			expect(t, c.do("GET", "/api/v1/navigation", nil), 200, "")
		})
		t.Run("idle expiry", func(t *testing.T) {
			c := f.as("emma")
			tok := c.sessionCookie()
			// A session may outlive its idle timeout by the granularity,
			// not more.
			f.clock.Advance(10*time.Minute + gran + time.Millisecond)
			r := c.do("GET", "/api/v1/navigation", nil)
			expect(t, r, 401, "not_authenticated")
			expectCleared(t, r, "rampart-session")
			if sessionRows(t, f, tok) != 0 {
				t.Error("an expired session was not removed at once")
			}
		})
		t.Run("absolute timeout", func(t *testing.T) {
			c := f.as("emma")
			for range 11 {
				f.clock.Advance(5 * time.Minute)
				expect(t, c.do("GET", "/api/v1/session", nil), 200, "")
			}
			f.clock.Advance(5*time.Minute + time.Millisecond)
			expect(t, c.do("GET", "/api/v1/session", nil), 401, "not_authenticated")
		})
		t.Run("sweep", func(t *testing.T) {
			idle := f.as("emma")
			f.clock.Advance(5 * time.Minute)
			busy := f.as("emma")
			before := sessionRows(t, f, "")
			f.clock.Advance(6*time.Minute + time.Millisecond) // idle: 11m; busy: 6m
			if err := f.rt.Identity.Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
			if sessionRows(t, f, idle.sessionCookie()) != 0 {
				t.Error("the sweep left an expired session")
			}
			if sessionRows(t, f, busy.sessionCookie()) != 1 {
				t.Error("the sweep removed a live session")
			}
			if after := sessionRows(t, f, ""); after >= before {
				t.Errorf("sessions before the sweep %d, after %d", before, after)
			}
			expect(t, busy.do("GET", "/api/v1/session", nil), 200, "")
		})
	})
}
