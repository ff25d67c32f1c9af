package analysis_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/analysis"
)

// diffBase is the model every diff case changes.
var diffBase = fstest.MapFS{
	"app.yaml": {Data: []byte(`name: Diff
security:
  adminUser: {name: keeper, role: Admin}
  userRoles:
    Admin:
      moduleRoles: [System.Administrator, Shop.Admin]
      manageableRoles: [Clerk]
    Clerk:
      moduleRoles: [System.User, Shop.Clerk]
`)},
	"modules/Shop.yaml": {Data: []byte(`module: Shop
roles:
  Admin: Everything
  Clerk: Own orders
enumerations:
  Status: [Open, Closed]
entities:
  Order:
    system: [owner]
    attributes:
      Title: {type: String}
      Total: {type: Decimal}
      Status: {type: Enumeration, enum: Status}
    access:
      - roles: [Admin]
        create: true
        delete: true
        members: {Title: ReadWrite, Total: ReadWrite, Status: ReadWrite}
      - roles: [Clerk]
        caption: Own open orders
        xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Open']"
        delete: true
        members: {Title: ReadWrite, Total: ReadOnly}
  Note:
    attributes:
      Text: {type: String}
    access:
      - roles: [Admin]
        members: {Text: ReadOnly}
microflows:
  Close:
    allowedRoles: [Admin]
    applyEntityAccess: true
pages:
  Orders:
    title: Orders
    allowedRoles: [Admin]
    list: {entity: Order, columns: [Title]}
`)},
}

const (
	ownOpen  = `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Open']"`
	shopFile = "modules/Shop.yaml"
)

// change is "ROLE RIGHT SUBJECT KIND".
func changeKey(c analysis.Change) string {
	return fmt.Sprintf("%s %s %s %s", c.Role, c.Right, c.Subject, c.Kind)
}

func TestDiffKinds(t *testing.T) {
	cases := []struct {
		name  string
		edits map[string][][2]string
		// want lists changes that must be reported; exact says they are
		// all that is reported.
		want  []string
		exact bool
	}{
		{
			name:  "no change",
			exact: true,
		},
		{
			name:  "entity added for a role",
			edits: map[string][][2]string{shopFile: {{"      - roles: [Admin]\n        members: {Text: ReadOnly}", "      - roles: [Admin, Clerk]\n        members: {Text: ReadOnly}"}}},
			want:  []string{"Clerk entity Shop.Note granted", "Clerk read Shop.Note.Text granted"},
			exact: true,
		},
		{
			name:  "entity removed for a role",
			edits: map[string][][2]string{shopFile: {{"      - roles: [Admin]\n        members: {Text: ReadOnly}", "      - roles: [Clerk]\n        members: {Text: ReadOnly}"}}},
			want:  []string{"Admin entity Shop.Note removed", "Admin read Shop.Note.Text removed", "Clerk entity Shop.Note granted", "Clerk read Shop.Note.Text granted"},
			exact: true,
		},
		{
			name:  "member right granted",
			edits: map[string][][2]string{shopFile: {{"members: {Title: ReadWrite, Total: ReadOnly}", "members: {Title: ReadWrite, Total: ReadOnly, Status: ReadOnly}"}}},
			want:  []string{"Clerk read Shop.Order.Status granted"},
			exact: true,
		},
		{
			name:  "member right removed",
			edits: map[string][][2]string{shopFile: {{"members: {Title: ReadWrite, Total: ReadOnly}", "members: {Title: ReadOnly, Total: ReadOnly}"}}},
			want:  []string{"Clerk write Shop.Order.Title removed"},
			exact: true,
		},
		{
			name:  "create granted",
			edits: map[string][][2]string{shopFile: {{"        caption: Own open orders\n", "        caption: Own open orders\n        create: true\n"}}},
			want:  []string{"Clerk create Shop.Order granted"},
			exact: true,
		},
		{
			name:  "create removed",
			edits: map[string][][2]string{shopFile: {{"      - roles: [Admin]\n        create: true\n", "      - roles: [Admin]\n"}}},
			want:  []string{"Admin create Shop.Order removed"},
			exact: true,
		},
		{
			name:  "delete removed",
			edits: map[string][][2]string{shopFile: {{ownOpen + "\n        delete: true\n", ownOpen + "\n"}}},
			want:  []string{"Clerk delete Shop.Order removed"},
			exact: true,
		},
		{
			name:  "constraint widened by removing a conjunct",
			edits: map[string][][2]string{shopFile: {{ownOpen, `xpath: "[System.owner = '[%CurrentUser%]']"`}}},
			want:  []string{"Clerk delete Shop.Order widened", "Clerk read Shop.Order.Title widened", "Clerk write Shop.Order.Title widened", "Clerk read Shop.Order.Total widened"},
			exact: true,
		},
		{
			name:  "constraint narrowed by adding a conjunct",
			edits: map[string][][2]string{shopFile: {{ownOpen, `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Open'][Total > 0]"`}}},
			want:  []string{"Clerk delete Shop.Order narrowed", "Clerk read Shop.Order.Title narrowed", "Clerk write Shop.Order.Title narrowed", "Clerk read Shop.Order.Total narrowed"},
			exact: true,
		},
		{
			name:  "conjuncts reordered and rewritten with and",
			edits: map[string][][2]string{shopFile: {{ownOpen, `xpath: "[Status = 'Open' and System.owner = '[%CurrentUser%]']"`}}},
			exact: true,
		},
		{
			name:  "constraint changed, undecidable",
			edits: map[string][][2]string{shopFile: {{ownOpen, `xpath: "[System.owner = '[%CurrentUser%]'][Status = 'Closed']"`}}},
			want:  []string{"Clerk delete Shop.Order changed", "Clerk read Shop.Order.Title changed", "Clerk write Shop.Order.Title changed", "Clerk read Shop.Order.Total changed"},
			exact: true,
		},
		{
			name:  "constraint turned into an or, undecidable",
			edits: map[string][][2]string{shopFile: {{ownOpen, `xpath: "[System.owner = '[%CurrentUser%]' or Status = 'Open']"`}}},
			want:  []string{"Clerk delete Shop.Order changed"},
		},
		{
			name:  "constraint removed",
			edits: map[string][][2]string{shopFile: {{"        " + ownOpen + "\n", ""}}},
			want:  []string{"Clerk delete Shop.Order widened", "Clerk read Shop.Order.Total widened"},
		},
		{
			name:  "page granted",
			edits: map[string][][2]string{shopFile: {{"    allowedRoles: [Admin]\n    list", "    allowedRoles: [Admin, Clerk]\n    list"}}},
			want:  []string{"Clerk page Shop.Orders granted"},
			exact: true,
		},
		{
			name:  "microflow granted and removed",
			edits: map[string][][2]string{shopFile: {{"    allowedRoles: [Admin]\n    applyEntityAccess", "    allowedRoles: [Clerk]\n    applyEntityAccess"}}},
			want:  []string{"Clerk microflow Shop.Close granted", "Admin microflow Shop.Close removed"},
			exact: true,
		},
		{
			name:  "manageable role removed",
			edits: map[string][][2]string{"app.yaml": {{"      manageableRoles: [Clerk]\n", ""}}},
			want:  []string{"Admin manages Clerk removed", "Admin delete System.User removed", "Admin write System.User.Password removed"},
		},
		{
			name:  "users without roles become manageable",
			edits: map[string][][2]string{"app.yaml": {{"      manageableRoles: [Clerk]\n", "      manageableRoles: [Clerk]\n      manageUsersWithoutRoles: true\n"}}},
			want:  []string{"Admin manages (users without roles) granted"},
		},
		{
			name:  "user role added",
			edits: map[string][][2]string{"app.yaml": {{"", "    Auditor:\n      moduleRoles: [System.User]\n"}}},
			want:  []string{"Auditor role Auditor granted", "Auditor entity System.UserRole granted", "Auditor read System.UserRole.Name granted"},
		},
		{
			name:  "user role removed",
			edits: map[string][][2]string{"app.yaml": {{"      manageableRoles: [Clerk]\n", ""}, {"    Clerk:\n      moduleRoles: [System.User, Shop.Clerk]\n", ""}}},
			want:  []string{"Clerk role Clerk removed", "Admin manages Clerk removed"},
		},
	}
	oldApp, oldEng := loadFS(t, diffBase)
	old := analysis.BuildOverview(oldApp, oldEng, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			newApp, newEng := loadFS(t, editedFS(t, diffBase, c.edits))
			changes := analysis.Diff(old, analysis.BuildOverview(newApp, newEng, ""))
			var got []string
			for _, ch := range changes {
				got = append(got, changeKey(ch))
				if !strings.HasPrefix(ch.Message, ch.Role+": ") {
					t.Errorf("message %q does not start with the user role", ch.Message)
				}
				wantWidens := ch.Kind == analysis.Granted || ch.Kind == analysis.Widened || ch.Kind == analysis.Changed
				if ch.Kind.Widens() != wantWidens {
					t.Errorf("%s: Widens() = %v", changeKey(ch), ch.Kind.Widens())
				}
			}
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			if c.exact && len(got) != len(c.want) {
				t.Errorf("got %d changes, want exactly %q:\n%s", len(got), c.want, strings.Join(got, "\n"))
			}
		})
	}
}

// TestDiffSymmetry: undoing a change reports the opposite change, and a
// model compared with itself has no changes.
func TestDiffSymmetry(t *testing.T) {
	app, eng := loadFS(t, diffBase)
	base := analysis.BuildOverview(app, eng, "")
	if got := analysis.Diff(base, base); len(got) != 0 {
		t.Errorf("diff with itself: %v", got)
	}
	wider, wEng := loadFS(t, editedFS(t, diffBase, map[string][][2]string{shopFile: {{ownOpen, `xpath: "[System.owner = '[%CurrentUser%]']"`}}}))
	w := analysis.BuildOverview(wider, wEng, "")
	opposite := map[analysis.ChangeKind]analysis.ChangeKind{analysis.Widened: analysis.Narrowed, analysis.Granted: analysis.Removed}
	there, back := analysis.Diff(base, w), analysis.Diff(w, base)
	if len(there) == 0 || len(there) != len(back) {
		t.Fatalf("%d changes there, %d back", len(there), len(back))
	}
	for i := range there {
		if back[i].Subject != there[i].Subject || back[i].Kind != opposite[there[i].Kind] {
			t.Errorf("there %s, back %s", changeKey(there[i]), changeKey(back[i]))
		}
	}
}

// TestDiffExampleMessage checks the sentences of cli.md's example: a member
// readable on all objects that was readable on fewer (widened), and one
// that was not readable at all (granted).
func TestDiffExampleMessage(t *testing.T) {
	oldApp, oldEng := exampleApp(t)
	newApp, newEng := loadFS(t, editedFS(t, examplesFS(), map[string][][2]string{
		"modules/Expenses.yaml": {
			{"      - roles: [Employee]\n        caption: Own expenses\n        create: true\n", "      - roles: [Employee]\n        members: {Amount: ReadOnly}\n      - roles: [Employee]\n        caption: Own expenses\n        create: true\n"},
			{"      - roles: [Employee, Manager]\n        members: {Name: ReadOnly}\n", "      - roles: [Employee, Manager]\n        members: {Name: ReadOnly, Budget: ReadOnly}\n"},
		},
	}))
	changes := analysis.Diff(analysis.BuildOverview(oldApp, oldEng, "Employee"), analysis.BuildOverview(newApp, newEng, "Employee"))
	var msgs []string
	for _, c := range changes {
		msgs = append(msgs, c.Message)
	}
	for _, want := range []string{
		"Employee: may now read Expenses.Expense.Amount of all objects, more objects than before (where \"Own expenses\" [System.owner = '[%CurrentUser%]'] OR \"Own drafts\" [System.owner = '[%CurrentUser%]'][Status = 'Draft'])",
		"Employee: may now read Expenses.Project.Budget of all objects",
	} {
		if !slices.Contains(msgs, want) {
			t.Errorf("want %q among:\n%s", want, strings.Join(msgs, "\n"))
		}
	}
}
