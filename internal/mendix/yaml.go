package mendix

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/diag"
)

// writer writes a YAML file line by line, in the style of a hand-written
// model file, and knows the line and column of everything it writes, so
// that the importer's diagnostics point into the files it generates.
type writer struct {
	file string // as diagnostics name it
	b    strings.Builder
	line int // lines written so far
}

func newWriter(file string) *writer { return &writer{file: file} }

func (w *writer) pos(col int) diag.Pos { return diag.Pos{File: w.file, Line: w.line + 1, Col: col} }

func (w *writer) emit(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
	w.line++
}

// blank writes an empty line.
func (w *writer) blank() { w.emit("") }

// comment writes "# text" lines at an indent; it returns the position of
// the first.
func (w *writer) comment(indent int, text string) diag.Pos {
	p := w.pos(indent + 1)
	for _, l := range strings.Split(text, "\n") {
		w.emit(strings.Repeat(" ", indent) + strings.TrimRight("# "+oneLine(l), " "))
	}
	return p
}

// key writes "key:" that opens a nested block.
func (w *writer) key(indent int, k string) diag.Pos {
	p := w.pos(indent + 1)
	w.emit(strings.Repeat(" ", indent) + yamlKey(k) + ":")
	return p
}

// kv writes "key: value" with a value already rendered (see scalar and
// flow); trailer is an optional comment.
func (w *writer) kv(indent int, k, v, trailer string) diag.Pos {
	p := w.pos(indent + 1)
	line := strings.Repeat(" ", indent) + yamlKey(k) + ": " + v
	if trailer != "" {
		line += "   # " + oneLine(trailer)
	}
	w.emit(line)
	return p
}

// item writes "- key: value" (value "" for "- key:") and returns the
// position of key.
func (w *writer) item(indent int, k, v, trailer string) diag.Pos {
	p := w.pos(indent + 3)
	line := strings.Repeat(" ", indent) + "- " + yamlKey(k) + ":"
	if v != "" {
		line += " " + v
	}
	if trailer != "" {
		line += "   # " + oneLine(trailer)
	}
	w.emit(line)
	return p
}

// rawItem writes "- value" and returns the position of the value.
func (w *writer) rawItem(indent int, v string) diag.Pos {
	p := w.pos(indent + 3)
	w.emit(strings.Repeat(" ", indent) + "- " + v)
	return p
}

func (w *writer) bytes() []byte { return []byte(w.b.String()) }

// oneLine keeps a comment on its line.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

// plainRe matches text that YAML reads back as the same string when
// written plain, in block and in flow context.
var plainRe = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_ ./()-]*$`)

// versionRe matches version numbers with two dots or more.
var versionRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+){2,}$`)

// yamlWords are plain scalars YAML (1.1 or 1.2) may read as something other
// than a string.
var yamlWords = map[string]bool{}

func init() {
	for _, w := range []string{"y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf"} {
		yamlWords[w] = true
	}
}

// scalar renders a string value: plain when that reads back the same,
// double-quoted otherwise. A `${` is written `$${`, since the loader
// replaces environment variables in every scalar.
func scalar(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "${", "$${")
	if versionRe.MatchString(s) {
		return s // 4.2.0 is a string in YAML: only one dot makes a number
	}
	if plainRe.MatchString(s) && !strings.HasSuffix(s, " ") && !yamlWords[strings.ToLower(s)] &&
		!strings.Contains(s, " #") && !strings.Contains(s, "  ") {
		return s
	}
	return quote(s)
}

// quote writes a YAML double-quoted scalar.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0xfeff || r == 0x2028 || r == 0x2029 || r == utf8.RuneError:
			if r <= 0xff {
				b.WriteString(`\x` + hex2(int(r)))
			} else {
				q := strconv.QuoteRuneToASCII(r) // '\uXXXX'
				b.WriteString(q[1 : len(q)-1])
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex2(v int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4&15], digits[v&15]})
}

// yamlKey renders a mapping key: names and qualified names are plain.
func yamlKey(k string) string {
	if keyRe.MatchString(k) && !yamlWords[strings.ToLower(k)] {
		return k
	}
	return quote(k)
}

var keyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// flow renders a list of already rendered values: [a, b].
func flow(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// flowNames renders a list of names.
func flowNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = scalar(n)
	}
	return flow(out)
}

// kvPair is one entry of a flow mapping, its value already rendered.
type kvPair struct{ k, v string }

// flowMap renders {k: v, …}.
func flowMap(pairs []kvPair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = yamlKey(p.k) + ": " + p.v
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// boolText renders a boolean.
func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
