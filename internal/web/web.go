// Package web is the browser client: server-rendered HTML shells with the
// navigation, and small JavaScript modules that call the page operations of
// the HTTP API. Everything is served under a strict Content Security Policy:
// no inline script, style or event handler anywhere.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/server"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var templates = template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))

// CSP is the Content-Security-Policy of every HTML response.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// client serves the web client of one runtime.
type client struct {
	rt  *runtime.Runtime
	app *model.App
	log *slog.Logger
}

// Mount adds the web client's routes to the API's mux.
func Mount(rt *runtime.Runtime, mux *http.ServeMux) {
	// rt.Server is being built while Mount runs; handlers read it later.
	c := &client{rt: rt, app: rt.App, log: slog.Default()}
	mux.HandleFunc("GET /{$}", c.home)
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.loginPost)
	mux.HandleFunc("POST /login/demo/{name}", c.demoPost)
	mux.HandleFunc("POST /logout", c.logout)
	mux.HandleFunc("GET /p/{page}", c.pageByName)
	mux.HandleFunc("GET /account", c.account)
	mux.HandleFunc("GET /users", c.users)
	mux.HandleFunc("GET /static/{file...}", c.static)
	for _, p := range rt.App.Pages() {
		if p.URL != "" {
			mux.HandleFunc("GET "+p.URL, func(w http.ResponseWriter, r *http.Request) { c.page(w, r, p) })
		}
	}
	mux.HandleFunc("GET /", c.notFound)
}

// headers are set on every HTML response.
func htmlHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// view is what the layout needs.
type view struct {
	App      string
	Title    string
	User     *userView
	CSRF     string
	Menu     []menuItem
	Demo     []demoUser
	DemoOn   bool
	Message  string
	Status   int
	Page     *model.Page
	Config   string // JSON for the page script, in a data attribute
	Kind     string
	Username string
}

type userView struct {
	Name      string
	Roles     string
	Anonymous bool
	Manages   bool
}

type menuItem struct {
	Caption string
	URL     string
	Items   []menuItem
	Current bool
}

type demoUser struct {
	Name  string
	Roles string
}

func (c *client) render(w http.ResponseWriter, status int, name string, v *view) {
	v.App = c.app.Name
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, v); err != nil {
		c.log.Error("rendering a page", "template", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	htmlHeaders(w)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// visitor finds the request's session, starting an anonymous one when
// anonymous users are enabled.
func (c *client) visitor(w http.ResponseWriter, r *http.Request) (*server.Visitor, bool) {
	v, err := c.rt.Server.Who(w, r)
	if err != nil {
		c.fail(w, err)
		return nil, false
	}
	if v.Session == nil && c.app.Security.Level != model.LevelOff {
		if v, err = c.rt.Server.StartAnonymous(w, r); err != nil {
			c.fail(w, err)
			return nil, false
		}
	}
	return v, true
}

func (c *client) fail(w http.ResponseWriter, err error) {
	c.log.Error("web client", "error", err.Error())
	c.render(w, http.StatusInternalServerError, "message.html", &view{Title: "Something went wrong", Message: "Something went wrong on the server. Try again in a moment."})
}

// pageURL is where a page lives in the browser.
func pageURL(p *model.Page) string {
	if p.URL != "" {
		return p.URL
	}
	return "/p/" + p.QualifiedName()
}

// base fills the layout for a signed-in (or anonymous) visitor.
func (c *client) base(v *server.Visitor, title string, current *model.Page) *view {
	vw := &view{Title: title, DemoOn: c.rt.Server.DemoUsersOn()}
	if v.Session != nil {
		vw.CSRF = v.Session.CSRF
	}
	if v.User != nil {
		var roles []string
		manages := false
		for _, r := range v.User.Roles {
			roles = append(roles, r.Name)
			manages = manages || r.Manages()
		}
		vw.User = &userView{Name: v.User.Name, Roles: strings.Join(roles, ", "), Anonymous: v.User.Anonymous, Manages: manages || c.app.Security.Level == model.LevelOff}
	}
	if vw.DemoOn {
		for _, d := range c.app.Security.DemoUsers.Users {
			var roles []string
			for _, r := range d.Roles {
				roles = append(roles, r.Name)
			}
			vw.Demo = append(vw.Demo, demoUser{d.Name, strings.Join(roles, ", ")})
		}
	}
	var menu func(items []*model.MenuItem) []menuItem
	menu = func(items []*model.MenuItem) []menuItem {
		var out []menuItem
		for _, it := range items {
			if it.Page != nil {
				if it.Page.Page != nil && c.canOpen(v, it.Page.Page) {
					out = append(out, menuItem{Caption: it.Caption, URL: pageURL(it.Page.Page), Current: it.Page.Page == current})
				}
				continue
			}
			if sub := menu(it.Items); len(sub) > 0 {
				out = append(out, menuItem{Caption: it.Caption, Items: sub})
			}
		}
		return out
	}
	vw.Menu = menu(c.app.Navigation.Menu)
	return vw
}

func (c *client) canOpen(v *server.Visitor, p *model.Page) bool {
	return c.app.Security.Level == model.LevelOff || v.Session != nil && c.rt.Engine.CanOpen(v.Caller, p)
}

// home sends visitors to sign in, or to their home page.
func (c *client) home(w http.ResponseWriter, r *http.Request) {
	v, ok := c.visitor(w, r)
	if !ok {
		return
	}
	if v.Session == nil && c.app.Security.Level != model.LevelOff {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if p := c.homePage(v); p != nil {
		http.Redirect(w, r, pageURL(p), http.StatusSeeOther)
		return
	}
	c.render(w, http.StatusOK, "message.html", c.withMessage(c.base(v, "Home", nil), "Welcome. There is no page for your roles yet."))
}

// homePage is the first role home the user may open, else the app's home.
func (c *client) homePage(v *server.Visitor) *model.Page {
	nav := c.app.Navigation
	if v.User != nil {
		for _, ur := range v.User.Roles {
			for _, rh := range nav.RoleHomes {
				if rh.Role == ur && rh.Page.Page != nil && c.canOpen(v, rh.Page.Page) {
					return rh.Page.Page
				}
			}
		}
	}
	if nav.Home != nil && nav.Home.Page != nil && c.canOpen(v, nav.Home.Page) {
		return nav.Home.Page
	}
	return nil
}

func (c *client) withMessage(v *view, msg string) *view {
	v.Message = msg
	return v
}

func (c *client) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.app.Security.Level == model.LevelOff {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	vw := &view{Title: "Sign in", DemoOn: c.rt.Server.DemoUsersOn()}
	vw.Demo = c.base(&server.Visitor{}, "", nil).Demo
	c.render(w, http.StatusOK, "login.html", vw)
}

func (c *client) loginPost(w http.ResponseWriter, r *http.Request) {
	if c.app.Security.Level == model.LevelOff || !c.rt.Server.CrossOriginOK(r) {
		c.render(w, http.StatusForbidden, "message.html", &view{Title: "Not allowed", Message: "This request was refused."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, http.StatusBadRequest, "message.html", &view{Title: "Bad request", Message: "The form could not be read."})
		return
	}
	status, wait := c.rt.Server.SignInForm(w, r, r.PostForm.Get("username"), r.PostForm.Get("password"))
	c.afterSignIn(w, r, status, wait, r.PostForm.Get("username"))
}

func (c *client) demoPost(w http.ResponseWriter, r *http.Request) {
	if !c.rt.Server.CrossOriginOK(r) {
		c.render(w, http.StatusForbidden, "message.html", &view{Title: "Not allowed", Message: "This request was refused."})
		return
	}
	status, wait := c.rt.Server.DemoSignIn(w, r, r.PathValue("name"))
	if status == http.StatusNotFound {
		c.notFound(w, r)
		return
	}
	c.afterSignIn(w, r, status, wait, "")
}

func (c *client) afterSignIn(w http.ResponseWriter, r *http.Request, status int, wait, username string) {
	vw := &view{Title: "Sign in", DemoOn: c.rt.Server.DemoUsersOn(), Username: username, Status: status}
	vw.Demo = c.base(&server.Visitor{}, "", nil).Demo
	switch status {
	case http.StatusOK:
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", wait)
		vw.Message = "Too many sign-in attempts from your address. Wait " + wait + " seconds and try again."
	case http.StatusUnauthorized:
		vw.Message = "The user name or password is not right, or the account cannot sign in. After repeated failures an account is locked for a while."
	default:
		vw.Message = "Signing in failed. Try again in a moment."
	}
	c.render(w, status, "login.html", vw)
}

func (c *client) logout(w http.ResponseWriter, r *http.Request) {
	v, err := c.rt.Server.Who(w, r)
	if err != nil {
		c.fail(w, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	if !c.rt.Server.CrossOriginOK(r) || v.Session != nil && !server.SameToken(r.PostForm.Get("csrf"), v.Session.CSRF) {
		c.render(w, http.StatusForbidden, "message.html", &view{Title: "Not allowed", Message: "This request was refused; reload the page and try again."})
		return
	}
	if err := c.rt.Server.SignOut(w, r, v); err != nil {
		c.fail(w, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *client) pageByName(w http.ResponseWriter, r *http.Request) {
	p := c.app.Page(r.PathValue("page"))
	if p == nil {
		c.notFound(w, r)
		return
	}
	c.page(w, r, p)
}

// page serves the shell of a model page; its script loads the data through
// the page's operations.
func (c *client) page(w http.ResponseWriter, r *http.Request, p *model.Page) {
	v, ok := c.visitor(w, r)
	if !ok {
		return
	}
	if v.Session == nil && c.app.Security.Level != model.LevelOff {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	title := p.Title
	if title == "" {
		title = p.Name
	}
	if !c.canOpen(v, p) {
		c.render(w, http.StatusForbidden, "message.html", c.withMessage(c.base(v, "Not allowed", nil), "You may not open the page “"+title+"”. Ask an administrator if you need it."))
		return
	}
	vw := c.base(v, title, p)
	vw.Page = p
	cfg, kind := c.pageConfig(v, p)
	vw.Config, vw.Kind = cfg, kind
	c.render(w, http.StatusOK, "page.html", vw)
}

// pageConfig describes a page to its script.
func (c *client) pageConfig(v *server.Visitor, p *model.Page) (string, string) {
	cfg := map[string]any{"page": p.QualifiedName(), "title": p.Title}
	kind := "empty"
	switch {
	case p.List != nil && p.List.Entity != nil:
		kind = "list"
		var cols []any
		for _, col := range p.List.Columns {
			cp, err := model.ResolveColumn(c.app, p.List.Entity, col.Name, p.Module)
			if err != nil {
				continue
			}
			key := col.Name
			if len(cp.Steps) == 0 {
				key = cp.Member.Name
			}
			lbl := label(cp.Member)
			if n := len(cp.Steps); n > 0 {
				// A path column is named after the object it reaches:
				// "Project" for Expense_Project/Project/Name.
				step := cp.Steps[n-1].Entity.Name
				lbl = step
				if cp.Member.Name != "Name" {
					lbl = step + " " + strings.ToLower(lbl)
				}
			}
			cols = append(cols, map[string]any{"key": key, "label": lbl, "type": memberType(cp.Member), "sortable": len(cp.Steps) == 0 && cp.Member.Attribute != nil})
		}
		cfg["columns"] = cols
		cfg["search"] = len(p.List.Search) > 0
		if t := p.List.Open; t != nil && t.Page != nil && c.canOpen(v, t.Page) {
			cfg["open"] = pageURL(t.Page)
		}
		if t := p.List.New; t != nil && t.Page != nil && c.canOpen(v, t.Page) && t.Page.Form != nil && c.rt.Engine.CanCreate(v.Caller, t.Page.Form.Entity) {
			cfg["new"] = pageURL(t.Page)
		}
	case p.Form != nil && p.Form.Entity != nil:
		kind = "form"
		var fields []any
		for _, f := range p.Form.Fields {
			m := p.Form.Entity.Member(f.Name, p.Module)
			if m == nil {
				continue
			}
			fd := map[string]any{"name": m.Name, "label": label(m), "type": memberType(m)}
			if a := m.Attribute; a != nil {
				fd["required"] = a.Required
				if a.Type == model.TypeString && a.Length > 0 {
					fd["length"] = a.Length
				}
				if a.Enum != nil {
					var vals []any
					for _, ev := range a.Enum.Values {
						vals = append(vals, map[string]string{"key": ev.Key, "caption": ev.Caption})
					}
					fd["values"] = vals
				}
			}
			fields = append(fields, fd)
		}
		cfg["fields"] = fields
		var actions []string
		for _, a := range p.Form.Actions {
			actions = append(actions, a.Name)
		}
		cfg["actions"] = actions
	}
	b, _ := json.Marshal(cfg)
	return string(b), kind
}

// label turns a member name into a caption: "SubmittedOn" → "Submitted on".
func label(m *model.Member) string {
	name := m.Name
	if m.Association != nil {
		name = m.Association.To.Name
		if m.Association.Type == model.ReferenceSet {
			name += "s"
		}
	}
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		if r == '_' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

func memberType(m *model.Member) string {
	if m.Association != nil {
		if m.Association.Type == model.ReferenceSet {
			return "referenceSet"
		}
		return "reference"
	}
	return string(m.Attribute.Type)
}

func (c *client) account(w http.ResponseWriter, r *http.Request) {
	v, ok := c.visitor(w, r)
	if !ok {
		return
	}
	if v.Session == nil || v.User == nil || v.User.Anonymous {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	vw := c.base(v, "Your account", nil)
	pp := c.app.Security.PasswordPolicy
	b, _ := json.Marshal(map[string]any{"minLength": pp.MinLength, "maxLength": pp.MaxLength})
	vw.Kind, vw.Config = "account", string(b)
	c.render(w, http.StatusOK, "page.html", vw)
}

func (c *client) users(w http.ResponseWriter, r *http.Request) {
	v, ok := c.visitor(w, r)
	if !ok {
		return
	}
	if v.Session == nil && c.app.Security.Level != model.LevelOff {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	vw := c.base(v, "Users", nil)
	var roles []string
	for _, ur := range c.app.Security.UserRoles {
		if c.rt.Engine.Grantable(v.Caller, ur) {
			roles = append(roles, ur.Name)
		}
	}
	if len(roles) == 0 && !(vw.User != nil && vw.User.Manages) {
		c.render(w, http.StatusForbidden, "message.html", c.withMessage(vw, "You do not manage any users."))
		return
	}
	self := int64(0)
	if v.User != nil {
		self = v.User.ID
	}
	b, _ := json.Marshal(map[string]any{"roles": roles, "self": strconv.FormatInt(self, 10)})
	vw.Kind, vw.Config = "users", string(b)
	c.render(w, http.StatusOK, "page.html", vw)
}

// static serves the embedded assets. Their names are fixed per build, so
// browsers revalidate them (no-cache) instead of keeping a stale script.
func (c *client) static(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("static/" + r.PathValue("file"))
	data, err := fs.ReadFile(staticFiles, name)
	if err != nil || !strings.HasPrefix(name, "static/") {
		c.notFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".js" {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300, must-revalidate")
	w.Header().Set("Content-Security-Policy", CSP)
	w.Write(data)
}

// notFound answers unknown routes: JSON under /api, a page elsewhere.
func (c *client) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"code":"not_found","message":"not found","details":[]}}` + "\n"))
		return
	}
	c.render(w, http.StatusNotFound, "message.html", &view{Title: "Not found", Message: "There is no page at this address."})
}
