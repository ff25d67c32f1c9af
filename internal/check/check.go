// Package check loads an app and runs every consistency check on it: the
// model's own and those of the constraints it contains.
package check

import (
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/xpath"
)

// Diagnostic codes of constraints (the model's own are in package model).
const (
	CodeXPathSyntax = "RP0701" // the constraint does not parse
	CodeXPathBind   = "RP0702" // names or types do not fit the model
)

var summaries = map[string]string{
	CodeXPathSyntax: "A constraint that does not parse",
	CodeXPathBind:   "A constraint whose names or types do not fit the model",
}

// Describe gives the summary of a diagnostic code.
func Describe(code string) string {
	if s, ok := summaries[code]; ok {
		return s
	}
	return model.CodeSummaries[code]
}

// Codes lists every diagnostic code with its summary.
func Codes() map[string]string {
	out := map[string]string{}
	for c, s := range model.CodeSummaries {
		out[c] = s
	}
	for c, s := range summaries {
		out[c] = s
	}
	return out
}

// Dir loads and checks the app in dir. The error is for an app that cannot
// be read at all.
func Dir(dir string, opts model.Options) (*model.App, diag.List, error) {
	app, diags, err := model.Load(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	return app, Constraints(app, diags), nil
}

// Constraints parses and binds every constraint of the model, adding a
// diagnostic for each that fails, and returns the sorted list.
func Constraints(app *model.App, diags diag.List) diag.List {
	bind := func(e *model.Entity, x *model.Scalar, what string) {
		if e == nil || x == nil {
			return
		}
		if _, err := xpath.ParseAndBind(app, e, x.Text); err != nil {
			code, col, msg := CodeXPathBind, 1, err.Error()
			var xe *xpath.Error
			if errors.As(err, &xe) {
				col = xe.Col
			}
			if _, perr := xpath.Parse(x.Text); perr != nil {
				code = CodeXPathSyntax
			}
			diags = append(diags, diag.Diagnostic{Pos: x.Pos, Severity: diag.Error, Code: code,
				Message: fmt.Sprintf("%s: %s (constraint column %d)", what, msg, col)})
		}
	}
	for _, e := range app.Entities() {
		for _, r := range e.Access {
			if e.Persistable {
				bind(e, r.XPath, fmt.Sprintf("access rule %d of %s", r.Index+1, e.QualifiedName()))
			}
		}
	}
	for _, p := range app.Pages() {
		if p.List != nil {
			bind(p.List.Entity, p.List.XPath, "page "+p.QualifiedName())
		}
	}
	return diags.Sort()
}
