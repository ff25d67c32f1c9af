package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLogs: one line per request (method, route pattern, status, duration,
// user) and one per security event, and never a password, token or cookie
// value. (Every fixture also checks the last part at cleanup.)
func TestLogs(t *testing.T) {
	t.Parallel()
	f := start(t, appConfig{rateLimit: true})
	admin := f.as("admin")
	f.createUser("emma", "Employee")
	emma := f.as("emma")
	wrong := loginBody("emma", "wrong-password-123456")
	anon := f.client()
	for range 3 {
		anon.do("POST", "/api/v1/login", wrong)
	}
	emma.do("POST", "/api/v1/objects/Expenses.Project", map[string]any{"Name": "x"})
	emma.do("POST", "/api/v1/objects/Expenses.Expense", map[string]any{"Description": "x", "Amount": 1}, noCSRF())
	emma.do("POST", "/api/v1/session/password", map[string]string{"current": userPW, "new": "Another-long-passphrase-4"})
	admin.do("POST", "/api/v1/users", map[string]any{"name": "newbie", "password": "Newbie-long-passphrase-5", "roles": []string{"Employee"}})
	admin.do("PATCH", "/api/v1/users/"+f.ids["emma"], map[string]any{"password": "Admin-set-passphrase-66"})
	for range 6 {
		anon.do("POST", "/api/v1/demo-users/demo_employee/login", nil)
	}
	expect(t, anon.do("POST", "/api/v1/login", wrong), 429, "rate_limited")

	type line struct {
		Msg      string `json:"msg"`
		Method   string `json:"method"`
		Route    *string
		Status   int    `json:"status"`
		Duration string `json:"duration"`
		User     *int64 `json:"user"`
	}
	msgs := map[string]int{}
	requests := 0
	for _, raw := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var l line
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", raw)
		}
		json.Unmarshal([]byte(raw), &l)
		msgs[l.Msg]++
		if l.Msg == "request" {
			requests++
			for _, k := range []string{"method", "route", "status", "duration", "user"} {
				if _, ok := m[k]; !ok {
					t.Errorf("request line without %s: %s", k, raw)
				}
			}
			if l.Method == "POST" && l.Status == 0 {
				t.Errorf("request line without status: %s", raw)
			}
		}
	}
	if requests < 15 {
		t.Errorf("%d request lines", requests)
	}
	for _, event := range []string{"sign-in", "sign-in failed", "user locked out", "access denied", "csrf check failed", "user changed", "sign-in rate limited"} {
		if msgs[event] == 0 {
			t.Errorf("no %q event logged; messages: %v", event, msgs)
		}
	}
	if strings.Contains(f.logs.String(), `"route":"POST /api/v1/login"`) == false {
		t.Error("request lines do not carry the route pattern")
	}
}
