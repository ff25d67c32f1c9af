package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/mendix/mendixtest"
)

// tinyMPR writes the importer's test project (MPR v2) and returns its path.
func tinyMPR(t *testing.T) string {
	t.Helper()
	return mendixtest.Tiny().WriteV2(t, filepath.Join(t.TempDir(), "shop"))
}

func TestImportMendix(t *testing.T) {
	t.Setenv("MENDIX_ADMIN_PASSWORD", "")
	mpr := tinyMPR(t)
	out := filepath.Join(t.TempDir(), "app")
	code, stdout, stderr := runCmd(t, "import", "mendix", mpr, "--out", out)
	if code != 0 || stderr != "" {
		t.Fatalf("import: exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	for _, want := range []string{
		"Imported shop (Mendix 10.18.0.12345, MPR v2,",
		"2 modules (1 from the Marketplace)",
		"5 entities", "7 access rules", "4 user roles",
		"Passwords are not imported: app.yaml reads the admin password from ${MENDIX_ADMIN_PASSWORD}",
		"Not converted (Rampart does not model these yet):",
		"nanoflows", "published REST services",
		filepath.ToSlash(out) + "/modules/Shop.yaml:",
		"warning RP0805: published REST service Shop.OrdersApi",
		"rampart check " + out + " finds 0 errors",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, secret := range []string{mendixtest.TinyAdminPassword, mendixtest.TinyDemoPassword} {
		if strings.Contains(stdout, secret) {
			t.Errorf("the summary shows a password")
		}
	}
	for _, f := range []string{"app.yaml", "modules/Shop.yaml", "modules/Admin.yaml"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{mendixtest.TinyAdminPassword, mendixtest.TinyDemoPassword} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds a password of the project", f)
			}
		}
	}
	// What was written checks without errors.
	if code, stdout, stderr := runCmd(t, "check", out); code != 0 || stderr != "" {
		t.Errorf("check of the imported app: exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	// The directory is no longer empty.
	if code, _, stderr := runCmd(t, "import", "mendix", mpr, "--out", out); code != 2 || !strings.Contains(stderr, "not empty") {
		t.Errorf("import into a full directory: exit %d, stderr %q", code, stderr)
	}
}

func TestImportMendixUsage(t *testing.T) {
	dir := t.TempDir()
	mpr := tinyMPR(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "needs a source"},
		{[]string{"import", "outsystems"}, "unknown import source"},
		{[]string{"import", "mendix", mpr}, "needs --out"},
		{[]string{"import", "mendix", "--out", filepath.Join(dir, "a")}, "accepts 1 arg"},
		{[]string{"import", "mendix", filepath.Join(dir, "missing.mpr"), "--out", filepath.Join(dir, "b")}, "cannot read"},
		{[]string{"import", "mendix", dir, "--out", filepath.Join(dir, "c")}, "is a directory"},
	} {
		code, stdout, stderr := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b")); err == nil {
		t.Error("a failed import created its output directory")
	}
}

// TestCheckMPR: check accepts App.mpr and names the files the importer
// would write.
func TestCheckMPR(t *testing.T) {
	t.Setenv("MENDIX_ADMIN_PASSWORD", "")
	mpr := tinyMPR(t)
	code, stdout, stderr := runCmd(t, "check", mpr)
	if code != 0 || stderr != "" {
		t.Fatalf("check App.mpr: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 10 {
		t.Fatalf("check App.mpr printed %d lines:\n%s", len(lines), stdout)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "App.mpr!") || !strings.Contains(l, ": warning RP") {
			t.Errorf("line %q: want App.mpr!FILE:LINE:COL: warning …", l)
		}
	}
	if !strings.Contains(stdout, "App.mpr!modules/Shop.yaml:") || !strings.Contains(stdout, "RP0802") {
		t.Errorf("missing importer diagnostics:\n%s", stdout)
	}

	code, stdout, _ = runCmd(t, "check", mpr, "--format", "sarif")
	if code != 0 {
		t.Fatalf("sarif: exit %d", code)
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("sarif: %v\n%s", err, stdout)
	}
	described := 0
	for _, r := range sarif.Runs[0].Tool.Driver.Rules {
		if strings.HasPrefix(r.ID, "RP08") {
			if r.ShortDescription.Text == "" {
				t.Errorf("rule %s has no description", r.ID)
			}
			described++
		}
	}
	if described == 0 {
		t.Errorf("no RP08xx rules in the SARIF output:\n%s", stdout)
	}

	// The project's directory is no app: the message names the file.
	if code, _, stderr := runCmd(t, "check", filepath.Dir(mpr)); code != 2 || !strings.Contains(stderr, "name that file") {
		t.Errorf("check of the project directory: exit %d, stderr %q", code, stderr)
	}
	// A file that is not a project is exit 2.
	bad := filepath.Join(t.TempDir(), "App.mpr")
	os.WriteFile(bad, []byte("not a database at all, just text of some length"), 0o644)
	if code, _, stderr := runCmd(t, "check", bad); code != 2 || !strings.Contains(stderr, "App.mpr") {
		t.Errorf("check of a text file: exit %d, stderr %q", code, stderr)
	}
}

// TestCheckRealMPR runs check on a real project when it is there.
func TestCheckRealMPR(t *testing.T) {
	mpr := filepath.Join("..", "..", "..", "shared", "testdata", "mendix", "expense-management", "App.mpr")
	if _, err := os.Stat(mpr); err != nil {
		t.Skipf("the real projects are not beside the repository (%s): %v", mpr, err)
	}
	t.Setenv("MENDIX_ADMIN_PASSWORD", "")
	code, stdout, stderr := runCmd(t, "check", mpr)
	if code != 0 || stderr != "" || !strings.Contains(stdout, "App.mpr!modules/Expenses.yaml:") {
		t.Errorf("check expense-management: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}
