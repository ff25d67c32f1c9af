package model

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/internal/diag"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestExpandText(t *testing.T) {
	env := envOf(map[string]string{"A": "alpha", "B": "beta", "EMPTY": "", "LIST": "[1, 2]"})
	d := &decoder{env: env}
	for _, tc := range []struct {
		in, want  string
		unset     []string
		malformed []string
		envOnly   string
	}{
		{in: "plain", want: "plain"},
		{in: "", want: ""},
		{in: "${A}", want: "alpha", envOnly: "A"},
		{in: "x-${A}-y", want: "x-alpha-y"},
		{in: "${A}${B}", want: "alphabeta"},
		{in: "${U}", want: "", unset: []string{"U"}, envOnly: "U"},
		{in: "${U} and ${V}", want: " and ", unset: []string{"U", "V"}},
		{in: "${U:-fallback}", want: "fallback"},
		{in: "${U:-}", want: ""},
		{in: "${U:-a b:c}", want: "a b:c"},
		{in: "${A:-fallback}", want: "alpha"},
		{in: "${EMPTY}", want: "", envOnly: "EMPTY"},
		{in: "${EMPTY:-fallback}", want: "fallback"}, // as in the shell
		{in: "${LIST}", want: "[1, 2]", envOnly: "LIST"},
		{in: "$${A}", want: "${A}"},
		{in: "$${U}", want: "${U}"},
		{in: "$${A} ${A}", want: "${A} alpha"},
		{in: "cost $5", want: "cost $5"},
		{in: "$$", want: "$$"},
		{in: "$", want: "$"},
		{in: "{A}", want: "{A}"},
		{in: "${A", want: "${A", malformed: []string{"${A"}},
		{in: "${}", want: "${}", malformed: []string{"${}"}},
		{in: "${1A}", want: "${1A}", malformed: []string{"${1A}"}},
		{in: "${A-x}", want: "${A-x}", malformed: []string{"${A-x}"}},
		{in: "${A B}", want: "${A B}", malformed: []string{"${A B}"}},
		{in: "${A:-${B}}", want: "${A:-${B}}", malformed: []string{"${A:-${B}"}},
		{in: "héllo ${A} wörld", want: "héllo alpha wörld"},
	} {
		r := d.expandText(tc.in)
		if r.text != tc.want || !slices.Equal(r.unset, tc.unset) || !slices.Equal(r.malformed, tc.malformed) || r.envOnly != tc.envOnly {
			t.Errorf("expandText(%q) = text %q unset %q malformed %q envOnly %q; want %q %q %q %q",
				tc.in, r.text, r.unset, r.malformed, r.envOnly, tc.want, tc.unset, tc.malformed, tc.envOnly)
		}
	}
}

// loadMap loads an app from in-memory files with a fixed environment.
func loadMap(t *testing.T, files map[string]string, env map[string]string) (*App, diag.List) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	app, diags, err := LoadFS(fsys, Options{Getenv: envOf(env)})
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	return app, diags
}

func codes(l diag.List) []string {
	var out []string
	for _, d := range l {
		out = append(out, string(d.Severity)+" "+d.Code)
	}
	return out
}

const minimalSecurity = `
  userRoles:
    Administrator: {moduleRoles: [System.Administrator]}
`

// TestEnvTyping: a plain scalar is typed after the replacement, as a YAML
// scalar; a quoted one is always a string.
func TestEnvTyping(t *testing.T) {
	env := map[string]string{"STRICT": "true", "N": "7", "LIST": "[a, b]", "MAP": "{a: 1}", "ODD": "1.0: x #c", "ZONE": "Europe/Amsterdam"}
	for _, tc := range []struct {
		name, yaml string
		codes      []string
		check      func(t *testing.T, a *App)
	}{
		{"default false", "strictMode: ${STRICT_UNSET:-false}", nil, func(t *testing.T, a *App) {
			if a.Security.StrictMode {
				t.Error("strictMode true")
			}
		}},
		{"default true", "strictMode: ${STRICT_UNSET:-true}", nil, func(t *testing.T, a *App) {
			if !a.Security.StrictMode {
				t.Error("strictMode false")
			}
		}},
		{"set", "strictMode: ${STRICT}", nil, func(t *testing.T, a *App) {
			if !a.Security.StrictMode {
				t.Error("strictMode false")
			}
		}},
		{"quoted is a string", `strictMode: "${STRICT}"`, []string{"error RP0004"}, nil},
		{"single quoted is a string", `strictMode: '${STRICT}'`, []string{"error RP0004"}, nil},
		{"list value stays a scalar", "strictMode: ${LIST}", []string{"error RP0004"}, nil},
		{"mapping value stays a scalar", "checkSecurity: ${MAP}", []string{"error RP0004"}, nil},
		{"number", "lockout:\n    attempts: ${N}", nil, func(t *testing.T, a *App) {
			if a.Security.Lockout.Attempts != 7 {
				t.Errorf("attempts = %d", a.Security.Lockout.Attempts)
			}
		}},
		{"quoted number", "lockout:\n    attempts: \"${N}\"", []string{"error RP0004"}, nil},
		{"unset without default", "strictMode: ${STRICT_UNSET}", []string{"error RP0007"}, nil},
		{"unset in a number", "lockout:\n    attempts: ${N_UNSET}", []string{"error RP0007"}, nil},
		{"literal", "hashAlgorithm: $${HASH}", []string{"error RP0212"}, nil},
		{"duration default", "session:\n    timeout: ${T:-90s}", nil, func(t *testing.T, a *App) {
			if a.Security.Session.Timeout.Seconds() != 90 {
				t.Errorf("timeout = %s", a.Security.Session.Timeout)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app, diags := loadMap(t, map[string]string{
				"app.yaml": "name: T\nsecurity:\n  " + tc.yaml + minimalSecurity,
			}, env)
			if got := codes(diags); !slices.Equal(got, tc.codes) {
				t.Fatalf("diagnostics %v, want %v: %v", got, tc.codes, diags)
			}
			if tc.check != nil {
				tc.check(t, app)
			}
		})
	}

	// Strings: the replacement is taken literally, whatever YAML would make
	// of it, and a quoted scalar is replaced too.
	app, diags := loadMap(t, map[string]string{
		"app.yaml":       "name: ${LIST}\nversion: \"${ODD}\"\ntimeZone: ${ZONE}\nsecurity:" + minimalSecurity,
		"modules/M.yaml": "module: M\ndescription: \"costs $${PRICE} or ${ODD}\"\n",
	}, env)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if app.Name != "[a, b]" || app.Version != "1.0: x #c" || app.TimeZoneID != "Europe/Amsterdam" {
		t.Errorf("name %q version %q zone %q", app.Name, app.Version, app.TimeZoneID)
	}
	if got := app.Module("M").Description; got != "costs ${PRICE} or 1.0: x #c" {
		t.Errorf("description %q", got)
	}
}

func TestAdminPassword(t *testing.T) {
	env := map[string]string{"PW": "correct horse battery staple", "EMPTY": ""}
	load := func(password string) (Secret, diag.List) {
		t.Helper()
		app, diags := loadMap(t, map[string]string{
			"app.yaml": "name: T\nsecurity:\n  adminUser:\n    password: " + password + "\n" + minimalSecurity,
		}, env)
		return app.Security.AdminUser.Password, diags
	}
	for _, tc := range []struct {
		yaml  string
		want  Secret
		codes []string
	}{
		{"${PW}", Secret{Value: env["PW"], Given: true, Written: true, EnvOnly: true, VarName: "PW"}, nil},
		{`"${PW}"`, Secret{Value: env["PW"], Given: true, Written: true, EnvOnly: true, VarName: "PW"}, nil},
		{"${RAMPART_ADMIN_PASSWORD}", Secret{Written: true, EnvOnly: true, VarName: "RAMPART_ADMIN_PASSWORD", Unset: true}, []string{"warning RP0008"}},
		{"pre${PW}", Secret{Value: "pre" + env["PW"], Given: true, Written: true}, nil},
		{"${PW_UNSET:-fallback password}", Secret{Value: "fallback password", Given: true, Written: true}, nil},
		{"${PW_UNSET}x", Secret{Written: true, Unset: true}, []string{"warning RP0008"}},
		{"literal password here", Secret{Value: "literal password here", Given: true, Written: true}, nil},
		{`""`, Secret{Written: true}, nil},
		{"", Secret{Written: true}, nil},
		{"${EMPTY}", Secret{Written: true, EnvOnly: true, VarName: "EMPTY"}, nil},
		{"${PW", Secret{Written: true}, []string{"error RP0005"}},
		{"[a]", Secret{Written: true}, []string{"error RP0004"}},
	} {
		got, diags := load(tc.yaml)
		got.Pos = Pos{}
		if got != tc.want {
			t.Errorf("password: %s\n got %+v\nwant %+v", tc.yaml, got, tc.want)
		}
		if c := codes(diags); !slices.Equal(c, tc.codes) {
			t.Errorf("password: %s: diagnostics %v, want %v", tc.yaml, c, tc.codes)
		}
	}

	// Only adminUser.password is lenient: an unset variable anywhere else,
	// the admin's name included, is an error.
	_, diags := loadMap(t, map[string]string{
		"app.yaml": "name: T\nsecurity:\n  adminUser:\n    name: ${ADMIN_NAME}\n" + minimalSecurity,
	}, env)
	if c := codes(diags); !slices.Equal(c, []string{"error RP0007"}) {
		t.Errorf("adminUser.name: %v", diags)
	}
}
