package xpath

import (
	"fmt"
	"strings"
)

// Frag is a piece of SQL with '?' placeholders and the arguments that fill
// them. Token arguments are resolved per request. A part may depend on
// whether an object token is empty (only at security level off, where
// [%CurrentUser%] is empty): the SQL for both cases is compiled once and
// Render picks one, so the database never has to reason about a NULL
// parameter.
type Frag struct {
	parts []fpart
	// constant is set when the fragment is the constant TRUE or FALSE, so
	// that AND and OR can simplify.
	constant *bool
}

type fpart struct {
	text    string
	arg     *Arg
	ifEmpty *TokenLit // when set: then holds the SQL if the token is empty, els otherwise
	then    *Frag
	els     *Frag
}

// Arg is a bind argument: a value, a token resolved per request, or (when
// Param > 0) the request's parameter number Param, given to SQL. Tokens
// and parameters let a fragment be built once and rendered per request.
type Arg struct {
	Value any
	Token *TokenLit
	Param int
}

func sqlText(s string) *Frag { return &Frag{parts: []fpart{{text: s}}} }

func constFrag(b bool, t, f string) *Frag {
	fr := sqlText(f)
	if b {
		fr = sqlText(t)
	}
	fr.constant = &b
	return fr
}

func (f *Frag) isConst(b bool) bool { return f.constant != nil && *f.constant == b }

// add appends text and fragments: strings are SQL text, *Frag are spliced,
// Arg values become placeholders.
func (f *Frag) add(items ...any) *Frag {
	for _, it := range items {
		switch it := it.(type) {
		case string:
			f.parts = append(f.parts, fpart{text: it})
		case *Frag:
			f.parts = append(f.parts, it.parts...)
		case Arg:
			f.parts = append(f.parts, fpart{text: "?", arg: &it})
		default:
			panic("frag: unexpected item")
		}
	}
	f.constant = nil
	return f
}

func build(items ...any) *Frag { return (&Frag{}).add(items...) }

// NewFrag builds a fragment outside this package, as an SQLGuard must:
// strings are SQL text, *Frag values are spliced in, and Arg values become
// '?' placeholders. A fragment is used as an operand of AND, OR and NOT, so
// it must be a self-contained expression (parenthesize an OR).
func NewFrag(items ...any) *Frag { return build(items...) }

// SQL renders the fragment for one request: the SQL text with '?'
// placeholders and its arguments, params filling the Param arguments.
// Callers rebind for their dialect.
func (f *Frag) SQL(env *Env, params ...any) (string, []any, error) {
	var b strings.Builder
	var args []any
	err := f.render(env, params, &b, &args)
	return b.String(), args, err
}

func (f *Frag) render(env *Env, params []any, b *strings.Builder, args *[]any) error {
	for _, p := range f.parts {
		switch {
		case p.ifEmpty != nil:
			v, err := env.TokenValue(p.ifEmpty)
			if err != nil {
				return err
			}
			next := p.els
			if v == 0 {
				next = p.then
			}
			if err := next.render(env, params, b, args); err != nil {
				return err
			}
		case p.arg != nil:
			b.WriteString(p.text)
			v, err := p.arg.value(env, params)
			if err != nil {
				return err
			}
			*args = append(*args, v)
		default:
			b.WriteString(p.text)
		}
	}
	return nil
}

// value is the argument's value in one request.
func (a *Arg) value(env *Env, params []any) (any, error) {
	switch {
	case a.Param > 0:
		if a.Param > len(params) {
			return nil, fmt.Errorf("frag: parameter %d is not given", a.Param)
		}
		return params[a.Param-1], nil
	case a.Token != nil:
		v, err := env.TokenValue(a.Token)
		return v, err
	}
	return a.Value, nil
}

// Template returns the fragment's SQL text and its arguments when the
// text is the same in every request (no part depends on whether a token
// is empty), so that it can be kept and only the arguments computed per
// request, with BindArgs; ok is false otherwise.
func (f *Frag) Template() (text string, args []Arg, ok bool) {
	var b strings.Builder
	for _, p := range f.parts {
		switch {
		case p.ifEmpty != nil:
			return "", nil, false
		case p.arg != nil:
			args = append(args, *p.arg)
		}
		b.WriteString(p.text)
	}
	return b.String(), args, true
}

// BindArgs computes the arguments of a template for one request.
func BindArgs(env *Env, args []Arg, params ...any) ([]any, error) {
	out := make([]any, len(args))
	for i := range args {
		v, err := args[i].value(env, params)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// ifTokenEmpty chooses between two fragments per request.
func ifTokenEmpty(t *TokenLit, then, els *Frag) *Frag {
	return &Frag{parts: []fpart{{ifEmpty: t, then: then, els: els}}}
}

// ConstFrag is the constant TRUE or FALSE of a dialect, recognized by the
// compiler's simplifications.
func ConstFrag(b bool, d interface {
	True() string
	False() string
}) *Frag {
	return constFrag(b, d.True(), d.False())
}

// IsConst reports whether f is the constant b.
func (f *Frag) IsConst(b bool) bool { return f.isConst(b) }

// Display renders the fragment for people: the SQL with '?' placeholders
// and a description of each argument (tokens by name). Parts that depend on
// a token being empty show the usual case, a token with a value.
func (f *Frag) Display() (string, []string) {
	var b strings.Builder
	var args []string
	f.display(&b, &args)
	return b.String(), args
}

func (f *Frag) display(b *strings.Builder, args *[]string) {
	for _, p := range f.parts {
		switch {
		case p.ifEmpty != nil:
			p.els.display(b, args)
		case p.arg != nil:
			b.WriteString(p.text)
			switch {
			case p.arg.Param > 0:
				*args = append(*args, fmt.Sprintf("parameter %d", p.arg.Param))
			case p.arg.Token != nil:
				*args = append(*args, Format(p.arg.Token))
			default:
				*args = append(*args, fmt.Sprintf("%#v", p.arg.Value))
			}
		default:
			b.WriteString(p.text)
		}
	}
}
