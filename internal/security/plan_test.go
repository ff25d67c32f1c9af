package security

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
)

// TestRuleSimplification checks, on the example app, what the list
// statement may leave out: rules that another rule implies leave the
// retrieve filter, their flags are not selected where they always hold,
// and the owner reference of an owner-rule list needs no visibility check.
func TestRuleSimplification(t *testing.T) {
	app, diags, err := model.LoadFS(examples.Expenses(), model.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	e := New(app, nil)
	expense, account := app.Entity("Expenses.Expense"), app.Entity("Administration.Account")
	owner, changedBy := expense.Member(model.SystemOwner, nil).Association, expense.Member(model.SystemChangedBy, nil).Association
	names := func(rules []*rule) []string {
		var out []string
		for _, r := range rules {
			out = append(out, r.name)
		}
		slices.Sort(out)
		return out
	}
	shows := func(r *rule) bool { return r.shows }
	for _, c := range []struct {
		role     string
		entity   *model.Entity
		deciding []string // rules left in the retrieve filter
		holds    []string // rules known to hold on every visible object
		selfRefs []*model.Association
		notSelf  []*model.Association
	}{
		// "Own drafts" adds [Status = 'Draft'] to "Own expenses": it is
		// implied, so the filter is the owner rule alone, and it holds.
		{"Employee", expense, []string{"Own expenses"}, []string{"Own expenses"}, []*model.Association{owner}, []*model.Association{changedBy}},
		// Two independent rules: neither holds everywhere.
		{"Manager", expense, []string{"Expenses of managed projects", "Own expenses"}, nil, nil, []*model.Association{owner, changedBy}},
		// The model's "Own account" rule has the built-in own-user rule's
		// xpath: the built-in one leaves the filter (it still grants).
		{"Employee", account, []string{"Own account"}, []string{"Own account", "own user (built-in)"}, nil, nil},
	} {
		rs := e.set(Holder(app.UserRole(c.role)))
		er := rs.entities[c.entity]
		var deciding []*rule
		for _, r := range er.rules {
			if r.shows && !r.redundant(shows) {
				deciding = append(deciding, r)
			}
		}
		what := c.role + " on " + c.entity.QualifiedName()
		if got := names(deciding); !slices.Equal(got, c.deciding) {
			t.Errorf("%s: retrieve filter rules %q, want %q", what, got, c.deciding)
		}
		var holds []*rule
		for r := range rs.holdWhereVisible(c.entity) {
			holds = append(holds, r)
		}
		if got := names(holds); !slices.Equal(got, c.holds) {
			t.Errorf("%s: rules that always hold %q, want %q", what, got, c.holds)
		}
		for _, a := range c.selfRefs {
			if !rs.refersToCaller(c.entity, a) {
				t.Errorf("%s: %s should be known to name the caller", what, a.QualifiedName())
			}
		}
		for _, a := range c.notSelf {
			if rs.refersToCaller(c.entity, a) {
				t.Errorf("%s: %s is not known to name the caller", what, a.QualifiedName())
			}
		}
	}
}
