// Package mendix imports Mendix projects (App.mpr, MPR v1 and v2) into
// Rampart's app model: modules, module roles, enumerations, entities with
// their attributes, associations and access rules, app security, pages,
// microflow declarations and navigation. What the model does not hold
// (nanoflows, workflows, widgets, published services, …) is counted and
// reported as warnings. Passwords are never imported.
package mendix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// AdminPasswordVar is the environment variable the imported app.yaml reads
// the administrator's password from: the project's own password is never
// imported.
const AdminPasswordVar = "MENDIX_ADMIN_PASSWORD"

// Options change an import.
type Options struct {
	// Name of the app; default: the project file's name without .mpr, or
	// its directory's name when the file is called App.mpr.
	Name string
	// FilePrefix is put before file names in the importer's diagnostics,
	// such as "App.mpr!" for a project checked in memory.
	FilePrefix string
}

// Result is an imported project.
type Result struct {
	// Files are the model files by slash-separated path: app.yaml and
	// modules/NAME.yaml.
	Files map[string][]byte
	// Diags are the importer's warnings, with positions in Files.
	Diags   diag.List
	Summary Summary
}

// Summary counts what was converted and what was not.
type Summary struct {
	App                string
	Format             int
	ProductVersion     string
	Units              int
	Modules            int
	MarketplaceModules int
	ModuleRoles        int
	UserRoles          int
	Entities           int
	Attributes         int
	Associations       int
	AccessRules        int
	Enumerations       int
	Pages              int
	Microflows         int
	DemoUsers          int
	// AdminPassword: the project sets an administrator password, which is
	// not imported (app.yaml refers to AdminPasswordVar instead).
	AdminPassword bool
	// NotConverted lists what the model cannot hold, by kind.
	NotConverted []Count
}

// Count is a number of things of one kind.
type Count struct {
	What string
	N    int
}

// Import reads the project at path and converts it.
func Import(path string, opts Options) (*Result, error) {
	p, err := Open(path)
	if err != nil {
		return nil, err
	}
	return Convert(p, opts)
}

// Convert converts an opened project.
func Convert(p *Project, opts Options) (*Result, error) {
	_, res, err := convertProject(p, opts)
	return res, err
}

// convertProject converts a project and keeps the converter, which knows
// where it wrote each element.
func convertProject(p *Project, opts Options) (*converter, *Result, error) {
	if p.Root() == nil {
		return nil, nil, fmt.Errorf("%s: %w: it has no project unit", p.Path, ErrNotMPR)
	}
	c, err := newConverter(p)
	if err != nil {
		return nil, nil, err
	}
	c.convert()
	name := opts.Name
	if name == "" {
		name = appName(p.Path)
	}
	res := &Result{Files: map[string][]byte{}}
	res.Files["app.yaml"] = c.appFile(opts.FilePrefix+"app.yaml", name)
	for _, m := range c.modules {
		f := "modules/" + m.name + ".yaml"
		res.Files[f] = c.moduleFile(m, opts.FilePrefix+f)
	}
	// Notes about project-level parts go to app.yaml, written first; the
	// module files are written after it, so positions are all known now.
	fallback := diag.Pos{File: opts.FilePrefix + "app.yaml", Line: 1, Col: 1}
	for _, n := range c.notes {
		pos := *n.at
		if pos.Line == 0 {
			pos = fallback
		}
		res.Diags = append(res.Diags, diag.Diagnostic{Pos: pos, Severity: diag.Warning, Code: n.code, Message: n.msg})
	}
	for _, m := range c.modules {
		if len(m.skipped) == 0 {
			continue
		}
		res.Diags = append(res.Diags, diag.Diagnostic{Pos: m.skipPos, Severity: diag.Warning, Code: CodeNotConverted,
			Message: fmt.Sprintf("module %s: not converted: %s", m.orig, countList(m.skipped))})
	}
	if len(c.skipped) > 0 {
		res.Diags = append(res.Diags, diag.Diagnostic{Pos: c.skipPos, Severity: diag.Warning, Code: CodeNotConverted,
			Message: "project: not converted: " + countList(c.skipped)})
	}
	res.Diags = res.Diags.Sort()

	s := c.stats
	s.App, s.Format, s.ProductVersion, s.Units = name, p.Format, p.ProductVersion, len(p.Units)
	s.Modules = len(c.modules)
	for _, m := range c.modules {
		if m.marketplace {
			s.MarketplaceModules++
		}
		for _, e := range m.entities {
			s.Attributes += len(e.attrs)
		}
	}
	s.AdminPassword = c.sec.adminPassword
	all := map[string]int{}
	for k, v := range c.skipped {
		all[k] += len(v)
	}
	for _, m := range c.modules {
		for k, v := range m.skipped {
			all[k] += len(v)
		}
	}
	for k, n := range all {
		if n > 0 {
			s.NotConverted = append(s.NotConverted, Count{k, n})
		}
	}
	sort.Slice(s.NotConverted, func(i, j int) bool {
		a, b := s.NotConverted[i], s.NotConverted[j]
		if a.N != b.N {
			return a.N > b.N
		}
		return a.What < b.What
	})
	res.Summary = s
	return c, res, nil
}

// countList writes "14 nanoflows, 5 snippets" in order of kind.
func countList(skipped map[string][]string) string {
	kinds := make([]string, 0, len(skipped))
	for k, v := range skipped {
		if len(v) > 0 {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s (%d)", k, len(skipped[k]))
	}
	return strings.Join(parts, ", ")
}

// appName is the default app name: the file's name, or for Studio Pro's
// usual App.mpr the name of the directory that holds it.
func appName(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	base := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	if strings.EqualFold(base, "App") {
		if d := filepath.Base(filepath.Dir(abs)); d != "" && d != "." && d != string(filepath.Separator) {
			return d
		}
	}
	return base
}

// FS is the imported app as a file system, for model.LoadFS.
func (r *Result) FS() fs.FS {
	m := fstest.MapFS{}
	for name, data := range r.Files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

// Paths lists the files in order.
func (r *Result) Paths() []string {
	out := make([]string, 0, len(r.Files))
	for p := range r.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// WriteDir writes the files into dir, which must be empty or absent.
func (r *Result) WriteDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("cannot use %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty; choose a new or empty directory", dir)
	}
	for _, p := range r.Paths() {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, r.Files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Load imports the project at path in memory and loads the result as an
// app. Diagnostics name files as prefix + path ("App.mpr!modules/X.yaml");
// they hold the importer's warnings and the loader's diagnostics, sorted.
// The error is for a project that cannot be read at all.
func Load(path string, opts model.Options) (*model.App, diag.List, *Result, error) {
	prefix := opts.FilePrefix
	if prefix == "" {
		prefix = baseName(path) + "!"
		opts.FilePrefix = prefix
	}
	res, err := Import(path, Options{FilePrefix: prefix})
	if err != nil {
		return nil, nil, nil, err
	}
	app, diags, err := model.LoadFS(res.FS(), opts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: the imported app cannot be loaded: %w", path, err)
	}
	return app, append(diags, res.Diags...).Sort(), res, nil
}

// IsProject reports whether path names a Mendix project file, by its
// extension.
func IsProject(p string) bool { return strings.EqualFold(path.Ext(filepath.ToSlash(p)), ".mpr") }
