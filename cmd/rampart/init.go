package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/examples"
)

func newInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Write the example expenses app into DIR",
		Long: `Init writes the example app (an expense-claims app with three user roles,
access rules with XPath constraints and pages for every role) into DIR,
which must be empty or absent. Start from it, or read it to learn the model.`,
		Example: `  rampart init myapp && rampart check myapp`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := writeExample(dir); err != nil {
				return &exitError{code: 2, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote the example app to %s. Next: rampart check %s\n", dir, dir)
			return nil
		},
	}
}

func writeExample(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("cannot use %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty; choose a new or empty directory", dir)
	}
	src := examples.Expenses()
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}
