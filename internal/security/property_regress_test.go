package security

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// TestEnginePropertyRegressions replays, on a small hand-written model
// (testdata/property/regress), the engine bugs TestEngineProperties found,
// so that they stay fixed whatever the generator does.
func TestEnginePropertyRegressions(t *testing.T) {
	app, diags, err := model.LoadFS(os.DirFS("testdata/property/regress"), model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diags = check.Constraints(app, diags); diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == diag.Error {
				t.Error(d)
			}
		}
		t.FailNow()
	}
	ctx := context.Background()
	item, other, account := app.Entity("Prop.Item"), app.Entity("Prop.Other"), app.Entity("Prop.Account")
	for name, e := range engines(t, app) {
		t.Run(name, func(t *testing.T) {
			mkUser := func(name, role string, vals map[string]any) Caller {
				t.Helper()
				if vals == nil {
					vals = map[string]any{}
				}
				vals["Name"], vals["System.UserRoles"] = name, []int64{e.RoleID(role)}
				res, err := e.Create(ctx, System(), account, vals)
				if err != nil {
					t.Fatal(err)
				}
				return User(res.ID, []*model.UserRole{app.UserRole(role)}, false)
			}
			admin, clerk := mkUser("adm", "Admin", nil), mkUser("clerk", "Clerk", nil)
			var fb *Forbidden

			// A cascade must not delete users: System.User and its
			// specializations are never deleted through the object API,
			// even by a caller who manages them.
			it, err := e.Create(ctx, admin, item, map[string]any{"Name": "i"})
			if err != nil {
				t.Fatal(err)
			}
			victim := mkUser("victim", "Clerk", map[string]any{"Prop.Account_Item": it.ID})
			if err := e.Delete(ctx, admin, item, it.ID); !errors.As(err, &fb) {
				t.Errorf("deleting an item whose deletion cascades to a user: %v, want forbidden", err)
			}
			if _, err := e.Get(ctx, System(), account, victim.UserID()); err != nil {
				t.Errorf("the user was deleted by the cascade: %v", err)
			}
			if _, err := e.Get(ctx, System(), item, it.ID); err != nil {
				t.Errorf("the item was deleted although the request was refused: %v", err)
			}

			// Giving a new object's association its empty value is not a
			// write (the values New describes can be sent back as they are).
			o, err := e.Create(ctx, System(), other, map[string]any{"Name": "o"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Create(ctx, clerk, item, map[string]any{"Name": "c", "Prop.Item_Other": int64(0), "Prop.Item_Tags": []int64{}}); err != nil {
				t.Errorf("creating with empty read-only associations: %v", err)
			}
			if _, err := e.Create(ctx, clerk, item, map[string]any{"Name": "c", "Prop.Item_Other": o.ID}); !errors.As(err, &fb) {
				t.Errorf("creating with a read-only association set: %v, want forbidden", err)
			}
			if _, err := e.Create(ctx, clerk, item, map[string]any{"Name": "c", "Prop.Item_Tags": []int64{o.ID}}); !errors.As(err, &fb) {
				t.Errorf("creating with a read-only reference set given: %v, want forbidden", err)
			}

			// Backward through System.owner to SubA must not reach objects
			// of its sibling SubB, which stores System.owner in the same
			// column (xpath/compile.go, sharedColumn).
			owner := mkUser("owner", "Clerk", map[string]any{"FullName": "Full"})
			if _, err := e.Create(ctx, System(), app.Entity("Prop.SubB"), map[string]any{"Name": "b", "System.owner": owner.UserID()}); err != nil {
				t.Fatal(err)
			}
			r, err := e.Get(ctx, owner, account, owner.UserID())
			if err != nil {
				t.Fatal(err)
			}
			if r.Readable["FullName"] {
				t.Errorf("[System.owner/Prop.SubA] holds for a user who owns only a SubB")
			}
			rs, _, err := e.List(ctx, owner, account, ListOptions{XPath: "[System.owner/Prop.SubA]"})
			if err != nil || len(rs) != 0 {
				t.Errorf("client constraint [System.owner/Prop.SubA] for a user who owns only a SubB: %v %v", ids(rs), err)
			}
		})
	}
}
