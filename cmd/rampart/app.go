package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/mendix"
	"github.com/rampart/rampart/internal/model"
)

// loadApp loads and checks the app an analysis command names: an app
// directory, or a Mendix project file (a path ending in .mpr), imported in
// memory. It returns every diagnostic of `rampart check`, sorted: for a
// project, the importer's warnings too, with file names such as
// "App.mpr!modules/Expenses.yaml". The error is for an app that cannot be
// read at all (exit 2).
func loadApp(path string) (*model.App, diag.List, error) {
	if !mendix.IsProject(path) {
		app, diags, err := check.Dir(path, model.Options{})
		if errors.Is(err, model.ErrNotAnApp) {
			// A Mendix project directory: say which file to name.
			if mprs, _ := filepath.Glob(filepath.Join(path, "*.mpr")); len(mprs) > 0 {
				err = fmt.Errorf("%w; it holds the Mendix project %s: name that file to import it in memory", err, mprs[0])
			}
		}
		return app, diags, err
	}
	app, diags, _, err := mendix.Load(path, model.Options{})
	if err != nil {
		return nil, nil, err
	}
	return app, check.Constraints(app, diags), nil
}

// describeCode gives the summary of any diagnostic code, the importer's
// included (for SARIF rule descriptions).
func describeCode(code string) string {
	if s, ok := mendix.CodeSummaries[code]; ok {
		return s
	}
	return check.Describe(code)
}
