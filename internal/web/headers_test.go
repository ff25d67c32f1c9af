package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	inlineScript  = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	eventHandler  = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	styleAttr     = regexp.MustCompile(`(?i)<[^>]+\sstyle\s*=`)
	styleElement  = regexp.MustCompile(`(?i)<style\b`)
	javascriptURL = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*"\s*javascript:`)
)

// checkHTML asserts the security headers and that the page holds no inline
// script, style or event handler.
func checkHTML(t *testing.T, what string, res *http.Response, body string) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows unsafe code: %q", what, csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", what, h, got, want)
		}
	}
	for _, tag := range inlineScript.FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("%s: inline script %s", what, tag)
		}
	}
	for name, re := range map[string]*regexp.Regexp{"event handler": eventHandler, "style attribute": styleAttr, "style element": styleElement, "javascript: URL": javascriptURL} {
		if m := re.FindString(body); m != "" {
			t.Errorf("%s: %s in %q", what, name, m)
		}
	}
}

func TestPagesAreStrict(t *testing.T) {
	base := startApp(t, nil)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	if res, _ := get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("GET / without a session: %d to %q, want a redirect to /login", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := get("/login")
	checkHTML(t, "/login", res, body)
	if !strings.Contains(body, `<form method="post" action="/login"`) || !strings.Contains(body, `name="password"`) {
		t.Errorf("the sign-in page is not a plain form")
	}
	res, body = get("/nowhere")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown page: %d", res.StatusCode)
	}
	checkHTML(t, "404", res, body)

	// Sign in through the form, as a browser without JavaScript would.
	res, err := client.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {adminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form sign-in: %d", res.StatusCode)
	}
	paths := []string{"/account", "/users", "/p/Expenses.MyExpenses", "/all-expenses", "/projects", "/tags", "/accounts", "/p/Expenses.ProjectEdit", "/p/Administration.AccountEdit"}
	for _, p := range paths {
		res, body := get(p)
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d", p, res.StatusCode)
		}
		checkHTML(t, p, res, body)
	}
	// The admin has no Employee module role: MyExpenses is refused.
	if res, body := get("/p/Expenses.MyExpenses"); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "may not open") {
		t.Errorf("a page of another role: %d", res.StatusCode)
	}
	for file, ct := range map[string]string{"/static/app.js": "text/javascript", "/static/app.css": "text/css"} {
		res, body := get(file)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), ct) || res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") == "" || body == "" {
			t.Errorf("%s: %d %q %q", file, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
		}
		if strings.Contains(body, "eval(") || strings.Contains(body, "innerHTML") || strings.Contains(body, "new Function") {
			t.Errorf("%s uses eval, innerHTML or new Function", file)
		}
	}
	if res, _ := get("/static/../web.go"); res.StatusCode == http.StatusOK {
		t.Errorf("static files escape their folder")
	}
}
