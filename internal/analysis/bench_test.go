package analysis_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// largeApp is a 500-entity app in 10 modules, generated as
// internal/model/large_test.go does: every entity has six attributes, two
// system members, two associations of its own, four access rules (with
// members and constraints), a list page and a form page; two user roles
// hold every module's roles.
func largeApp(t testing.TB) (*model.App, *security.Engine) {
	t.Helper()
	const nMods, perMod = 10, 50
	fsys := fstest.MapFS{}
	var app strings.Builder
	app.WriteString("name: Large\nsecurity:\n  userRoles:\n    Administrator:\n      moduleRoles: [System.Administrator")
	for m := range nMods {
		fmt.Fprintf(&app, ", M%d.Admin", m)
	}
	app.WriteString("]\n      manageableRoles: all\n    Member:\n      moduleRoles: [System.User")
	for m := range nMods {
		fmt.Fprintf(&app, ", M%d.User", m)
	}
	app.WriteString("]\n")
	fsys["app.yaml"] = &fstest.MapFile{Data: []byte(app.String())}
	for m := range nMods {
		var b strings.Builder
		mod := fmt.Sprintf("M%d", m)
		fmt.Fprintf(&b, "module: %s\nroles:\n  Admin: Everything\n  User: Own objects\nenumerations:\n  Status: [Open, Closed]\nentities:\n", mod)
		for e := range perMod {
			next := (e + 1) % perMod
			fmt.Fprintf(&b, `  E%[1]d:
    system: [owner, createdDate]
    attributes:
      Seq: {type: AutoNumber}
      Name: {type: String, length: 100, required: true}
      Amount: {type: Decimal, default: "0"}
      Count: {type: Integer}
      Status: {type: Enumeration, enum: Status, default: Open}
      Flag: {type: Boolean, default: false}
    indexes:
      - [Status, Name]
    access:
      - roles: [Admin]
        create: true
        delete: true
        defaultMemberAccess: ReadWrite
      - roles: [User]
        caption: Own
        create: true
        xpath: "[System.owner = '[%%CurrentUser%%]']"
        defaultMemberAccess: ReadOnly
      - roles: [User]
        caption: Own open
        delete: true
        xpath: "[System.owner = '[%%CurrentUser%%]'][Status = 'Open']"
        members: {Name: ReadWrite, Amount: ReadWrite, E%[1]d_Next: ReadWrite, %[3]s.E%[1]d_Tags: ReadWrite}
      - roles: [User]
        caption: Linked
        xpath: "[%[3]s.E%[1]d_Next/%[3]s.E%[2]d/Name != empty]"
        members: {Name: ReadOnly, %[3]s.E%[1]d_Next: ReadOnly}
`, e, next, mod)
		}
		b.WriteString("associations:\n")
		for e := range perMod {
			fmt.Fprintf(&b, "  E%d_Next: {from: E%d, to: E%d}\n", e, e, (e+1)%perMod)
			fmt.Fprintf(&b, "  E%d_Tags: {from: E%d, to: E%d, type: ReferenceSet}\n", e, e, (e+2)%perMod)
		}
		b.WriteString("pages:\n")
		for e := range perMod {
			fmt.Fprintf(&b, `  E%[1]d_List:
    title: E%[1]d
    allowedRoles: [Admin, User]
    list:
      entity: E%[1]d
      columns: [Seq, Name, Amount, Status]
      open: E%[1]d_Edit
  E%[1]d_Edit:
    title: E%[1]d
    allowedRoles: [Admin, User]
    form:
      entity: E%[1]d
      fields: [Name, Amount, Status, E%[1]d_Next, E%[1]d_Tags]
      actions: [save, cancel, delete]
`, e)
		}
		fsys["modules/"+mod+".yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	}
	app2, eng := loadFS(t, fsys)
	if got := len(app2.Entities()) - len(app2.Module(model.SystemModule).Entities); got != nMods*perMod {
		t.Fatalf("%d entities, want %d", got, nMods*perMod)
	}
	return app2, eng
}

// TestOverviewLarge: the overview of a 500-entity app, built and printed
// as JSON, takes well under a second (the best of five runs, so that a busy
// moment of a shared machine does not fail it; under -race the limit is
// five seconds).
func TestOverviewLarge(t *testing.T) {
	app, _ := largeApp(t)
	limit := time.Second
	if raceEnabled {
		limit = 5 * time.Second
	}
	var best time.Duration
	var ov *analysis.Overview
	for i := range 5 {
		// A fresh engine each time: compiling the rule sets is part of the
		// work.
		eng := security.New(app, nil)
		start := time.Now()
		ov = analysis.BuildOverview(app, eng, "")
		if err := ov.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
		if best < limit {
			break
		}
	}
	entities := 0
	for _, r := range ov.UserRoles {
		entities += len(r.Entities)
	}
	if entities < 2*500 {
		t.Errorf("%d entity rows over %d user roles, want at least 1000", entities, len(ov.UserRoles))
	}
	if best > limit {
		t.Errorf("overview of 500 entities took %s, want under %s", best, limit)
	}
	t.Logf("overview of 500 entities in %s", best)
}

// BenchmarkOverviewLarge measures building the overview of the 500-entity
// app with a fresh engine (rule sets compiled on the way).
func BenchmarkOverviewLarge(b *testing.B) {
	app, _ := largeApp(b)
	b.ReportAllocs()
	for b.Loop() {
		analysis.BuildOverview(app, security.New(app, nil), "")
	}
}

// BenchmarkOverviewLargeJSON adds printing it as JSON.
func BenchmarkOverviewLargeJSON(b *testing.B) {
	app, _ := largeApp(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := analysis.BuildOverview(app, security.New(app, nil), "").WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLintLarge measures lint on the same app.
func BenchmarkLintLarge(b *testing.B) {
	app, _ := largeApp(b)
	b.ReportAllocs()
	for b.Loop() {
		analysis.Lint(app, security.New(app, nil))
	}
}
