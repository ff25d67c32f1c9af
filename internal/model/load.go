package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	// Time zones are part of the model (timeZone): embed the IANA
	// database, so that an app checks the same on a machine without
	// /usr/share/zoneinfo (a scratch or distroless image).
	_ "time/tzdata"

	"github.com/rampart/rampart/internal/diag"
)

// Options change how an app is loaded.
type Options struct {
	// Getenv looks up environment variables; default os.LookupEnv.
	Getenv func(string) (string, bool)
	// FilePrefix is put before every file name in diagnostics, such as
	// "App.mpr!" for a project imported in memory.
	FilePrefix string
}

// ErrNotAnApp is returned (wrapped) when the directory holds no app.yaml.
var ErrNotAnApp = errors.New("not a Rampart app")

// Load reads the app in dir. The error is for an app that cannot be read at
// all; every problem in the model files is a diagnostic.
func Load(dir string, opts Options) (*App, diag.List, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read app %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("app %s is not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read app %s: %w", dir, err)
	}
	defer root.Close()
	app, diags, err := LoadFS(root.FS(), opts)
	if app != nil {
		app.Dir = dir
	}
	if errors.Is(err, ErrNotAnApp) {
		err = fmt.Errorf("%s has no app.yaml: %w (create one with `rampart init`)", dir, ErrNotAnApp)
	}
	return app, diags, err
}

// LoadFS reads an app from a file system rooted at the app directory.
func LoadFS(fsys fs.FS, opts Options) (*App, diag.List, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	l := &loader{fsys: fsys, opts: opts}
	src, err := fs.ReadFile(fsys, "app.yaml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, ErrNotAnApp
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read app.yaml: %w", err)
	}
	app := l.loadApp(src)
	if err := l.loadModules(app); err != nil {
		return nil, nil, err
	}
	l.link(app)
	l.check(app)
	return app, l.diags.Sort(), nil
}

type loader struct {
	fsys  fs.FS
	opts  Options
	diags diag.List
	// appFailed: app.yaml could not be read as a mapping, so its defaults
	// stand in for what it says. failed: module files (by name) that could
	// not be read. Neither is a reason for more messages: references into a
	// failed module are not reported, since the file's own error says what
	// to fix.
	appFailed bool
	failed    map[string]bool
}

// fail records a module that could not be read.
func (l *loader) fail(module string) {
	if l.failed == nil {
		l.failed = map[string]bool{}
	}
	l.failed[module] = true
}

func (l *loader) decoder(file string) *decoder {
	return &decoder{file: l.opts.FilePrefix + file, diags: &l.diags, env: l.opts.Getenv}
}

// parsedFile is one file after YAML parsing, before it is typed.
type parsedFile struct {
	name string // as diagnostics name it
	root *node
	dups []*yamlError
	err  error
}

// parseFile parses one file. It touches nothing shared, so files may be
// parsed in parallel.
func (l *loader) parseFile(file string, src []byte) parsedFile {
	name := l.opts.FilePrefix + file
	root, dups, err := parseYAML(name, src)
	return parsedFile{name, root, dups, err}
}

// parse reads a file into a node tree, reporting YAML errors.
func (l *loader) parse(file string, src []byte) *node {
	return l.tree(l.parseFile(file, src))
}

// tree reports the YAML errors of a parsed file and returns its tree, nil
// when the file could not be parsed.
func (l *loader) tree(pf parsedFile) *node {
	name, root, dups, err := pf.name, pf.root, pf.dups, pf.err
	if err != nil {
		var ye *yamlError
		if errors.As(err, &ye) {
			l.diags.Errorf(ye.pos, CodeYAML, "%s", ye.msg)
		} else {
			l.diags.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, CodeYAML, "%v", err)
		}
		return nil
	}
	for _, ye := range dups {
		l.diags.Errorf(ye.pos, CodeDuplicateKey, "%s", ye.msg)
	}
	if root == nil {
		return &node{kind: mapNode, pos: diag.Pos{File: name, Line: 1, Col: 1}}
	}
	return root
}

// Defaults of model.md.
func defaultSecurity() Security {
	return Security{
		Level:         LevelProduction,
		CheckSecurity: true,
		HashAlgorithm: HashAlgorithm{Name: "bcrypt", Cost: DefaultBcryptCost},
		AdminUser:     AdminUser{Name: "MxAdmin", RoleName: "Administrator"},
		PasswordPolicy: PasswordPolicy{
			MinLength: 15, MaxLength: 128, BlockCommon: true, NotContainUsername: true,
		},
		Lockout:    Lockout{Attempts: 3, Duration: 5 * time.Minute},
		SignInRate: SignInRateLimit{PerMinute: 10, Burst: 10},
		Session: SessionSettings{
			Timeout: 10 * time.Minute, AbsoluteTimeout: 24 * time.Hour,
			MultiplePerUser: true, SameSite: "Strict",
		},
	}
}

func (l *loader) loadApp(src []byte) *App {
	app := &App{TimeZone: time.UTC, TimeZoneID: "UTC", Security: defaultSecurity(), Keys: map[string]Pos{}}
	root := l.parse("app.yaml", src)
	if root == nil {
		l.appFailed = true
		return app
	}
	d := l.decoder("app.yaml")
	key := func(prefix string, p pair) { app.Keys[prefix+p.key] = p.keyPos }
	var hasName bool
	if !d.fields(root, "app.yaml", map[string]func(pair){
		"name": func(p pair) {
			key("", p)
			hasName = true
			app.Name, _ = d.nonEmpty(p.value)
		},
		"version": func(p pair) { key("", p); app.Version, _ = d.str(p.value) },
		"timeZone": func(p pair) {
			key("", p)
			s, ok := d.str(p.value)
			if !ok || s == "" {
				return
			}
			loc, err := time.LoadLocation(s)
			if err != nil || strings.EqualFold(s, "local") {
				d.errorf(p.value.pos, CodeTimeZone, "unknown time zone %q: use an IANA name such as Europe/Amsterdam or UTC", s)
				return
			}
			app.TimeZone, app.TimeZoneID = loc, s
		},
		"modules": func(p pair) {
			key("", p)
			for _, n := range d.names(p.value, "module names") {
				app.ModuleNames = append(app.ModuleNames, n.Name)
				app.Keys["modules."+n.Name] = n.Pos
			}
		},
		"security":   func(p pair) { key("", p); l.security(d, app, p.value) },
		"navigation": func(p pair) { key("", p); l.navigation(d, app, p.value) },
	}) {
		l.appFailed = true
		return app
	}
	if !hasName {
		d.required(root.pos, "name", "app.yaml")
	}
	return app
}

func (l *loader) security(d *decoder, app *App, n *node) {
	s := &app.Security
	key := func(prefix string, p pair) { app.Keys["security."+prefix+p.key] = p.keyPos }
	boolField := func(prefix string, dst *bool) func(pair) {
		return func(p pair) {
			key(prefix, p)
			if v, ok := d.boolean(p.value); ok {
				*dst = v
			}
		}
	}
	intField := func(prefix string, dst *int, lo, hi int) func(pair) {
		return func(p pair) {
			key(prefix, p)
			if v, ok := d.integer(p.value, lo, hi); ok {
				*dst = v
			}
		}
	}
	durField := func(prefix string, dst *time.Duration) func(pair) {
		return func(p pair) {
			key(prefix, p)
			if v, ok := d.duration(p.value); ok {
				*dst = v
			}
		}
	}
	d.fields(n, "security", map[string]func(pair){
		"level": func(p pair) {
			key("", p)
			if v, ok := d.oneOf(p.value, "off", "prototype", "production"); ok {
				s.Level = Level(v)
			}
		},
		"checkSecurity": boolField("", &s.CheckSecurity),
		"strictMode":    boolField("", &s.StrictMode),
		"hashAlgorithm": func(p pair) {
			key("", p)
			if v, ok := d.str(p.value); ok {
				h, err := ParseHashAlgorithm(v)
				if err != nil {
					d.errorf(p.value.pos, CodeHashAlgorithm, "%v", err)
					return
				}
				s.HashAlgorithm = h
			}
		},
		"userEntity": func(p pair) {
			key("", p)
			s.UserEntityName, _ = d.str(p.value)
			app.Keys["security.userEntity.value"] = p.value.pos
		},
		"adminUser": func(p pair) {
			key("", p)
			s.AdminUser.Pos = p.keyPos
			d.fields(p.value, "adminUser", map[string]func(pair){
				"name": func(q pair) {
					key("adminUser.", q)
					if v, ok := d.nonEmpty(q.value); ok {
						s.AdminUser.Name = v
					}
				},
				"role": func(q pair) {
					key("adminUser.", q)
					app.Keys["security.adminUser.role.value"] = q.value.pos
					s.AdminUser.RoleName = ""
					if v, ok := d.nonEmpty(q.value); ok {
						s.AdminUser.RoleName = v
					}
				},
				"password": func(q pair) { key("adminUser.", q); s.AdminUser.Password = d.secret(q.value) },
			})
		},
		"userRoles": func(p pair) {
			key("", p)
			l.userRoles(d, s, p.value)
		},
		"anonymous": func(p pair) {
			key("", p)
			s.Anonymous.Pos = p.keyPos
			d.fields(p.value, "anonymous", map[string]func(pair){
				"enabled": boolField("anonymous.", &s.Anonymous.Enabled),
				"role": func(q pair) {
					key("anonymous.", q)
					if v, ok := d.nonEmpty(q.value); ok {
						s.Anonymous.RoleName = v
					}
					app.Keys["security.anonymous.role.value"] = q.value.pos
				},
			})
		},
		"demoUsers": func(p pair) {
			key("", p)
			s.DemoUsers.Pos = p.keyPos
			d.fields(p.value, "demoUsers", map[string]func(pair){
				"enabled": boolField("demoUsers.", &s.DemoUsers.Enabled),
				"users": func(q pair) {
					key("demoUsers.", q)
					d.list(q.value, "demo users", func(it *node) {
						u := &DemoUser{Pos: it.pos}
						var named, hasRoles, badRoles bool
						d.fields(it, "a demo user", map[string]func(pair){
							"name": func(r pair) { named = true; u.Name, _ = d.nonEmpty(r.value) },
							"roles": func(r pair) {
								hasRoles = true
								badRoles = r.value.kind != seqNode && !r.value.isNull()
								u.RoleNames = d.names(r.value, "user roles")
							},
							"entity": func(r pair) { u.EntityName, _ = d.str(r.value); u.EntityPos = r.value.pos },
						})
						if it.kind == mapNode {
							if !named {
								d.required(it.pos, "name", "a demo user")
							}
							if (!hasRoles || len(u.RoleNames) == 0) && !badRoles {
								d.errorf(it.pos, CodeDemoNoRoles, "demo user %q needs at least one user role in `roles`", u.Name)
							}
							s.DemoUsers.Users = append(s.DemoUsers.Users, u)
						}
					})
				},
			})
		},
		"passwordPolicy": func(p pair) {
			key("", p)
			pp := &s.PasswordPolicy
			const pre = "passwordPolicy."
			d.fields(p.value, "passwordPolicy", map[string]func(pair){
				"minLength":          intField(pre, &pp.MinLength, 1, 1024),
				"maxLength":          intField(pre, &pp.MaxLength, 1, 4096),
				"requireDigit":       boolField(pre, &pp.RequireDigit),
				"requireMixedCase":   boolField(pre, &pp.RequireMixedCase),
				"requireSymbol":      boolField(pre, &pp.RequireSymbol),
				"blockCommon":        boolField(pre, &pp.BlockCommon),
				"notContainUsername": boolField(pre, &pp.NotContainUsername),
			})
		},
		"lockout": func(p pair) {
			key("", p)
			d.fields(p.value, "lockout", map[string]func(pair){
				"attempts": intField("lockout.", &s.Lockout.Attempts, 0, 1000),
				"duration": durField("lockout.", &s.Lockout.Duration),
			})
		},
		"signInRateLimit": func(p pair) {
			key("", p)
			d.fields(p.value, "signInRateLimit", map[string]func(pair){
				"perMinute": intField("signInRateLimit.", &s.SignInRate.PerMinute, 0, 1_000_000),
				"burst":     intField("signInRateLimit.", &s.SignInRate.Burst, 1, 1_000_000),
			})
		},
		"session": func(p pair) {
			key("", p)
			const pre = "session."
			d.fields(p.value, "session", map[string]func(pair){
				"timeout":         durField(pre, &s.Session.Timeout),
				"absoluteTimeout": durField(pre, &s.Session.AbsoluteTimeout),
				"multiplePerUser": boolField(pre, &s.Session.MultiplePerUser),
				"sameSite": func(q pair) {
					key(pre, q)
					if v, ok := d.oneOf(q.value, "Strict", "Lax", "None"); ok {
						s.Session.SameSite = v
					}
				},
			})
		},
	})
}

// ParseHashAlgorithm reads a hashAlgorithm setting.
func ParseHashAlgorithm(v string) (HashAlgorithm, error) {
	switch v {
	case "bcrypt":
		return HashAlgorithm{Name: "bcrypt", Cost: DefaultBcryptCost}, nil
	case "argon2id", "ssha256", "sha256", "md5":
		return HashAlgorithm{Name: v}, nil
	}
	if c, ok := strings.CutPrefix(v, "bcrypt:"); ok {
		var cost int
		if _, err := fmt.Sscanf(c, "%d", &cost); err == nil && itoa(cost) == c && cost >= 4 && cost <= 31 {
			return HashAlgorithm{Name: "bcrypt", Cost: cost}, nil
		}
		return HashAlgorithm{}, fmt.Errorf("bcrypt cost %q is not valid: use a whole number from 10 to 31 (4 to 31 in development mode)", c)
	}
	return HashAlgorithm{}, fmt.Errorf("unknown hash algorithm %q: use bcrypt, bcrypt:COST or argon2id", v)
}

// secret reads adminUser.password: an unset variable is a warning, since the
// analyses run without it and only `run` needs it.
func (d *decoder) secret(n *node) Secret {
	s := Secret{Written: true, Pos: n.pos}
	if n.kind != scalarNode {
		d.wrongType(n, "a string")
		return s
	}
	if n.isNull() {
		return s
	}
	r := d.expandText(n.raw)
	s.VarName, s.EnvOnly = r.envOnly, r.envOnly != ""
	if len(r.malformed) > 0 {
		d.malformed(n.pos, r.malformed)
		return s
	}
	if len(r.unset) > 0 {
		s.Unset = true
		d.warnf(n.pos, CodeUnsetAdminPass, "environment variable %s for the admin password is not set: the analyses treat the password as not given, and `rampart run` needs it", r.unset[0])
		return s
	}
	s.Value, s.Given = r.text, r.text != ""
	return s
}

func (l *loader) userRoles(d *decoder, s *Security, n *node) {
	if n.kind != mapNode {
		if !n.isNull() {
			d.wrongType(n, "a mapping of user roles")
		}
		return
	}
	for _, p := range n.pairs {
		ur := &UserRole{Name: p.key, Pos: p.keyPos, CheckSecurity: true}
		d.validName(p.key, p.keyPos, "user role")
		d.fields(p.value, "user role "+p.key, map[string]func(pair){
			"description": func(q pair) { ur.Description, _ = d.str(q.value) },
			"moduleRoles": func(q pair) {
				before := len(*d.diags)
				ur.ModuleRoleNames = d.names(q.value, "module roles")
				ur.unsure = len(*d.diags) > before
			},
			"manageableRoles": func(q pair) {
				if q.value.kind == scalarNode && !q.value.isNull() {
					if v, _ := d.str(q.value); v == "all" {
						ur.ManageAll = true
					} else {
						d.errorf(q.value.pos, CodeBadValue, "manageableRoles is \"all\" or a list of user roles, not %q", v)
					}
					return
				}
				ur.ManageableRoleNames = d.names(q.value, "user roles")
			},
			"manageUsersWithoutRoles": func(q pair) { ur.ManageUsersWithoutRoles, _ = d.boolean(q.value) },
			"checkSecurity": func(q pair) {
				if v, ok := d.boolean(q.value); ok {
					ur.CheckSecurity = v
				}
			},
		})
		s.UserRoles = append(s.UserRoles, ur)
	}
}

func (l *loader) navigation(d *decoder, app *App, n *node) {
	nav := &app.Navigation
	d.fields(n, "navigation", map[string]func(pair){
		"home": func(p pair) {
			if v, ok := d.str(p.value); ok && v != "" {
				nav.Home = &PageRef{Name: v, Pos: p.value.pos}
			}
		},
		"roleHomes": func(p pair) {
			if p.value.kind != mapNode {
				if !p.value.isNull() {
					d.wrongType(p.value, "a mapping of user role to page")
				}
				return
			}
			for _, q := range p.value.pairs {
				if v, ok := d.str(q.value); ok {
					nav.RoleHomes = append(nav.RoleHomes, RoleHome{RoleName: q.key, RolePos: q.keyPos, Page: PageRef{Name: v, Pos: q.value.pos}})
				}
			}
		},
		"menu": func(p pair) { nav.Menu = l.menu(d, p.value) },
	})
}

func (l *loader) menu(d *decoder, n *node) []*MenuItem {
	var items []*MenuItem
	d.list(n, "menu items", func(it *node) {
		m := &MenuItem{Pos: it.pos}
		var hasCaption, hasPage, hasItems bool
		d.fields(it, "a menu item", map[string]func(pair){
			"caption": func(p pair) { hasCaption = true; m.Caption, _ = d.nonEmpty(p.value) },
			"page": func(p pair) {
				hasPage = true
				if v, ok := d.nonEmpty(p.value); ok {
					m.Page = &PageRef{Name: v, Pos: p.value.pos}
				}
			},
			"items": func(p pair) { hasItems = true; m.Items = l.menu(d, p.value) },
		})
		if it.kind != mapNode {
			return
		}
		switch {
		case !hasCaption:
			d.required(it.pos, "caption", "a menu item")
		case hasPage && hasItems:
			d.errorf(it.pos, CodeMenu, "menu item %q has both `page` and `items`: a leaf opens a page, a group holds items", m.Caption)
		case !hasPage && !hasItems:
			d.errorf(it.pos, CodeMenu, "menu item %q needs `page` (a leaf) or `items` (a group)", m.Caption)
		}
		items = append(items, m)
	})
	return items
}

// loadModules reads the module files: those app.yaml lists, or every
// modules/*.yaml sorted by name.
func (l *loader) loadModules(app *App) error {
	app.Modules = []*Module{systemModule()}
	files := map[string]bool{}
	entries, err := fs.ReadDir(l.fsys, "modules")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read the modules directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			files[n] = true
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(app.ModuleNames) > 0 {
		names = nil
		for _, n := range app.ModuleNames {
			pos := app.Keys["modules."+n]
			if !files[n] {
				l.diags.Errorf(pos, CodeFile, "module %s is listed but modules/%s.yaml does not exist; create the file or remove it from `modules`", n, n)
				l.fail(n)
				continue
			}
			if slices.Contains(names, n) {
				l.diags.Errorf(pos, CodeDuplicateName, "module %s is listed twice in `modules`; remove one", n)
				continue
			}
			names = append(names, n)
		}
	}
	// Parsing YAML is most of the work of loading a large app: parse the
	// files in parallel, then type them in order.
	parsed := make([]parsedFile, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, n := range names {
		file := path.Join("modules", n+".yaml")
		src, err := fs.ReadFile(l.fsys, file)
		if err != nil {
			wg.Wait()
			return fmt.Errorf("cannot read %s: %w", file, err)
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			parsed[i] = l.parseFile(file, src)
		})
	}
	wg.Wait()
	for i, n := range names {
		if m := l.loadModule(path.Join("modules", n+".yaml"), n, parsed[i]); m != nil {
			app.Modules = append(app.Modules, m)
		}
	}
	return nil
}
