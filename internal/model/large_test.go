package model_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/model/modeltest"
)

func countRules(app *model.App) int {
	n := 0
	for _, e := range app.Entities() {
		n += len(e.Access)
	}
	return n
}

// TestLoadLarge: 500 entities in 10 modules with 2,000 access rules load
// and check clean in well under a second (about 0.1 s measured; under
// -race, which slows the loader several times, the limit is five seconds).
func TestLoadLarge(t *testing.T) {
	fsys := modeltest.Large(10, 50)
	limit := time.Second
	if raceEnabled {
		limit = 5 * time.Second
	}
	// The best of up to five runs, so that a busy moment of a shared
	// machine does not fail the test; a loader that is really too slow
	// fails every run.
	var (
		app     *model.App
		diags   diag.List
		err     error
		elapsed time.Duration
	)
	for i := range 5 {
		start := time.Now()
		app, diags, err = model.LoadFS(fsys, model.Options{Getenv: testGetenv})
		if d := time.Since(start); i == 0 || d < elapsed {
			elapsed = d
		}
		if err != nil {
			t.Fatal(err)
		}
		if elapsed < limit {
			break
		}
	}
	if len(diags) > 0 {
		var b bytes.Buffer
		diag.WriteText(&b, diags[:min(len(diags), 20)])
		t.Fatalf("%d diagnostics, first:\n%s", len(diags), b.String())
	}
	if got := len(app.Entities()) - len(app.Module(model.SystemModule).Entities); got != 500 {
		t.Errorf("%d entities, want 500", got)
	}
	if got := countRules(app); got != 2000 {
		t.Errorf("%d access rules, want 2000", got)
	}
	if got := len(app.Pages()); got != 1000 {
		t.Errorf("%d pages, want 1000", got)
	}
	if elapsed > limit {
		t.Errorf("loading took %s, want under %s", elapsed, limit)
	}
	t.Logf("loaded in %s", elapsed)
}

func BenchmarkLoadLarge(b *testing.B) {
	fsys := modeltest.Large(10, 50)
	size := 0
	for _, f := range fsys {
		size += len(f.Data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		_, diags, err := model.LoadFS(fsys, model.Options{Getenv: testGetenv})
		if err != nil || len(diags) > 0 {
			b.Fatalf("err %v, %d diagnostics", err, len(diags))
		}
	}
}
