package xpath

import (
	"fmt"
	"strings"
)

// Limits on untrusted input (constraints also come from API clients): they bound the memory,
// the time and, since the parser is recursive, the stack that one constraint can use.
const (
	MaxLength = 64 << 10 // bytes
	MaxDepth  = 200      // nested brackets, parentheses and not()
)

type funcKind uint8

const (
	condFunc     funcKind = iota + 1 // contains(path, value): an expression
	lengthFunc                       // string-length(path): a subject
	datePartFunc                     // year-from-dateTime(path [, 'UTC']): a subject
)

var functions = map[string]funcKind{
	"contains":                  condFunc,
	"starts-with":               condFunc,
	"ends-with":                 condFunc,
	"string-length":             lengthFunc,
	"length":                    lengthFunc,
	"year-from-dateTime":        datePartFunc,
	"month-from-dateTime":       datePartFunc,
	"day-from-dateTime":         datePartFunc,
	"hours-from-dateTime":       datePartFunc,
	"minutes-from-dateTime":     datePartFunc,
	"seconds-from-dateTime":     datePartFunc,
	"quarter-from-dateTime":     datePartFunc,
	"day-of-year-from-dateTime": datePartFunc,
	"week-from-dateTime":        datePartFunc,
	"weekday-from-dateTime":     datePartFunc,
}

// keywords cannot be names. `id` and `reversed` are handled where they may appear: `id` cannot
// be a member name (model.md), and `reversed` is only special inside [reversed()].
var keywords = map[string]bool{"and": true, "or": true, "not": true, "empty": true, "NULL": true, "true": true, "false": true}

// Parse parses a constraint. Errors are *Error.
func Parse(src string) (c *Constraint, err error) {
	if len(src) > MaxLength {
		return nil, errorf(1, "constraint is longer than %d bytes", MaxLength)
	}
	// Errors unwind the recursive descent by panicking with an *Error (as go/parser does);
	// anything else is a bug and keeps panicking.
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			c, err = nil, e
		}
	}()
	p := &parser{lex: lexer{src: src, col: 1}}
	p.tok = p.lex.next()
	return p.constraint(), nil
}

type parser struct {
	lex      lexer
	tok      token // the current token
	ahead    token // the token after it, once peeked
	hasAhead bool
	depth    int
}

// final reports whether t ends the token stream (end of input or a lexical error).
func final(t token) bool { return t.kind == tEOF || t.kind == tError }

// next consumes the current token and returns it. It never moves past the final token, so
// every loop ends at an "expected … but found" error.
func (p *parser) next() token {
	t := p.tok
	switch {
	case final(t):
	case p.hasAhead:
		p.tok, p.hasAhead = p.ahead, false
	default:
		p.tok = p.lex.next()
	}
	return t
}

// peek returns the token after the current one.
func (p *parser) peek() token {
	if final(p.tok) {
		return p.tok
	}
	if !p.hasAhead {
		p.ahead, p.hasAhead = p.lex.next(), true
	}
	return p.ahead
}

func (p *parser) isWord(text string) bool {
	return p.tok.kind == tWord && p.tok.text == text
}

// unexpected is the error for the current token when want was expected. A lexical error at
// that point takes precedence, since the token is not really there.
func (p *parser) unexpected(want string) *Error {
	t := p.tok
	if t.kind == tError {
		return t.err
	}
	return errorf(t.col, "expected %s but found %s", want, describe(t))
}

func (p *parser) expect(kind tokKind, want string) token {
	if p.tok.kind != kind {
		panic(p.unexpected(want))
	}
	return p.next()
}

func (p *parser) enter(col int) {
	if p.depth++; p.depth > MaxDepth {
		panic(errorf(col, "nesting deeper than %d levels", MaxDepth))
	}
}

func (p *parser) constraint() *Constraint {
	c := &Constraint{Brackets: []Expr{p.bracket()}}
	for p.tok.kind == tLBrack {
		c.Brackets = append(c.Brackets, p.bracket())
	}
	if p.tok.kind != tEOF {
		panic(p.unexpected("'[' or end of input"))
	}
	return c
}

func (p *parser) bracket() Expr {
	p.enter(p.expect(tLBrack, "'['").col)
	e := p.expr()
	p.expect(tRBrack, "']'")
	p.depth--
	return e
}

func (p *parser) expr() Expr {
	first := p.and()
	if !p.isWord("or") {
		return first
	}
	terms := []Expr{first}
	for p.isWord("or") {
		p.next()
		terms = append(terms, p.and())
	}
	return &Or{Col: first.Pos(), Terms: terms}
}

func (p *parser) and() Expr {
	first := p.unary()
	if !p.isWord("and") {
		return first
	}
	terms := []Expr{first}
	for p.isWord("and") {
		p.next()
		terms = append(terms, p.unary())
	}
	return &And{Col: first.Pos(), Terms: terms}
}

func (p *parser) unary() Expr {
	t := p.tok
	switch {
	case t.kind == tLParen:
		return p.parens()
	case p.isWord("not"):
		p.next()
		if p.tok.kind != tLParen {
			panic(p.unexpected("'(' after 'not'"))
		}
		return &Not{Col: t.col, X: p.parens()}
	}
	return p.comparison()
}

func (p *parser) parens() Expr {
	p.enter(p.next().col)
	e := p.expr()
	p.expect(tRParen, "')'")
	p.depth--
	return e
}

// comparison parses a comparison or a lone operand that is an expression by itself: a path
// ending at an association or entity (an existence test), true(), false() or a condition
// function such as contains().
func (p *parser) comparison() Expr {
	left := p.operand("expression")
	op := p.tok
	if op.kind != tOp {
		switch l := left.(type) {
		case *Path:
			if !l.ID && l.Attr == "" {
				return &Exists{Col: l.Col, Path: l}
			}
		case *BoolLit:
			return l
		case *Call:
			if functions[l.Name] == condFunc {
				return l
			}
		}
		panic(p.unexpected("comparison operator"))
	}
	ls, lv := side(left)
	p.next()
	want := "value"
	if ls == nil {
		want = "path"
	}
	right := p.operand(want)
	rs, rv := side(right)
	switch {
	case ls != nil && rv != nil:
		return &Compare{Col: left.Pos(), Op: op.op, Subject: ls, Value: rv}
	case lv != nil && rs != nil:
		return &Compare{Col: left.Pos(), Op: op.op.Mirror(), Subject: rs, Value: lv}
	case ls != nil:
		panic(errorf(right.Pos(), "comparing two paths is not supported"))
	default:
		panic(errorf(right.Pos(), "comparing two values is not supported"))
	}
}

// side classifies a comparison operand as a subject or a value.
func side(n Node) (Subject, Value) {
	switch n := n.(type) {
	case *Call:
		if functions[n.Name] == condFunc {
			panic(errorf(n.Col, "%s() is a condition and cannot be compared", n.Name))
		}
		return n, nil
	case *Path:
		return n, nil
	}
	return nil, n.(Value)
}

// operand parses a value, a path or a function call; want names what the context expects.
func (p *parser) operand(want string) Node {
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		if strings.Contains(t.val, "[%") {
			return parseTokenLit(t)
		}
		return &StringLit{Col: t.col, Value: t.val}
	case tNumber:
		p.next()
		return &NumberLit{Col: t.col, Text: t.text}
	case tVar:
		p.next()
		return &Variable{Col: t.col, Name: t.val}
	case tWord:
		switch t.text {
		case "empty", "NULL":
			p.next()
			return &Empty{Col: t.col, Keyword: t.text}
		case "true", "false":
			p.next()
			if p.tok.kind != tLParen {
				panic(p.unexpected(fmt.Sprintf("'(' after '%s'", t.text)))
			}
			p.next()
			p.expect(tRParen, "')'")
			return &BoolLit{Col: t.col, Value: t.text == "true"}
		case "and", "or", "not":
			panic(p.unexpected(want))
		}
		if p.peek().kind == tLParen {
			return p.call()
		}
		return p.path()
	}
	panic(p.unexpected(want))
}

func (p *parser) call() *Call {
	t := p.next()
	kind := functions[t.text]
	if kind == 0 {
		panic(errorf(t.col, "unknown function '%s'", shorten(t.text)))
	}
	p.next() // '('
	if a := p.tok; a.kind != tWord || keywords[a.text] || p.peek().kind == tLParen {
		panic(p.unexpected("path"))
	}
	c := &Call{Col: t.col, Name: t.text, Path: p.path()}
	switch {
	case kind == condFunc:
		p.expect(tComma, "','")
		arg := p.operand("value")
		v, ok := arg.(Value)
		if !ok {
			panic(errorf(arg.Pos(), "the second argument of %s() must be a value", t.text))
		}
		c.Arg = v
	case kind == datePartFunc && p.tok.kind == tComma:
		p.next()
		arg := p.operand("'UTC'")
		if s, ok := arg.(*StringLit); !ok || s.Value != "UTC" {
			panic(errorf(arg.Pos(), "the second argument of %s() must be 'UTC'", t.text))
		}
		c.Arg = arg.(Value)
	}
	p.expect(tRParen, "')'")
	return c
}

// path parses `id` or a walk of steps. Steps come in pairs association/entity; which of the
// two a name is follows from its position, and an unqualified name is always an attribute.
func (p *parser) path() *Path {
	path := &Path{Col: p.tok.col}
	if p.isWord("id") {
		p.next()
		path.ID = true
		return path
	}
	for {
		t := p.tok
		if t.kind != tWord || keywords[t.text] || t.text == "id" {
			panic(p.unexpected("association or attribute"))
		}
		checkName(t)
		p.next()
		if !strings.Contains(t.text, ".") {
			if p.tok.kind == tSlash {
				panic(errorf(t.col, "attribute '%s' must be the last element of a path", shorten(t.text)))
			}
			path.Attr, path.AttrCol = t.text, t.col
			return path
		}
		step := Step{Col: t.col, Assoc: t.text}
		if p.tok.kind == tLBrack {
			p.reversed()
			step.Reversed = true
		}
		if p.tok.kind != tSlash {
			path.Steps = append(path.Steps, step)
			return path
		}
		p.next()
		e := p.tok
		if e.kind == tWord {
			checkName(e)
		}
		if e.kind != tWord || !strings.Contains(e.text, ".") {
			panic(p.unexpected("entity name (Module.Entity)"))
		}
		p.next()
		step.Entity, step.EntityCol = e.text, e.col
		if p.tok.kind == tLBrack {
			step.Filter = p.bracket()
		}
		path.Steps = append(path.Steps, step)
		if p.tok.kind != tSlash {
			return path
		}
		p.next()
	}
}

// reversed parses `[reversed()]`, the only bracket allowed after an association (filters
// belong after the entity).
func (p *parser) reversed() {
	p.next()
	if !p.isWord("reversed") {
		panic(p.unexpected("'reversed()'"))
	}
	p.next()
	p.expect(tLParen, "'('")
	p.expect(tRParen, "')'")
	p.expect(tRBrack, "']'")
}

// checkName rejects words that are neither a name nor a qualified name: a hyphen belongs only
// in function names, and a qualified name has exactly one dot.
func checkName(t token) {
	if strings.Contains(t.text, "-") || strings.Count(t.text, ".") > 1 {
		panic(errorf(t.col, "invalid name '%s'", shorten(t.text)))
	}
}
