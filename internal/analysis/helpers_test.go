package analysis_test

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/check"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// update rewrites the golden files: go test ./internal/analysis -update.
// Review every rewritten file (git diff) before committing it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// noEnv is an environment without variables, so that results do not depend
// on the environment the tests run in.
func noEnv(string) (string, bool) { return "", false }

// loadFS loads and checks an app from a file system. Models with errors
// fail the test: every test model here is meant to be valid.
func loadFS(t testing.TB, fsys fs.FS) (*model.App, *security.Engine) {
	t.Helper()
	app, diags, err := model.LoadFS(fsys, model.Options{Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	diags = check.Constraints(app, diags)
	if diags.HasErrors() {
		var errs []string
		for _, d := range diags {
			if d.Severity == diag.Error {
				errs = append(errs, d.String())
			}
		}
		t.Fatalf("model has errors:\n%s", strings.Join(errs, "\n"))
	}
	return app, security.New(app, nil)
}

// exampleApp is the example app of model.md.
func exampleApp(t testing.TB) (*model.App, *security.Engine) {
	t.Helper()
	return loadFS(t, examples.Expenses())
}

// testdataApp loads an app directory under testdata/apps.
func testdataApp(t testing.TB, name string) (*model.App, *security.Engine) {
	t.Helper()
	return loadFS(t, os.DirFS(filepath.Join("testdata", "apps", name)))
}

// editedFS copies fsys with edits: for each file, pairs of old and new
// text; every old text must occur exactly once.
func editedFS(t testing.TB, fsys fs.FS, edits map[string][][2]string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, es := range edits {
		f, ok := out[file]
		if !ok {
			f = &fstest.MapFile{}
			out[file] = f
		}
		s := string(f.Data)
		for _, e := range es {
			if e[0] == "" {
				s += e[1]
				continue
			}
			if n := strings.Count(s, e[0]); n != 1 {
				t.Fatalf("%s: %q occurs %d times, want once", file, e[0], n)
			}
			s = strings.Replace(s, e[0], e[1], 1)
		}
		f.Data = []byte(s)
	}
	return out
}

// golden compares got with testdata/golden/NAME, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// examplesFS is the example app's files.
func examplesFS() fs.FS { return examples.Expenses() }
