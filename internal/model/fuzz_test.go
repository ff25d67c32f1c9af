package model_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/model"
)

var moduleNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,40}$`)

// loadBytes loads app.yaml and one module file given as bytes. It fails the
// test on a panic (by not recovering), on a hang, and on results that break
// the loader's contract.
func loadBytes(t *testing.T, appYAML []byte, name string, module []byte) {
	t.Helper()
	if !moduleNameRe.MatchString(name) {
		name = "M"
	}
	fsys := fstest.MapFS{
		"app.yaml":                  &fstest.MapFile{Data: appYAML},
		"modules/" + name + ".yaml": &fstest.MapFile{Data: module},
	}
	// LoadFS runs on the test's goroutine, so that a panic is reported as
	// this input's failure. A watchdog ends the process on a hang, printing
	// every goroutine: the fuzzer then keeps the input as a crasher.
	watchdog := time.AfterFunc(10*time.Second, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		msg := fmt.Sprintf("LoadFS hangs on\napp.yaml: %q\nmodule %s: %q\n\n%s", appYAML, name, module, buf)
		fmt.Fprint(os.Stderr, msg)
		// The fuzzer may not show a worker's output: keep it in a file too.
		os.WriteFile(filepath.Join(os.TempDir(), "rampart-fuzzload-hang.txt"), []byte(msg), 0o644)
		os.Exit(2)
	})
	app, diags, err := model.LoadFS(fsys, model.Options{Getenv: testGetenv})
	watchdog.Stop()
	if err != nil || app == nil {
		t.Fatalf("LoadFS: app %v, error %v: every problem in a readable file is a diagnostic", app, err)
	}
	for _, d := range diags {
		if d.Pos.File == "" || d.Pos.Line < 1 || d.Pos.Col < 1 || d.Code == "" || d.Message == "" {
			t.Errorf("bad diagnostic: %s", d)
		}
		if _, ok := model.CodeSummaries[d.Code]; !ok {
			t.Errorf("undocumented code: %s", d)
		}
	}
}

// fuzzSeeds are the example app and every golden case: app.yaml with each
// of its module files.
func fuzzSeeds(f *testing.F) {
	add := func(fsys fs.FS) {
		appYAML, err := fs.ReadFile(fsys, "app.yaml")
		if err != nil {
			f.Fatal(err)
		}
		mods, _ := fs.Glob(fsys, "modules/*.yaml")
		if len(mods) == 0 {
			f.Add(appYAML, "M", []byte{})
		}
		for _, m := range mods {
			src, err := fs.ReadFile(fsys, m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(appYAML, strings.TrimSuffix(filepath.Base(m), ".yaml"), src)
		}
	}
	add(examples.Expenses())
	for _, kind := range []string{"broken", "clean"} {
		dirs, _ := filepath.Glob(filepath.Join("testdata", kind, "*"))
		for _, d := range dirs {
			add(os.DirFS(d))
		}
	}
}

// FuzzLoad: arbitrary bytes as app.yaml and as a module file never panic,
// never hang, and always give a model with well-formed diagnostics.
func FuzzLoad(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, appYAML []byte, name string, module []byte) {
		if len(appYAML) > 64<<10 || len(module) > 64<<10 {
			return
		}
		loadBytes(t, appYAML, name, module)
	})
}
