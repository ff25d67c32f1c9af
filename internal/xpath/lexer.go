package xpath

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF   tokKind = iota
	tError         // a lexical error: the lexer is not asked for more
	tLBrack
	tRBrack
	tLParen
	tRParen
	tSlash
	tComma
	tOp
	tWord // a name, qualified name, keyword or function name
	tString
	tNumber
	tVar // $name
)

type token struct {
	kind tokKind
	col  int
	text string // as written in the source
	val  string // tString: the value with doubled quotes undone; tVar: the name
	op   Op     // tOp
	err  *Error // tError
}

var punct = map[byte]tokKind{'[': tLBrack, ']': tRBrack, '(': tLParen, ')': tRParen, '/': tSlash, ',': tComma}

// lexer produces tokens on demand, so that memory stays constant however long the input.
// It ends with tEOF or, at the first lexical error, with tError; the error is a token rather
// than a return value so that the parser reports whichever error comes first in the text.
// The parser never asks for a token after either.
type lexer struct {
	src string
	i   int
	col int
}

func (l *lexer) next() token {
	src, i := l.src, l.i
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
		l.col++
	}
	if i == len(src) {
		return token{kind: tEOF, col: l.col}
	}
	c := src[i]
	start := i
	t := token{col: l.col}
	switch {
	case punct[c] != 0:
		t.kind = punct[c]
		i++
	case c == '=':
		t.kind, t.op = tOp, Eq
		i++
	case c == '!' && strings.HasPrefix(src[i:], "!="):
		t.kind, t.op = tOp, Ne
		i += 2
	case c == '<' || c == '>':
		t.kind, t.op = tOp, Lt
		if c == '>' {
			t.op = Gt
		}
		i++
		if i < len(src) && src[i] == '=' {
			t.op++ // Lt+1 is Le, Gt+1 is Ge
			i++
		}
	case c == '\'' || c == '"':
		var ok bool
		t.kind = tString
		if i, t.val, ok = lexString(src, i); !ok {
			return errorToken(t.col, "unterminated string literal")
		}
	case isDigit(c) || c == '-' && i+1 < len(src) && isDigit(src[i+1]):
		t.kind = tNumber
		i = lexNumber(src, i)
		if i < len(src) && (isIdentChar(src[i]) || src[i] == '.') {
			for i < len(src) && (isIdentChar(src[i]) || src[i] == '.') {
				i++
			}
			return errorToken(t.col, "invalid number '%s'", shorten(src[start:i]))
		}
	case c == '$' && i+1 < len(src) && isIdentStart(src[i+1]):
		t.kind = tVar
		i = lexIdent(src, i+1)
		t.val = src[start+1 : i]
	case isIdentStart(c):
		t.kind = tWord
		i = lexWord(src, i)
	default:
		r, _ := utf8.DecodeRuneInString(src[i:])
		return errorToken(t.col, "unexpected character %q", r)
	}
	t.text = src[start:i]
	l.i = i
	l.col += utf8.RuneCountInString(t.text)
	return t
}

func errorToken(col int, format string, args ...any) token {
	return token{kind: tError, col: col, err: errorf(col, format, args...)}
}

// lexString scans the string literal at src[i] and returns the index after it and its value.
func lexString(src string, i int) (int, string, bool) {
	q := src[i]
	var b strings.Builder
	for i++; ; i++ {
		k := strings.IndexByte(src[i:], q)
		if k < 0 {
			return 0, "", false
		}
		b.WriteString(src[i : i+k])
		i += k + 1
		if i == len(src) || src[i] != q {
			return i, b.String(), true
		}
		b.WriteByte(q) // a doubled quote stands for one
	}
}

// lexNumber scans -?[0-9]+(\.[0-9]+)?.
func lexNumber(src string, i int) int {
	if src[i] == '-' {
		i++
	}
	i = skipDigits(src, i)
	if i+1 < len(src) && src[i] == '.' && isDigit(src[i+1]) {
		i = skipDigits(src, i+1)
	}
	return i
}

// lexWord scans identifiers joined by '.' or '-'. A word with a dot is a qualified name, one
// with a hyphen a function name; the parser rejects other combinations. There is no minus
// operator outside strings, so `a-b` cannot mean anything else.
func lexWord(src string, i int) int {
	i = lexIdent(src, i)
	for i+1 < len(src) && (src[i] == '.' || src[i] == '-') && isIdentStart(src[i+1]) {
		i = lexIdent(src, i+1)
	}
	return i
}

func lexIdent(src string, i int) int {
	for i < len(src) && isIdentChar(src[i]) {
		i++
	}
	return i
}

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// isName reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func isName(s string) bool {
	return s != "" && isIdentStart(s[0]) && lexIdent(s, 0) == len(s)
}

// describe names a token for "expected X but found Y" messages.
func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string " + shorten(t.text)
	}
	return "'" + shorten(t.text) + "'"
}

// shorten keeps messages readable when the offending text is long.
func shorten(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-3]) + "..."
}

// Error is a syntax error at a column (1-based, in code points) of the constraint. Error()
// returns only the message; callers add the position in their own format.
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errorf(col int, format string, args ...any) *Error {
	return &Error{Col: col, Msg: fmt.Sprintf(format, args...)}
}
