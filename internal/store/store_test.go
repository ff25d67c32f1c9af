package store

import (
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
)

// stores opens the example app on SQLite, and on PostgreSQL when
// RAMPART_TEST_POSTGRES is set, each on an empty database.
func stores(t *testing.T, app *model.App) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "app.db"), app, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out["sqlite"] = s
	if url := os.Getenv("RAMPART_TEST_POSTGRES"); url != "" {
		pg, err := Open(ctx, FreshPostgresSchema(t, url), app, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		out["postgres"] = pg
	} else {
		t.Log("RAMPART_TEST_POSTGRES is not set: PostgreSQL part skipped")
	}
	return out
}

func exampleApp(t testing.TB) *model.App {
	t.Helper()
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	return app
}

func TestCRUD(t *testing.T) {
	app := exampleApp(t)
	ctx := context.Background()
	for name, s := range stores(t, app) {
		t.Run(name, func(t *testing.T) {
			expense := app.Entity("Expenses.Expense")
			project := app.Entity("Expenses.Project")
			tag := app.Entity("Expenses.Tag")
			err := s.Write(ctx, func(tx *Tx) error {
				p, err := s.Insert(ctx, tx, project, map[string]any{"Name": "Apollo", "Budget": big.NewRat(1005, 10)})
				if err != nil {
					return err
				}
				t1, _ := s.Insert(ctx, tx, tag, map[string]any{"Name": "travel"})
				t2, _ := s.Insert(ctx, tx, tag, map[string]any{"Name": "food"})
				e, err := s.Insert(ctx, tx, expense, map[string]any{
					"Description": "Taxi", "Amount": big.NewRat(235, 10),
					"Expenses.Expense_Project": p.ID, "Expenses.Expense_Tag": []int64{t2.ID, t1.ID},
				})
				if err != nil {
					return err
				}
				if got := e.Values["Status"]; got != "Draft" {
					t.Errorf("default Status = %v", got)
				}
				if got := e.Values["Number"]; got != int64(1) {
					t.Errorf("AutoNumber = %v", got)
				}
				if got := FormatDecimal(e.Values["Amount"].(*big.Rat)); got != "23.5" {
					t.Errorf("Amount = %s", got)
				}
				if got := e.Values["Expenses.Expense_Tag"].([]int64); len(got) != 2 || got[0] > got[1] {
					t.Errorf("tags = %v", got)
				}
				if _, err := s.Insert(ctx, tx, project, map[string]any{"Name": "APOLLO"}); !isConflict(err) {
					t.Errorf("case-folded unique name: got %v, want a conflict", err)
				}
				if _, err := s.Insert(ctx, tx, expense, map[string]any{"Amount": big.NewRat(1, 1)}); !isValidation(err) {
					t.Errorf("missing Description: got %v", err)
				}
				e2, err := s.Update(ctx, tx, e, map[string]any{"Status": "Submitted", "Expenses.Expense_Tag": []int64{t1.ID}})
				if err != nil {
					return err
				}
				if e2.Values["Status"] != "Submitted" || len(e2.Values["Expenses.Expense_Tag"].([]int64)) != 1 {
					t.Errorf("after update: %v", e2.Values)
				}
				// Deleting the project keeps the expense and clears its reference.
				plan, err := s.DeletePlan(ctx, tx, p)
				if err != nil || len(plan) != 1 {
					t.Fatalf("plan %v, %v", plan, err)
				}
				if err := s.Delete(ctx, tx, plan); err != nil {
					return err
				}
				e3, err := s.Get(ctx, tx, expense, e.ID)
				if err != nil {
					return err
				}
				if e3.Values["Expenses.Expense_Project"] != int64(0) {
					t.Errorf("reference not cleared: %v", e3.Values)
				}
				if _, err := s.Get(ctx, tx, project, p.ID); !errors.Is(err, ErrNotFound) {
					t.Errorf("deleted project: %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func isConflict(err error) bool {
	var c *ConflictError
	return errors.As(err, &c)
}

func isValidation(err error) bool {
	var v *ValidationError
	return errors.As(err, &v)
}
