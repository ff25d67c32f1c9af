package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

func newCheckCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "check [APP]",
		Short: "Check an app model for errors and warnings",
		Long: `Check loads the app in APP (default: the current directory) and prints every
consistency error and warning, one per line as FILE:LINE:COL: SEVERITY CODE: message.
A clean model prints nothing.

Exit status: 0 when there are no errors (warnings alone do not fail),
1 when there are errors, 2 when the app cannot be read at all.`,
		Example: `  rampart check examples/expenses
  rampart check --format sarif > check.sarif`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, err := diagWriter(format)
			if err != nil {
				return err
			}
			_, diags, err := check.Dir(appArg(args), model.Options{})
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
			return diag.WriteSARIF(w, l, version(), check.Describe)
		}, nil
	}
	return nil, usageError("unknown format %q: use text, json or sarif", format)
}
