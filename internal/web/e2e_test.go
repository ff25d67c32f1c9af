package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	rt "github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/web"
)

// End-to-end tests drive Debian's Chromium through the web client. They
// skip when Chromium is not installed (CI installs it). Set
// RAMPART_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/.

const adminPassword = "correct horse battery staple 42"

func chromium(t *testing.T) string {
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("Chromium is not installed (apt-get install chromium): end-to-end tests skipped")
	return ""
}

// startApp copies the example app with fast hashing and the given changes
// to app.yaml, and serves it.
func startApp(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "examples", "expenses")
	for _, f := range []string{"app.yaml", "modules/Administration.yaml", "modules/Expenses.yaml"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if f == "app.yaml" {
			s = strings.Replace(s, "hashAlgorithm: bcrypt ", "hashAlgorithm: bcrypt:4 ", 1)
			s = strings.Replace(s, "    role: Administrator\n", "    role: Administrator\n    password: ${ADMIN_PW}\n", 1)
			if edit != nil {
				s = edit(s)
			}
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := rt.Start(context.Background(), rt.Options{
		AppDir: dir, DB: "sqlite:" + filepath.Join(dir, "data", "app.db"),
		Getenv: func(k string) (string, bool) {
			if k == "ADMIN_PW" {
				return adminPassword, true
			}
			return "", false
		},
		Web: web.Mount,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r.Server)
	t.Cleanup(func() { srv.Close(); r.Close() })
	return srv.URL
}

// browser starts headless Chromium and records console errors, uncaught
// exceptions and CSP violations.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			bad := m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException
			// Answers with a 4xx status are part of the flows (a refused
			// sign-in is a 401 page); the browser logs them as errors.
			if bad && !strings.Contains(m.Text, "status of 4") {
				b.mu.Lock()
				b.problems = append(b.problems, string(m.Type)+": "+m.Text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.dump(t)
		t.Fatal(err)
	}
	if os.Getenv("E2E_DEBUG") != "" {
		_, file, line, _ := goruntime.Caller(1)
		t.Logf("%s:%d took %s", filepath.Base(file), line, time.Since(start))
	}
}

// dump logs where the browser is, for a failed step.
func (b *browser) dump(t *testing.T) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " :: " + document.body.innerText.slice(0, 500)`))
	t.Logf("browser at %s", url)
}

// get runs an action that returns a value.
func get[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// clean fails the test when the browser reported a problem (a CSP
// violation shows up as a console or log error).
func (b *browser) clean(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
}

func screenshot(t *testing.T, b *browser, name string) {
	if os.Getenv("RAMPART_UPDATE_SCREENSHOTS") == "" {
		return
	}
	b.run(t, chromedp.Sleep(300*time.Millisecond))
	png := get(t, b, chromedp.FullScreenshot(100))
	path := filepath.Join("..", "..", "docs", "screenshots", name+".png")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// textWith waits until an element's text contains want (lists reload
// after a change, a moment after the notice), and returns the text.
func textWith(b *browser, t *testing.T, sel, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := text(b, t, sel)
		if strings.Contains(s, want) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// text reads an element's text once it is there. It polls with a script
// rather than a DOM query, which survives the document being replaced by a
// navigation that is still finishing.
func text(b *browser, t *testing.T, sel string) string {
	t.Helper()
	q := fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := get(t, b, chromedp.Evaluate[string](q))
		if s != "" || time.Now().After(deadline) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func signIn(t *testing.T, b *browser, base, user, password string) {
	b.run(t,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("header.top")),
	)
}

func TestBrowser(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strictMode=%v", strict), func(t *testing.T) {
			edit := func(s string) string {
				if strict {
					return strings.Replace(s, "strictMode: false", "strictMode: true", 1)
				}
				return s
			}
			base := startApp(t, edit)
			b := newBrowser(t)

			// The sign-in page, and a refused sign-in.
			b.run(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#username")))
			if !strict {
				screenshot(t, b, "sign-in")
			}
			b.run(t,
				chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
				chromedp.SendKeys(chromedp.CSS("#password"), "wrong password here"),
				chromedp.Submit(chromedp.CSS("#password")),
				chromedp.WaitVisible(chromedp.CSS(".alert")))
			if msg := text(b, t, ".alert"); !strings.Contains(msg, "locked") {
				t.Errorf("refusal message %q does not mention lockout", msg)
			}

			// The admin creates a project through a form, then edits it.
			signIn(t, b, base, "admin", adminPassword)
			b.run(t,
				chromedp.Navigate(base+"/projects"),
				chromedp.WaitVisible(chromedp.CSS("a.button.primary")),
				chromedp.Click(chromedp.CSS("a.button.primary")),
				chromedp.WaitVisible(chromedp.CSS("#f-Name")),
				chromedp.SendKeys(chromedp.CSS("#f-Name"), "Apollo"),
				chromedp.SendKeys(chromedp.CSS("#f-Budget"), "1250.50"),
				chromedp.Click(chromedp.CSS("button.primary")),
				chromedp.WaitVisible(chromedp.CSS(".notice")))
			b.run(t,
				chromedp.Navigate(base+"/projects"),
				chromedp.WaitVisible(chromedp.CSS("table.data tbody td a")))
			if got := textWith(b, t, "table.data tbody", "Apollo"); !strings.Contains(got, "Apollo") || !strings.Contains(got, "1250.5") {
				t.Errorf("projects list shows %q", got)
			}
			b.run(t,
				chromedp.Click(chromedp.CSS("table.data tbody td a")),
				chromedp.WaitVisible(chromedp.CSS("#f-Budget")),
				chromedp.SetValue(chromedp.CSS("#f-Budget"), "900"),
				chromedp.Click(chromedp.CSS("button.primary")),
				chromedp.WaitVisible(chromedp.CSS(".notice")))

			// A demo employee: own expenses, a new expense, Status read-only.
			b.run(t, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(".demo button")),
				chromedp.Click(chromedp.CSS(`form[action="/login/demo/demo_employee"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#app")))
			b.run(t,
				chromedp.Navigate(base+"/expenses"),
				chromedp.WaitVisible(chromedp.CSS("a.button.primary")),
				chromedp.Click(chromedp.CSS("a.button.primary")),
				chromedp.WaitVisible(chromedp.CSS("#f-Description")))
			disabled := get(t, b, chromedp.Evaluate[bool](`document.getElementById("f-Status").disabled`))
			if !disabled {
				t.Errorf("Status is writable for an employee's new expense")
			}
			b.run(t,
				chromedp.SendKeys(chromedp.CSS("#f-Description"), "Taxi to the airport"),
				chromedp.SendKeys(chromedp.CSS("#f-Amount"), "42.10"),
				chromedp.Click(chromedp.CSS("button.primary")),
				chromedp.WaitVisible(chromedp.CSS(".notice")))
			if !strict {
				screenshot(t, b, "form")
			}
			b.run(t, chromedp.Navigate(base+"/expenses"), chromedp.WaitVisible(chromedp.CSS("table.data tbody td a")))
			if got := textWith(b, t, "table.data tbody", "Taxi to the airport"); !strings.Contains(got, "Taxi to the airport") {
				t.Errorf("my expenses shows %q", got)
			}
			if !strict {
				screenshot(t, b, "list")
			}
			// A page of another role is refused, and not linked.
			nav := text(b, t, "#nav")
			if strings.Contains(nav, "Projects") {
				t.Errorf("the employee's menu links the admin page Projects: %q", nav)
			}
			b.run(t, chromedp.Navigate(base+"/projects"), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if h := text(b, t, "main h1"); h != "Not allowed" {
				t.Errorf("admin page for an employee: heading %q", h)
			}

			// A manager adds an employee, within manageable roles.
			b.run(t, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(".demo button")),
				chromedp.Click(chromedp.CSS(`form[action="/login/demo/demo_manager"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#app")),
				chromedp.Navigate(base+"/users"),
				chromedp.WaitVisible(chromedp.CSS("#nu-name")),
				chromedp.SendKeys(chromedp.CSS("#nu-name"), "erin"),
				chromedp.SendKeys(chromedp.CSS("#nu-pw"), "violet stapler mountain river"),
				chromedp.Click(chromedp.CSS(`input[name="nu-role"][value="Employee"]`)),
				chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".notice")))
			roles := get(t, b, chromedp.Evaluate[string](`[...document.querySelectorAll('input[name="nu-role"]')].map(i => i.value).join(",")`))
			if roles != "Employee" {
				t.Errorf("a manager is offered roles %q, want only Employee", roles)
			}
			if got := textWith(b, t, "table.data tbody", "erin"); !strings.Contains(got, "erin") {
				t.Errorf("users list: %q", got)
			}

			// Erin signs in, changes the password, and signs out.
			signIn(t, b, base, "erin", "violet stapler mountain river")
			b.run(t,
				chromedp.Navigate(base+"/account"),
				chromedp.WaitVisible(chromedp.CSS("#current")),
				chromedp.SendKeys(chromedp.CSS("#current"), "violet stapler mountain river"),
				chromedp.SendKeys(chromedp.CSS("#new"), "seven quiet owls over the harbour"),
				chromedp.SendKeys(chromedp.CSS("#repeat"), "seven quiet owls over the harbour"),
				chromedp.Click(chromedp.CSS(`form.narrow button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(".notice")),
				chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#username")))
			signIn(t, b, base, "erin", "seven quiet owls over the harbour")
			b.clean(t)
		})
	}
}
