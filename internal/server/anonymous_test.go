package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// anonymous starts an anonymous session and returns the client and the
// anonymous user's id.
func (f *fixture) anonymous(t testing.TB) (*client, string) {
	t.Helper()
	c := f.client()
	r := c.do("GET", "/api/v1/session", nil)
	expect(t, r, 200, "", `"anonymous":true`, `"roles":["Guest"]`, `"csrfToken":"`)
	checkSessionCookie(t, r, "rampart-session", "Strict", false)
	u := r.obj(t)["user"].(map[string]any)
	if name := u["name"].(string); !strings.HasPrefix(name, "anonymous-") {
		t.Errorf("anonymous user named %q", name)
	}
	return c, u["id"].(string)
}

// ownerOf reads System.owner of a note as the system ("" when empty).
func (f *fixture) ownerOf(t testing.TB, id string) string {
	t.Helper()
	n, _ := strconv.ParseInt(id, 10, 64)
	r, err := f.rt.Engine.Get(context.Background(), systemCaller(), f.rt.App.Entity("Guestbook.Note"), n)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := r.Values.Value("System.owner").(int64); o != 0 {
		return strconv.FormatInt(o, 10)
	}
	return ""
}

// userExists reports whether a user id still exists.
func (f *fixture) userExists(t testing.TB, id string) bool {
	t.Helper()
	n, _ := strconv.ParseInt(id, 10, 64)
	rec, err := f.rt.Identity.User(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return rec != nil
}

func TestAnonymousUsers(t *testing.T) {
	onEachStore(t, guests(), func(t *testing.T, f *fixture) {
		notes := "/api/v1/objects/Guestbook.Note"
		a, aID := f.anonymous(t)
		b, bID := f.anonymous(t)
		if aID == bID {
			t.Fatal("two anonymous sessions share a user")
		}
		// The same session again: no new user.
		expect(t, a.do("GET", "/api/v1/session", nil), 200, "", `"id":"`+aID+`"`)
		noteA := a.create("Guestbook.Note", map[string]any{"Text": "from a"})
		noteB := b.create("Guestbook.Note", map[string]any{"Text": "from b"})
		if f.ownerOf(t, noteA) != aID {
			t.Fatal("System.owner is not the anonymous user")
		}
		admin := f.as("admin")
		f.run(t, []call{
			{name: "a sees only its note", c: a, method: "GET", path: notes, status: 200, has: []string{`"Text":"from a"`}, not: []string{"from b"}},
			{name: "b cannot read a's note", c: b, method: "GET", path: notes + "/" + noteA, status: 404, code: "not_found"},
			{name: "b cannot delete a's note", c: b, method: "DELETE", path: notes + "/" + noteA, status: 404, code: "not_found"},
			{name: "page list isolated", c: b, method: "POST", path: "/api/v1/ops/Guestbook.Notes/list", body: `{}`, status: 200, has: []string{"from b"}, not: []string{"from a"}},
			{name: "other calls need a session", method: "GET", path: notes, status: 401, code: "not_authenticated"},
			{name: "navigation needs a session", method: "GET", path: "/api/v1/navigation", status: 401, code: "not_authenticated"},
			{name: "anonymous has no password", c: a, method: "POST", path: "/api/v1/session/password", body: map[string]string{"current": "", "new": "Some-long-passphrase-1"}, status: 403},
			{name: "anonymous users are not managed", c: admin, method: "GET", path: "/api/v1/users", status: 200, not: []string{"anonymous-"}},
			{name: "anonymous user not patchable", c: admin, method: "PATCH", path: "/api/v1/users/" + aID, body: map[string]any{"name": "x"}, status: 404, code: "not_found"},
			{name: "the anonymous role is not grantable", c: admin, method: "POST", path: "/api/v1/users", body: map[string]any{"name": "g", "password": userPW, "roles": []string{"Guest"}}, status: 403, code: "access_denied"},
			{name: "anonymous users cannot sign in by name", method: "POST", path: "/api/v1/login", body: loginBody("anonymous-x", ""), status: 401, code: "invalid_credentials"},
		})
		t.Run("logout deletes the anonymous user", func(t *testing.T) {
			expect(t, a.do("POST", "/api/v1/logout", nil), 204, "")
			if f.userExists(t, aID) {
				t.Error("the anonymous user outlived its session")
			}
			if o := f.ownerOf(t, noteA); o != "" {
				t.Errorf("System.owner still %s", o)
			}
		})
		t.Run("sign-in ends the anonymous session", func(t *testing.T) {
			f.createUser("emma", "Employee")
			old := b.sessionCookie()
			r := b.login("emma", userPW)
			if b.sessionCookie() == old || b.sessionCookie() == "" {
				t.Error("sign-in kept the anonymous session's cookie value")
			}
			expect(t, r, 200, "", `"anonymous":false`)
			expect(t, f.client().do("GET", "/api/v1/navigation", nil, withCookie("rampart-session", old)), 401, "not_authenticated")
			if f.userExists(t, bID) {
				t.Error("the anonymous user outlived sign-in")
			}
			if o := f.ownerOf(t, noteB); o != "" {
				t.Errorf("System.owner still %s", o)
			}
		})
		t.Run("expiry deletes the anonymous user", func(t *testing.T) {
			c, id := f.anonymous(t)
			note := c.create("Guestbook.Note", map[string]any{"Text": "expiring"})
			d, dID := f.anonymous(t)
			noteD := d.create("Guestbook.Note", map[string]any{"Text": "swept"})
			f.clock.Advance(12 * time.Minute)
			// At the next request...
			expect(t, c.do("GET", "/api/v1/session", nil), 200, "", `"anonymous":true`)
			if f.userExists(t, id) || f.ownerOf(t, note) != "" {
				t.Error("an expired anonymous session kept its user")
			}
			// ... or by the sweep.
			if err := f.rt.Identity.Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
			if f.userExists(t, dID) || f.ownerOf(t, noteD) != "" {
				t.Error("the sweep kept the anonymous user")
			}
		})
	})
}

func TestAnonymousOffIs401(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{})
	r := f.client().do("GET", "/api/v1/session", nil)
	expect(t, r, 401, "not_authenticated")
	if len(r.setCookies()) != 0 {
		t.Error("a cookie was set without anonymous users")
	}
}
