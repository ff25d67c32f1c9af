package model

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/diag"
)

// decoder types the node tree of one file and collects diagnostics.
type decoder struct {
	file  string
	diags *diag.List
	env   func(string) (string, bool)
	// key is the mapping key whose value is being typed; messages about a
	// value start with it, so they name the culprit.
	key string
}

// expandResult describes `${VAR}` replacement in one scalar.
type expandResult struct {
	text      string
	unset     []string // variables that are not set and have no default
	malformed []string // `${` that starts no valid reference, as written
	envOnly   string   // VAR when the whole scalar is exactly ${VAR}
}

var envOnlyRe = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// expandText replaces ${VAR} and ${VAR:-default}; $${ writes a literal ${.
// As in the shell, the default also stands in for a variable that is set
// but empty.
// Any other `${` is malformed: model.md gives it no meaning, and keeping it
// as text would let a typo such as `${ADMIN_PASSWORD` become a password.
func (d *decoder) expandText(s string) expandResult {
	var r expandResult
	if m := envOnlyRe.FindStringSubmatch(s); m != nil {
		r.envOnly = m[1]
	}
	if !strings.Contains(s, "${") {
		r.text = s
		return r
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			r.malformed = append(r.malformed, s[i:])
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) || strings.Contains(def, "${") {
			r.malformed = append(r.malformed, s[i:i+end+1])
			b.WriteString(s[i : i+end+1])
		} else if v, ok := d.env(name); ok && (v != "" || !hasDef) {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			r.unset = append(r.unset, name)
		}
		i += end + 1
	}
	r.text = b.String()
	return r
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// text returns a scalar's text after replacement. It reports unset
// variables and malformed references; ok is false when it did, and the
// caller then types nothing more (one mistake, one message).
func (d *decoder) text(n *node) (string, bool) {
	r := d.expandText(n.raw)
	d.malformed(n.pos, r.malformed)
	for _, v := range r.unset {
		d.diags.Errorf(n.pos, CodeUnsetVariable, "environment variable %s is not set; set it or write ${%s:-default}", v, v)
	}
	return r.text, len(r.unset) == 0 && len(r.malformed) == 0
}

func (d *decoder) malformed(pos diag.Pos, refs []string) {
	for _, m := range refs {
		d.errorf(pos, CodeBadValue, "%s%s is not an environment variable reference: write ${NAME} or ${NAME:-default}, or $${ for a literal ${", d.prefix(), m)
	}
}

// prefix is "key: " for messages about the value of the current key.
func (d *decoder) prefix() string {
	if d.key == "" {
		return ""
	}
	return d.key + ": "
}

func (d *decoder) errorf(pos diag.Pos, code, format string, args ...any) {
	d.diags.Errorf(pos, code, format, args...)
}

func (d *decoder) warnf(pos diag.Pos, code, format string, args ...any) {
	d.diags.Warnf(pos, code, format, args...)
}

func (d *decoder) wrongType(n *node, want string) {
	d.errorf(n.pos, CodeWrongType, "%sexpected %s, found %s", d.prefix(), want, n.describe())
}

// wrongTypeOf reports a mapping or list that is not what it should be; what
// names it, so the key is not repeated.
func (d *decoder) wrongTypeOf(n *node, want string) {
	d.errorf(n.pos, CodeWrongType, "expected %s, found %s", want, n.describe())
}

// fields walks a mapping, calling the handler of each key; keys without a
// handler are errors naming the keys that are allowed.
func (d *decoder) fields(n *node, what string, handlers map[string]func(p pair)) bool {
	if n.kind != mapNode {
		if n.isNull() {
			return true
		}
		d.wrongTypeOf(n, "a mapping for "+what)
		return false
	}
	for _, p := range n.pairs {
		h, ok := handlers[p.key]
		if !ok {
			d.unknownKey(p, what, handlers)
			continue
		}
		outer := d.key
		d.key = p.key
		h(p)
		d.key = outer
	}
	return true
}

func (d *decoder) unknownKey(p pair, what string, handlers map[string]func(p pair)) {
	keys := make([]string, 0, len(handlers))
	for k := range handlers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	hint := ""
	for _, k := range keys {
		if strings.EqualFold(k, p.key) {
			hint = fmt.Sprintf("; did you mean %q?", k)
		}
	}
	if hint == "" {
		if s := suggest(p.key, keys); s != "" {
			hint = fmt.Sprintf("; did you mean %q?", s)
		}
	}
	if hint == "" {
		hint = "; allowed keys: " + strings.Join(keys, ", ")
	}
	d.errorf(p.keyPos, CodeUnknownKey, "unknown key %q in %s%s", p.key, what, hint)
}

// str types a scalar as a string. A plain scalar that YAML would read as a
// boolean or number is still accepted as text: names such as `1.0.0` or a
// description `yes` are meant literally.
func (d *decoder) str(n *node) (string, bool) {
	if n.kind != scalarNode {
		d.wrongType(n, "a string")
		return "", false
	}
	if n.isNull() {
		return "", true
	}
	return d.text(n)
}

// nonEmpty types a string that must be given, such as a name or a
// reference. ok is false when something was reported.
func (d *decoder) nonEmpty(n *node) (string, bool) {
	s, ok := d.str(n)
	if ok && s == "" {
		d.errorf(n.pos, CodeBadValue, "%sthe value is empty; write one", d.prefix())
		return "", false
	}
	return s, ok
}

// required reports a missing required key.
func (d *decoder) required(pos diag.Pos, key, what string) {
	d.errorf(pos, CodeMissingKey, "%s needs the key %q", what, key)
}

// boolean types a scalar as a YAML boolean.
func (d *decoder) boolean(n *node) (bool, bool) {
	if n.kind != scalarNode || n.isNull() {
		d.wrongType(n, "true or false")
		return false, false
	}
	t, ok := d.text(n)
	if !ok {
		return false, false
	}
	if !n.quoted {
		switch t {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	}
	if n.quoted && (t == "true" || t == "false") {
		d.errorf(n.pos, CodeWrongType, "%sexpected true or false, found the string %q: a quoted value is always a string, so remove the quotes", d.prefix(), t)
		return false, false
	}
	d.wrongType(&node{kind: scalarNode, raw: t, quoted: n.quoted, pos: n.pos}, "true or false")
	return false, false
}

// integer types a scalar as a decimal integer in [lo, hi].
func (d *decoder) integer(n *node, lo, hi int) (int, bool) {
	if n.kind != scalarNode || n.isNull() {
		d.wrongType(n, "a whole number")
		return 0, false
	}
	if n.quoted {
		if _, err := strconv.Atoi(n.raw); err == nil {
			d.errorf(n.pos, CodeWrongType, "%sexpected a whole number, found the string %q: a quoted value is always a string, so remove the quotes", d.prefix(), n.raw)
		} else {
			d.wrongType(n, "a whole number")
		}
		return 0, false
	}
	t, ok := d.text(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimPrefix(t, "+"))
	if err != nil {
		d.wrongType(&node{kind: scalarNode, raw: t, pos: n.pos}, "a whole number")
		return 0, false
	}
	if v < lo || v > hi {
		d.errorf(n.pos, CodeBadValue, "%s%d is out of range: use a number from %d to %d", d.prefix(), v, lo, hi)
		return 0, false
	}
	return v, true
}

// duration types a scalar as a Go duration of at least one second.
func (d *decoder) duration(n *node) (time.Duration, bool) {
	s, ok := d.str(n)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(n.pos, CodeBadValue, "%s%q is not a duration: write it like 90s, 10m or 24h", d.prefix(), s)
		return 0, false
	}
	if v < time.Second {
		d.errorf(n.pos, CodeBadValue, "%s%s is too short: the smallest duration allowed is 1s", d.prefix(), s)
		return 0, false
	}
	return v, true
}

// oneOf types a scalar as one of the given words (exact case).
func (d *decoder) oneOf(n *node, words ...string) (string, bool) {
	s, ok := d.str(n)
	if !ok {
		return "", false
	}
	if slices.Contains(words, s) {
		return s, true
	}
	hint := ""
	for _, w := range words {
		if strings.EqualFold(w, s) {
			hint = fmt.Sprintf(" (did you mean %s?)", w)
		}
	}
	d.errorf(n.pos, CodeBadValue, "%s%q is not allowed: use one of %s%s", d.prefix(), s, strings.Join(words, ", "), hint)
	return "", false
}

// list types a sequence, calling f on each item. A single scalar is not
// taken as a one-item list: the model always writes lists as lists.
func (d *decoder) list(n *node, what string, f func(item *node)) {
	if n.kind != seqNode {
		if n.isNull() {
			return
		}
		d.wrongType(n, "a list of "+what)
		return
	}
	for _, it := range n.items {
		f(it)
	}
}

// names types a list of names.
func (d *decoder) names(n *node, what string) []NameRef {
	var out []NameRef
	d.list(n, what, func(it *node) {
		if s, ok := d.nonEmpty(it); ok {
			out = append(out, NameRef{s, it.pos})
		}
	})
	return out
}

// scalar keeps a scalar as written (after replacement) for typing later.
func (d *decoder) scalar(n *node) (*Scalar, bool) {
	if n.kind != scalarNode {
		d.wrongType(n, "a single value")
		return nil, false
	}
	t, ok := d.text(n)
	if !ok {
		return nil, false
	}
	return &Scalar{Text: t, Quoted: n.quoted, Pos: n.pos}, true
}

var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validName reports names that do not match [A-Za-z_][A-Za-z0-9_]*.
func (d *decoder) validName(name string, pos diag.Pos, what string) bool {
	if nameRe.MatchString(name) {
		return true
	}
	d.errorf(pos, CodeInvalidName, "%s name %q is not valid: use letters, digits and '_', not starting with a digit", what, name)
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
