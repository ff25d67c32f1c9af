package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// analysisApp loads an app (a directory or a Mendix App.mpr, see loadApp)
// for the analysis commands. A model with errors is still analysed: what
// the errors affect is left out, and stderr says so.
func analysisApp(path string, stderr io.Writer) (*model.App, *security.Engine, error) {
	app, diags, err := loadApp(path)
	if err != nil {
		return nil, nil, &exitError{code: 2, err: err}
	}
	if n := errorCount(diags); n > 0 {
		fmt.Fprintf(stderr, "rampart: warning: %s has %d model error(s) (see rampart check); the analysis leaves out what they affect\n", path, n)
	}
	return app, security.New(app, nil), nil
}

// errorCount counts the errors among the diagnostics (warnings aside).
func errorCount(l diag.List) int {
	n := 0
	for _, d := range l {
		if d.Severity == diag.Error {
			n++
		}
	}
	return n
}

func newOverviewCmd() *cobra.Command {
	var role, format string
	cmd := &cobra.Command{
		Use:   "overview [APP]",
		Short: "Print the security matrix per user role",
		Long: `Overview prints, for each user role (the anonymous role first), what it may
do with every entity it has rules on: create, delete, and each member's read
and write rights with the constraints under which they hold ("all objects",
or the rules' captions and XPath), the pages and microflows it may use, and
whom it may manage. It reads the same compiled rules that rampart run
enforces.

Formats: text (aligned, for a terminal), json (documented in docs/governance.md),
csv (one row per user role, entity and member), md, and html (a self-contained
report, with an at-a-glance matrix of entities and user roles, that renders
under a strict Content Security Policy).`,
		Example: `  rampart overview examples/expenses
  rampart overview examples/expenses --role Employee --format md
  rampart overview examples/expenses --format html > overview.html`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "csv", "md", "html":
			default:
				return usageError("unknown format %q: use text, json, csv, md or html", format)
			}
			app, eng, err := analysisApp(appArg(args), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if role != "" && app.UserRole(role) == nil {
				return usageError("unknown user role %q; the app has %s", role, roleNames(app))
			}
			return analysis.BuildOverview(app, eng, role).Write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "only this user role")
	cmd.Flags().StringVar(&format, "format", "text", "text, json, csv, md or html")
	return cmd
}

func roleNames(app *model.App) string {
	var names []string
	for _, r := range app.Security.UserRoles {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

func newExplainCmd() *cobra.Command {
	var role, entity, member, format string
	cmd := &cobra.Command{
		Use:   "explain [APP] --role USERROLE --entity ENTITY [--member MEMBER]",
		Short: "Explain which rules give a user role its rights on an entity",
		Long: `Explain lists, for each right of the user role on the entity (create, delete,
read and write of each member, or only of --member), the rules that grant it:
their caption, module role, constraint as written and the SQL it compiles to
for SQLite. When no rule grants a right, it lists the role's rules on the
entity and what each does grant.`,
		Example: `  rampart explain examples/expenses --role Employee --entity Expenses.Expense
  rampart explain examples/expenses --role Manager --entity Expenses.Expense --member Status --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("unknown format %q: use text or json", format)
			}
			if role == "" || entity == "" {
				return usageError("explain needs --role and --entity")
			}
			app, eng, err := analysisApp(appArg(args), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ur := app.UserRole(role)
			if ur == nil {
				return usageError("unknown user role %q; the app has %s", role, roleNames(app))
			}
			x := app.Entity(entity)
			if x == nil {
				return usageError("unknown entity %q; write it qualified, as Module.Entity", entity)
			}
			ex, err := analysis.Explain(app, eng, ur, x, member)
			if err != nil {
				return usageError("%v", err)
			}
			if format == "json" {
				return ex.WriteJSON(cmd.OutOrStdout())
			}
			return ex.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the user role (required)")
	cmd.Flags().StringVar(&entity, "entity", "", "the entity, qualified (required)")
	cmd.Flags().StringVar(&member, "member", "", "only this member")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func newLintCmd() *cobra.Command {
	var format, failOn string
	cmd := &cobra.Command{
		Use:   "lint [APP]",
		Short: "Report security findings with severity and remedy",
		Long: `Lint reports what the app's security really allows that it probably should
not: settings below production strength, rules that open too much, what
anonymous users and broad roles can reach, and more (docs/governance.md
lists every rule). Each finding has a stable rule id, a severity (low,
medium, high, critical), the location of what must change, the risk and the fix.

Exit status: 0, or 1 when --fail-on is given and a finding is at or above
that severity; 2 when the app cannot be read.`,
		Example: `  rampart lint examples/expenses
  rampart lint --format sarif --fail-on high > lint.sarif`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var threshold analysis.Severity
			if failOn != "" {
				var ok bool
				if threshold, ok = analysis.ParseSeverity(failOn); !ok {
					return usageError("--fail-on %q: use low, medium, high or critical", failOn)
				}
			}
			switch format {
			case "text", "json", "sarif":
			default:
				return usageError("unknown format %q: use text, json or sarif", format)
			}
			app, eng, err := analysisApp(appArg(args), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			findings := analysis.Lint(app, eng)
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				err = analysis.WriteFindingsJSON(w, findings)
			case "sarif":
				err = analysis.WriteFindingsSARIF(w, findings, version())
			default:
				err = analysis.WriteFindingsText(w, findings)
			}
			if err != nil {
				return err
			}
			for _, f := range findings {
				if threshold != 0 && f.Severity >= threshold {
					return failed
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, json or sarif")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 when a finding is at or above this severity: low, medium, high or critical")
	return cmd
}

func newDiffCmd() *cobra.Command {
	var format string
	var failOnWiden bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show what a model change grants or takes away, per user role",
		Long: `Diff compares two versions of an app and prints, per user role, every right
that changes: entities, members, create and delete, constraints widened or
narrowed, pages, microflows and manageable roles. A constraint change counts
as widening unless the new constraint is provably narrower (a conjunct
added); when that cannot be decided it says "changed".

Exit status: 0, or 1 with --fail-on-widen when anything widens (use it in CI
to make widening changes need a review); 2 when an app cannot be read.`,
		Example: `  rampart diff old/ examples/expenses
  rampart diff --fail-on-widen main-checkout/ .`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("unknown format %q: use text or json", format)
			}
			oldApp, oldEng, err := analysisApp(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			newApp, newEng, err := analysisApp(args[1], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			changes := analysis.Diff(analysis.BuildOverview(oldApp, oldEng, ""), analysis.BuildOverview(newApp, newEng, ""))
			if format == "json" {
				err = analysis.WriteDiffJSON(cmd.OutOrStdout(), changes)
			} else {
				err = analysis.WriteDiffText(cmd.OutOrStdout(), changes)
			}
			if err != nil {
				return err
			}
			if failOnWiden && slices.ContainsFunc(changes, func(c analysis.Change) bool { return c.Kind.Widens() }) {
				return failed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.Flags().BoolVar(&failOnWiden, "fail-on-widen", false, "exit 1 when a change widens a right")
	return cmd
}
