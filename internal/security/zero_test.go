package security

import (
	"context"
	"errors"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
)

// The zero Caller is nobody: it sees nothing, not even the user roles.
func TestZeroCallerSeesNothing(t *testing.T) {
	app, _, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, e := range engines(t, app) {
		for _, x := range []string{model.SystemUserRole, model.SystemUser, "Expenses.Expense", "Expenses.Project"} {
			rs, _, err := e.List(ctx, Caller{}, app.Entity(x), ListOptions{})
			if err != nil || len(rs) != 0 {
				t.Errorf("%s: the zero caller lists %d objects of %s (%v)", name, len(rs), x, err)
			}
		}
		if _, err := e.Create(ctx, Caller{}, app.Entity("Expenses.Tag"), map[string]any{"Name": "x"}); !errors.As(err, new(*Forbidden)) {
			t.Errorf("%s: the zero caller creates: %v", name, err)
		}
	}
}
