package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The expense-management project is a realistic insecure Mendix app: lint
// on its App.mpr must report its guest access, its demo users and its
// MxAdmin administrator.
func TestLintRealMendixProject(t *testing.T) {
	mpr := filepath.Join("..", "..", "..", "shared", "testdata", "mendix", "expense-management", "App.mpr")
	if _, err := os.Stat(mpr); err != nil {
		t.Skipf("the real Mendix projects are not at ../shared/testdata/mendix beside the repository: %v", err)
	}
	code, out, errOut := runCmd(t, "lint", mpr, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Findings []struct{ Rule, Severity, File, Message string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, f := range res.Findings {
		found[f.Rule] += f.Message + "\n"
		if !strings.HasPrefix(f.File, "App.mpr!") {
			t.Errorf("finding located in %q, want a file inside App.mpr!", f.File)
		}
	}
	for rule, want := range map[string]string{
		"RPL017": "Anonymous users are enabled",          // guest access
		"RPL050": "can be called by anonymous users",     // what guests can call
		"RPL005": "Demo users are enabled",               // demo users
		"RPL006": `The administrator is named "MxAdmin"`, // guessable admin
	} {
		if !strings.Contains(found[rule], want) {
			t.Errorf("lint did not report %s (%q); got %q", rule, want, found[rule])
		}
	}
	// --fail-on high fails on this app.
	if code, _, _ := runCmd(t, "lint", mpr, "--fail-on", "high"); code != 1 {
		t.Errorf("--fail-on high: exit %d, want 1", code)
	}
}
