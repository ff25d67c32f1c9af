package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/mendix"
	"github.com/rampart/rampart/internal/model"
)

func newImportCmd() *cobra.Command {
	imp := &cobra.Command{
		Use:   "import SOURCE ...",
		Short: "Import an app from another platform",
		Long: `Import converts an app made with another platform into a Rampart app
directory. The only source so far is mendix (rampart import mendix --help).`,
		Example: `  rampart import mendix path/to/App.mpr --out myapp`,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("import needs a source: rampart import mendix App.mpr --out DIR")
			}
			return usageError("unknown import source %q: use mendix", args[0])
		},
	}
	imp.AddCommand(newImportMendixCmd())
	return imp
}

func newImportMendixCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "mendix App.mpr --out DIR",
		Short: "Convert a Mendix project (MPR v1 or v2) into a Rampart app",
		Long: `Import mendix reads a Mendix project file (App.mpr; for MPR v2 also the
mprcontents folder beside it) without changing it, and writes the app model
into DIR, which must be empty or absent: app.yaml (security, user roles,
demo users, password policy, navigation) and modules/NAME.yaml per module
(module roles, enumerations, entities with attributes, associations and
access rules, pages, microflow declarations).

Passwords are never imported: app.yaml reads the administrator's password
from ${MENDIX_ADMIN_PASSWORD}, and demo users have none.

It prints what was converted, what Rampart does not model (nanoflows,
workflows, widgets, published services, ...), and warnings RP0801-RP0805 for
what was left out or changed, with their place in the written files. Then
audit the app with rampart check DIR, overview, explain and lint; those
commands also accept App.mpr directly. See docs/mendix-import.md.`,
		Example: `  rampart import mendix ~/Mendix/Expenses/App.mpr --out expenses
  rampart check expenses`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError("import mendix needs --out DIR: the directory to write the app into")
			}
			if err := emptyDir(out); err != nil {
				return &exitError{code: 2, err: err}
			}
			prefix := filepath.ToSlash(filepath.Clean(out)) + "/"
			res, err := mendix.Import(args[0], mendix.Options{FilePrefix: prefix})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if err := res.WriteDir(out); err != nil {
				return &exitError{code: 2, err: err}
			}
			// Check what was written, to say how it fares.
			app, diags, err := model.LoadFS(res.FS(), model.Options{FilePrefix: prefix})
			if err == nil {
				diags = check.Constraints(app, diags)
			}
			writeImportSummary(cmd.OutOrStdout(), out, res, diags)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the app into (empty or absent)")
	return cmd
}

// emptyDir accepts a directory that is empty or absent.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("cannot use %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty; choose a new or empty directory", dir)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func writeImportSummary(w io.Writer, out string, res *mendix.Result, checked diag.List) {
	s := res.Summary
	version := ""
	if s.ProductVersion != "" {
		version = "Mendix " + s.ProductVersion + ", "
	}
	fmt.Fprintf(w, "Imported %s (%sMPR v%d, %s) into %s:\n", s.App, version, s.Format, plural(s.Units, "unit", "units"), out)
	fmt.Fprintf(w, "  %s (%d from the Marketplace), %s, %s, %s\n",
		plural(s.Modules, "module", "modules"), s.MarketplaceModules,
		plural(s.ModuleRoles, "module role", "module roles"), plural(s.UserRoles, "user role", "user roles"),
		plural(s.DemoUsers, "demo user", "demo users"))
	fmt.Fprintf(w, "  %s (%s), %s, %s, %s\n",
		plural(s.Entities, "entity", "entities"), plural(s.Attributes, "attribute", "attributes"),
		plural(s.Associations, "association", "associations"), plural(s.AccessRules, "access rule", "access rules"),
		plural(s.Enumerations, "enumeration", "enumerations"))
	fmt.Fprintf(w, "  %s, %s (declarations)\n", plural(s.Pages, "page", "pages"), plural(s.Microflows, "microflow", "microflows"))

	var pw []string
	if s.AdminPassword {
		pw = append(pw, "app.yaml reads the admin password from ${"+mendix.AdminPasswordVar+"}")
	}
	if s.DemoUsers > 0 {
		pw = append(pw, "demo users have none")
	}
	if len(pw) > 0 {
		fmt.Fprintf(w, "Passwords are not imported: %s.\n", strings.Join(pw, "; "))
	}

	if len(s.NotConverted) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Not converted (Rampart does not model these yet):")
		width := 0
		for _, c := range s.NotConverted {
			width = max(width, len(c.What))
		}
		for _, c := range s.NotConverted {
			fmt.Fprintf(w, "  %-*s %5d\n", width, c.What, c.N)
		}
	}
	if len(res.Diags) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s (what was left out or changed; docs/mendix-import.md):\n", plural(len(res.Diags), "warning", "warnings"))
		for _, d := range res.Diags {
			fmt.Fprintln(w, d)
		}
	}
	errs, warns := 0, 0
	for _, d := range checked {
		if d.Severity == diag.Error {
			errs++
		} else if !strings.HasPrefix(d.Code, "RP08") {
			warns++
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "rampart check %s finds %s and %s besides these. Next: rampart check %s\n",
		out, plural(errs, "error", "errors"), plural(warns, "warning", "warnings"), out)
}
