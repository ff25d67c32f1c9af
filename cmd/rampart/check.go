package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/diag"
)

func newCheckCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check [APP]",
		Short: "Check an app model for errors and warnings",
		Long: `Check loads the app in APP (default: the current directory) and prints every
consistency error and warning, one per line as FILE:LINE:COL: SEVERITY CODE: message.
A clean model prints nothing.

APP may also be a Mendix project file (App.mpr, MPR v1 or v2): it is imported in
memory, and FILE is the model file the importer would write, prefixed with the
project's file name (App.mpr!modules/Expenses.yaml). What the importer leaves
out is reported as warnings RP0801-RP0805 (docs/mendix-import.md).

Exit status: 0 when there are no errors (warnings alone do not fail),
1 when there are errors, 2 when the app cannot be read at all.`,
		Example: `  rampart check examples/expenses
  rampart check --format sarif > check.sarif
  rampart check path/to/App.mpr`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := diagWriter(format)
			if err != nil {
				return err
			}
			_, diags, err := loadApp(appArg(args))
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if err := write(cmd.OutOrStdout(), diags); err != nil {
				return &exitError{code: 2, err: err}
			}
			if diags.HasErrors() {
				return failed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or sarif")
	return cmd
}

func diagWriter(format string) (func(w io.Writer, l diag.List) error, error) {
	switch format {
	case "text":
		return func(w io.Writer, l diag.List) error { return diag.WriteText(w, l) }, nil
	case "json":
		return func(w io.Writer, l diag.List) error { return diag.WriteJSON(w, l) }, nil
	case "sarif":
		return func(w io.Writer, l diag.List) error {
			return diag.WriteSARIF(w, l, version(), describeCode)
		}, nil
	}
	return nil, usageError("unknown format %q: use text, json or sarif", format)
}
