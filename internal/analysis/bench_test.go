package analysis_test

import (
	"io"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/analysis"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/model/modeltest"
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
	app, eng := loadFS(t, modeltest.Large(nMods, perMod))
	if got := len(app.Entities()) - len(app.Module(model.SystemModule).Entities); got != nMods*perMod {
		t.Fatalf("%d entities, want %d", got, nMods*perMod)
	}
	return app, eng
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
