// Package check loads an app and runs every consistency check on it: the
// model's own and those of the constraints it contains.
package check

import (
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// Dir loads and checks the app in dir. The error is for an app that cannot
// be read at all.
func Dir(dir string, opts model.Options) (*model.App, diag.List, error) {
	app, diags, err := model.Load(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	return app, diags.Sort(), nil
}

// Describe gives the summary of a diagnostic code.
func Describe(code string) string {
	return model.CodeSummaries[code]
}
