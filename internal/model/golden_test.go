package model_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/examples"
	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

var update = flag.Bool("update", false, "rewrite the want.txt files of testdata/broken")

// testEnv is the only environment the tests see: never the real one.
var testEnv = map[string]string{
	"SHOP_NAME":   "Shop",
	"SHOP_ZONE":   "Europe/Amsterdam",
	"STRICT_ON":   "true",
	"ATTEMPTS":    "5",
	"EMPTY":       "",
	"ADMIN_PASS":  "correct horse battery staple",
	"CLERK_ROLE":  "Shop.Clerk",
	"NOT_BOOLEAN": "yes",
}

func testGetenv(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

var testOptions = model.Options{Getenv: testGetenv}

// loadText loads the app in dir and prints its diagnostics in the text
// format of `rampart check`.
func loadText(t *testing.T, dir string) string {
	t.Helper()
	_, diags, err := model.Load(dir, testOptions)
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	var b bytes.Buffer
	if err := diag.WriteText(&b, diags); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func caseDirs(t *testing.T, kind string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", kind, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// TestBroken loads every app under testdata/broken and compares the
// diagnostics with the case's want.txt. With -update it rewrites want.txt:
// read every rewritten file, since the expected output is what the spec
// demands, not whatever the loader prints.
func TestBroken(t *testing.T) {
	dirs := caseDirs(t, "broken")
	if len(dirs) < 45 {
		t.Errorf("only %d broken cases; want at least 45", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := loadText(t, dir)
			wantFile := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ\n--- got\n%s--- want\n%s", got, want)
			}
			if got == "" {
				t.Errorf("a broken case must report something")
			}
		})
	}
}

// TestBrokenCoversEveryCode makes sure each diagnostic code is shown by at
// least one golden case.
func TestBrokenCoversEveryCode(t *testing.T) {
	seen := map[string]bool{}
	codeRe := regexp.MustCompile(`: (?:error|warning) (RP\d{4}): `)
	for _, dir := range caseDirs(t, "broken") {
		want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeRe.FindAllStringSubmatch(string(want), -1) {
			seen[m[1]] = true
		}
	}
	var missing []string
	for code := range model.CodeSummaries {
		if !seen[code] {
			missing = append(missing, code)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("codes without a golden case: %s", strings.Join(missing, ", "))
	}
}

// TestBrokenFormat checks the shape of every golden line: the text format
// of cli.md, sorted, each a message that says what to do.
func TestBrokenFormat(t *testing.T) {
	lineRe := regexp.MustCompile(`^(app\.yaml|modules/[A-Za-z0-9_.-]+\.yaml):([1-9][0-9]*):([1-9][0-9]*): (error|warning) (RP\d{4}): \S.*$`)
	for _, dir := range caseDirs(t, "broken") {
		want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(want), "\n"), "\n") {
			if !lineRe.MatchString(line) {
				t.Errorf("%s/want.txt:%d: not FILE:LINE:COL: SEVERITY CODE: message: %q", dir, i+1, line)
			}
		}
	}
}

// TestClean loads the apps under testdata/clean: they check with no output.
func TestClean(t *testing.T) {
	dirs := caseDirs(t, "clean")
	if len(dirs) == 0 {
		t.Fatal("no clean cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if got := loadText(t, dir); got != "" {
				t.Errorf("want no diagnostics, got\n%s", got)
			}
		})
	}
}

// TestExampleApp: the example app of model.md checks with no errors and no
// warnings, whatever the environment.
func TestExampleApp(t *testing.T) {
	for _, env := range []func(string) (string, bool){
		testGetenv,
		func(string) (string, bool) { return "", false },
	} {
		app, diags, err := model.LoadFS(examples.Expenses(), model.Options{Getenv: env})
		if err != nil {
			t.Fatal(err)
		}
		if len(diags) > 0 {
			var b bytes.Buffer
			diag.WriteText(&b, diags)
			t.Fatalf("example app: want no diagnostics, got\n%s", b.String())
		}
		if app.Name != "Expenses" || app.Module("Expenses") == nil || app.Module("Administration") == nil {
			t.Fatalf("example app not loaded as expected: name %q", app.Name)
		}
		if got := app.Security.UserEntity.QualifiedName(); got != "Administration.Account" {
			t.Errorf("userEntity = %s", got)
		}
		if app.Security.AdminUser.Password.Written {
			t.Errorf("the example sets no admin password")
		}
	}
}

// TestLineEndings: files written on Windows (CRLF line ends, a byte order
// mark) load the same, with the same positions.
func TestLineEndings(t *testing.T) {
	for _, name := range []string{"page_columns", "unknown_member", "check_field", "duplicate_key", "yaml_syntax_module"} {
		dir := filepath.Join("testdata", "broken", name)
		fsys := fstest.MapFS{}
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || filepath.Ext(p) != ".yaml" {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			b = append([]byte("\xef\xbb\xbf"), bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))...)
			fsys[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, diags, err := model.LoadFS(fsys, testOptions)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		diag.WriteText(&got, diags)
		want, _ := os.ReadFile(filepath.Join(dir, "want.txt"))
		if got.String() != string(want) {
			t.Errorf("%s with CRLF and BOM:\n%s\nwant\n%s", name, got.String(), want)
		}
	}
}
