package server_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/store"
)

// userState is what lockout keeps on a user.
type userState struct {
	failed  int64
	blocked bool
	since   any // BlockedSince (ms) or nil
	active  bool
}

func (f *fixture) state(t testing.TB, name string) userState {
	t.Helper()
	id, err := strconv.ParseInt(f.ids[name], 10, 64)
	if err != nil {
		t.Fatalf("no id for %s", name)
	}
	var o *store.Object
	err = f.rt.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		o, err = f.rt.Store.Get(context.Background(), tx, f.rt.App.Entity(model.SystemUser), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var s userState
	switch v := o.Values["FailedLogins"].(type) {
	case int64:
		s.failed = v
	case nil:
	default:
		t.Fatalf("FailedLogins is %T", v)
	}
	s.blocked, _ = o.Values["Blocked"].(bool)
	s.active, _ = o.Values["Active"].(bool)
	s.since = o.Values["BlockedSince"]
	return s
}

func loginBody(name, pw string) map[string]string {
	return map[string]string{"username": name, "password": pw}
}

// TestSignInRefusalsLookAlike: unknown user, wrong password, blocked and
// inactive users get the same answer.
func TestSignInRefusalsLookAlike(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		admin := f.as("admin")
		f.createUser("emma", "Employee")
		f.createUser("bert", "Employee")
		f.createUser("ivy", "Employee")
		expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["bert"], map[string]any{"blocked": true}), 200, "", `"blocked":true`)
		expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["ivy"], map[string]any{"active": false}), 200, "", `"active":false`)
		var bodies []string
		for _, b := range []map[string]string{
			loginBody("nobody", userPW),
			loginBody("emma", "wrong-password-123456"),
			loginBody("bert", userPW),
			loginBody("ivy", userPW),
			loginBody("", ""),
		} {
			c := f.client()
			r := c.do("POST", "/api/v1/login", b)
			expect(t, r, 401, "invalid_credentials")
			if len(r.setCookies()) != 0 {
				t.Errorf("failed sign-in set a cookie: %v", r.header.Values("Set-Cookie"))
			}
			bodies = append(bodies, string(r.body))
		}
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("refusals differ:\n%s\n%s", bodies[0], b)
			}
		}
		// Names compare ignoring case.
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("EMMA", userPW)), 200, "", `"name":"emma"`)
	})
}

// TestSignInTiming: an unknown user costs about one hash, like a wrong
// password (measured with bcrypt:4 as CPU time of the signing-in thread;
// the ratio is loose on purpose).
func TestSignInTiming(t *testing.T) {
	// Not parallel: it runs before the parallel tests, alone. Lockout is
	// off, or the wrong passwords would soon be judged as blocked.
	f := start(t, appConfig{edits: []edit{{"lockout: {attempts: 3, duration: 5m}", "lockout: {attempts: 0, duration: 5m}"}}})
	f.createUser("emma", "Employee")
	f.createUser("ivy", "Employee")
	f.createUser("bert", "Employee")
	ctx := context.Background()
	ivy, _ := strconv.ParseInt(f.ids["ivy"], 10, 64)
	bert, _ := strconv.ParseInt(f.ids["bert"], 10, 64)
	if _, err := f.rt.Engine.Update(ctx, systemCaller(), f.rt.App.Entity(model.SystemUser), ivy, map[string]any{"Active": false}); err != nil {
		t.Fatal(err)
	}
	if err := f.rt.Identity.SetBlocked(ctx, bert, true); err != nil {
		t.Fatal(err)
	}
	kinds := []struct{ name, user, pw string }{
		{"wrong password", "emma", "wrong-password-123456"},
		{"unknown user", "nobody-at-all", "wrong-password-123456"},
		{"inactive", "ivy", userPW},
		{"blocked", "bert", userPW},
	}
	const rounds = 15
	times := make([][]time.Duration, len(kinds))
	for range rounds {
		for i, k := range kinds {
			var err error
			times[i] = append(times[i], threadCPU(func() { _, err = f.rt.Identity.SignIn(ctx, k.user, k.pw) }))
			if err == nil {
				t.Fatalf("%s signed in", k.name)
			}
		}
	}
	// The CPU time of the calling thread, and the minimum of each kind:
	// load on the machine does not add to it.
	least := func(d []time.Duration) time.Duration { return slices.Min(d) }
	base := least(times[0])
	for i, k := range kinds[1:] {
		m := least(times[i+1])
		ratio := float64(m) / float64(base)
		t.Logf("%s: least %v (wrong password %v, ratio %.2f)", k.name, m, base, ratio)
		if ratio < 0.4 || ratio > 4 {
			t.Errorf("%s takes %v, a wrong password %v: not about the same", k.name, m, base)
		}
	}
}

// TestLockout: at lockout.attempts the user is blocked with BlockedSince;
// attempts while blocked change nothing; the block ends after
// lockout.duration at the next attempt; success resets the count.
func TestLockout(t *testing.T) {
	onEachStore(t, appConfig{}, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		wrong := loginBody("emma", "wrong-password-123456")
		right := loginBody("emma", userPW)
		c := f.client()
		session := f.as("emma") // an existing session survives the lockout

		expect(t, c.do("POST", "/api/v1/login", wrong), 401, "invalid_credentials")
		expect(t, c.do("POST", "/api/v1/login", wrong), 401, "invalid_credentials")
		if s := f.state(t, "emma"); s.failed != 2 || s.blocked {
			t.Fatalf("after 2 failures: %+v", s)
		}
		// A success resets the count.
		expect(t, c.do("POST", "/api/v1/login", right), 200, "")
		if s := f.state(t, "emma"); s.failed != 0 {
			t.Fatalf("after a success: %+v", s)
		}
		for range 3 {
			expect(t, c.do("POST", "/api/v1/login", wrong), 401, "invalid_credentials")
		}
		s := f.state(t, "emma")
		if s.failed != 3 || !s.blocked || s.since != f.clock.Now().UnixMilli() {
			t.Fatalf("after 3 failures: %+v (now %d)", s, f.clock.Now().UnixMilli())
		}
		blockedAt := s.since
		// Blocked: even the right password fails, and nothing changes.
		f.clock.Advance(time.Minute)
		expect(t, c.do("POST", "/api/v1/login", right), 401, "invalid_credentials")
		expect(t, c.do("POST", "/api/v1/login", wrong), 401, "invalid_credentials")
		if s := f.state(t, "emma"); s.failed != 3 || !s.blocked || s.since != blockedAt {
			t.Fatalf("attempts while blocked changed the user: %+v", s)
		}
		// Lockout does not end existing sessions.
		expect(t, session.do("GET", "/api/v1/session", nil), 200, "", `"name":"emma"`)
		// Just before the duration: still blocked.
		f.clock.Advance(4*time.Minute - time.Millisecond)
		expect(t, c.do("POST", "/api/v1/login", right), 401, "invalid_credentials")
		// After it, the next attempt unblocks and is judged normally: a
		// wrong password counts 1.
		f.clock.Advance(time.Millisecond)
		expect(t, c.do("POST", "/api/v1/login", wrong), 401, "invalid_credentials")
		if s := f.state(t, "emma"); s.failed != 1 || s.blocked || s.since != nil {
			t.Fatalf("after the duration and a wrong password: %+v", s)
		}
		expect(t, c.do("POST", "/api/v1/login", right), 200, "")
		if s := f.state(t, "emma"); s.failed != 0 {
			t.Fatalf("after success: %+v", s)
		}
		if !strings.Contains(f.logs.String(), "user locked out") {
			t.Error("the lockout is not logged")
		}
	})
}

// TestLockoutSweep: the background sweep lifts an expired lockout but not
// a block set by a manager.
func TestLockoutSweep(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	admin := f.as("admin")
	f.createUser("emma", "Employee")
	f.createUser("bert", "Employee")
	for range 3 {
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", "wrong-password-123456")), 401, "invalid_credentials")
	}
	expect(t, admin.do("PATCH", "/api/v1/users/"+f.ids["bert"], map[string]any{"blocked": true}), 200, "")
	if s := f.state(t, "bert"); !s.blocked || s.since != nil {
		t.Fatalf("a manager's block: %+v", s)
	}
	sweep := func() {
		if err := f.rt.Identity.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(4 * time.Minute)
	sweep()
	if s := f.state(t, "emma"); !s.blocked {
		t.Fatal("the sweep lifted a lockout early")
	}
	f.clock.Advance(time.Minute)
	sweep()
	if s := f.state(t, "emma"); s.blocked || s.failed != 0 || s.since != nil {
		t.Fatalf("after the sweep: %+v", s)
	}
	f.clock.Advance(24 * time.Hour)
	sweep()
	if s := f.state(t, "bert"); !s.blocked {
		t.Fatal("the sweep lifted a manager's block")
	}
	expect(t, f.client().do("POST", "/api/v1/login", loginBody("bert", userPW)), 401, "invalid_credentials")
	expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
}

// TestLockoutRace: parallel wrong attempts never push FailedLogins past
// the limit, and the user is blocked exactly once.
func TestLockoutRace(t *testing.T) {
	onEachStore(t, appConfig{edits: []edit{{"lockout: {attempts: 3, duration: 5m}", "lockout: {attempts: 5, duration: 5m}"}}}, func(t *testing.T, f *fixture) {
		f.createUser("emma", "Employee")
		const n = 20
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Go(func() {
				statuses[i] = f.client().do("POST", "/api/v1/login", loginBody("emma", fmt.Sprintf("wrong-password-%06d", i))).status
			})
		}
		wg.Wait()
		for i, s := range statuses {
			if s != 401 {
				t.Errorf("attempt %d: status %d", i, s)
			}
		}
		s := f.state(t, "emma")
		if s.failed != 5 || !s.blocked || s.since == nil {
			t.Errorf("after %d parallel failures: %+v", n, s)
		}
		if got := strings.Count(f.logs.String(), `"msg":"user locked out"`); got != 1 {
			t.Errorf("locked out %d times, want once", got)
		}
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", userPW)), 401, "invalid_credentials")
	})
}

// TestLockoutOnlyAtProduction: at level prototype failures do not count.
func TestLockoutOnlyAtProduction(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{edits: []edit{{"level: production", "level: prototype"}}})
	f.createUser("emma", "Employee")
	for range 5 {
		expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", "wrong-password-123456")), 401, "invalid_credentials")
	}
	if s := f.state(t, "emma"); s.blocked || s.failed != 0 {
		t.Fatalf("lockout at level prototype: %+v", s)
	}
	expect(t, f.client().do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
}

// TestRateLimit: 10 a minute, burst 10, per client address; over the
// limit 429 with Retry-After, and the attempt is not judged.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	cfg := appConfig{rateLimit: true, proxies: []string{"10.0.0.0/8"}}
	t.Run("per address, not judged", func(t *testing.T) {
		t.Parallel()
		f := start(t, cfg)
		f.createUser("emma", "Employee")
		c := f.client()
		c.remote = "192.0.2.10:5000"
		for range 10 {
			expect(t, c.do("POST", "/api/v1/login", loginBody("nobody", "wrong-password-123456")), 401, "invalid_credentials")
		}
		r := c.do("POST", "/api/v1/login", loginBody("emma", "wrong-password-123456"))
		expect(t, r, 429, "rate_limited")
		if ra := r.header.Get("Retry-After"); ra != "6" {
			t.Errorf("Retry-After %q, want 6 (10 a minute)", ra)
		}
		if s := f.state(t, "emma"); s.failed != 0 {
			t.Errorf("a rate-limited attempt counted toward lockout: %+v", s)
		}
		expect(t, c.do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
		if c.sessionCookie() != "" {
			t.Error("a rate-limited sign-in started a session")
		}
		// Another address is not limited.
		d := f.client()
		d.remote = "192.0.2.11:5000"
		expect(t, d.do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
		// One token comes back every 6 seconds.
		f.clock.Advance(5 * time.Second)
		r = c.do("POST", "/api/v1/login", loginBody("emma", userPW))
		expect(t, r, 429, "rate_limited")
		if ra := r.header.Get("Retry-After"); ra != "1" {
			t.Errorf("Retry-After %q, want 1", ra)
		}
		f.clock.Advance(time.Second)
		expect(t, c.do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
		expect(t, c.do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
	})
	t.Run("malformed attempts count", func(t *testing.T) {
		t.Parallel()
		f := start(t, cfg)
		f.createUser("emma", "Employee")
		c := f.client()
		c.remote = "192.0.2.10:5000"
		for range 10 {
			expect(t, c.do("POST", "/api/v1/login", `{"username": 1}`), 400, "bad_request")
		}
		expect(t, c.do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
	})
	t.Run("IPv6 per /64", func(t *testing.T) {
		t.Parallel()
		f := start(t, cfg)
		f.createUser("emma", "Employee")
		c := f.client()
		c.remote = "[2001:db8:1:2::1]:5000"
		for range 10 {
			expect(t, c.do("POST", "/api/v1/login", loginBody("nobody", "x")), 401, "invalid_credentials")
		}
		same := f.client()
		same.remote = "[2001:db8:1:2:ffff:ffff:ffff:ffff]:6000"
		expect(t, same.do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
		other := f.client()
		other.remote = "[2001:db8:1:3::1]:5000"
		expect(t, other.do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
	})
	t.Run("X-Forwarded-For from a trusted proxy", func(t *testing.T) {
		t.Parallel()
		f := start(t, cfg)
		f.createUser("emma", "Employee")
		via := func(xff string) *client {
			c := f.client()
			c.remote = "10.1.2.3:4000"
			c.header.Set("X-Forwarded-For", xff)
			return c
		}
		for range 10 {
			expect(t, via("198.51.100.1, 10.9.9.9").do("POST", "/api/v1/login", loginBody("nobody", "x")), 401, "invalid_credentials")
		}
		// Prepending entries does not escape: the right-most untrusted
		// entry is the client.
		expect(t, via("203.0.113.77, 198.51.100.1").do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
		expect(t, via("198.51.100.2").do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
		// The proxy itself is not limited by its clients' attempts.
		expect(t, via("").do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
		// An untrusted peer's X-Forwarded-For is ignored.
		u := f.client()
		u.remote = "192.0.2.99:4000"
		for i := range 10 {
			u.header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", 100+i))
			expect(t, u.do("POST", "/api/v1/login", loginBody("nobody", "x")), 401, "invalid_credentials")
		}
		u.header.Set("X-Forwarded-For", "198.51.100.200")
		expect(t, u.do("POST", "/api/v1/login", loginBody("emma", userPW)), 429, "rate_limited")
	})
	t.Run("demo login and password change count", func(t *testing.T) {
		t.Parallel()
		f := start(t, cfg)
		f.createUser("emma", "Employee")
		c := f.client()
		c.remote = "192.0.2.10:5000"
		expect(t, c.do("POST", "/api/v1/login", loginBody("emma", userPW)), 200, "")
		for range 4 {
			expect(t, c.do("POST", "/api/v1/demo-users/demo_employee/login", nil), 200, "")
		}
		expect(t, c.do("POST", "/api/v1/demo-users/no_such_demo/login", nil), 404, "not_found")
		c.login("emma", userPW)
		for range 3 {
			expect(t, c.do("POST", "/api/v1/session/password", map[string]string{"current": "wrong-password-123456", "new": "another-Long-passphrase-7"}), 403, "invalid_credentials")
		}
		// 10 used: 1 + 4 + 1 (404 counts too) + 1 + 3.
		expect(t, c.do("POST", "/api/v1/session/password", map[string]string{"current": userPW, "new": "another-Long-passphrase-7"}), 429, "rate_limited")
		expect(t, c.do("POST", "/api/v1/demo-users/demo_employee/login", nil), 429, "rate_limited")
		if s := f.state(t, "emma"); s.failed != 0 {
			t.Errorf("wrong current passwords counted toward lockout: %+v", s)
		}
	})
}
