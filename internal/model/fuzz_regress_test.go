package model_test

import (
	"strings"
	"testing"
)

// Inputs the fuzzer found that crashed or hung the loader, kept as plain
// tests (reduced by hand to what matters).
var fuzzCrashers = []struct {
	name            string
	app, mod, mname string
}{
	{
		// ruleMemberUnknown named the from entity of an association whose
		// from could not be resolved: a nil dereference.
		name: "association with unknown from granted on its to side",
		app:  "name: T\n",
		mod: `module: M
roles: {R: r}
entities:
  To:
    attributes: {A: {type: String}}
    access:
      - roles: [R]
        members: {A: ReadOnly, Link: ReadOnly}
associations:
  Link: {from: Nowhere, to: To}
`,
		mname: "M",
	},
	{
		// The YAML library's time grows with the square of the nesting
		// depth: 64 KiB of '[' took minutes. Such files are now refused
		// before parsing.
		name:  "deeply nested flow lists",
		app:   strings.Repeat("[", 64<<10),
		mod:   "module: M\nroles: " + strings.Repeat("{a: ", 16<<10),
		mname: "M",
	},
	{
		name:  "deeply nested block lists on one line",
		app:   "name: T\nmodules: " + strings.Repeat("- ", 32<<10),
		mod:   strings.Repeat("- ", 32<<10) + "x",
		mname: "M",
	},
}

func TestFuzzCrashers(t *testing.T) {
	for _, tc := range fuzzCrashers {
		t.Run(tc.name, func(t *testing.T) {
			loadBytes(t, []byte(tc.app), tc.mname, []byte(tc.mod))
		})
	}
}
