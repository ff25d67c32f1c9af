package xpath

import (
	"reflect"
	"testing"
)

func TestFragTemplate(t *testing.T) {
	user := &TokenLit{Token: "CurrentUser"}
	f := NewFrag("t0.a = ", Arg{Value: "x"}, " AND t0.owner = ", Arg{Token: user}, " AND t0.id = ", Arg{Param: 2}, " LIMIT ", Arg{Param: 1})
	env := &Env{CurrentUser: 7}
	wantSQL := "t0.a = ? AND t0.owner = ? AND t0.id = ? LIMIT ?"
	wantArgs := []any{"x", int64(7), int64(42), 50}

	sql, args, err := f.SQL(env, 50, int64(42))
	if err != nil || sql != wantSQL || !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("SQL = %q %v %v, want %q %v", sql, args, err, wantSQL, wantArgs)
	}
	text, tmpl, ok := f.Template()
	if !ok || text != wantSQL {
		t.Fatalf("Template = %q, %v", text, ok)
	}
	args, err = BindArgs(env, tmpl, 50, int64(42))
	if err != nil || !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("BindArgs = %v %v, want %v", args, err, wantArgs)
	}
	if _, err := BindArgs(env, tmpl, 50); err == nil {
		t.Error("BindArgs without parameter 2: no error")
	}

	// A fragment whose text depends on a token being empty has no template.
	g := NewFrag("x AND ", ifTokenEmpty(user, NewFrag("0 = 1"), NewFrag("t0.owner = ", Arg{Token: user})))
	if _, _, ok := g.Template(); ok {
		t.Error("Template of a token-dependent fragment: ok")
	}
	for uid, want := range map[int64]string{0: "x AND 0 = 1", 7: "x AND t0.owner = ?"} {
		if sql, _, _ := g.SQL(&Env{CurrentUser: uid}); sql != want {
			t.Errorf("user %d: SQL = %q, want %q", uid, sql, want)
		}
	}
}
