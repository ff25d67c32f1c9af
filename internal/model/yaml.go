package model

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/rampart/rampart/internal/diag"
)

// The loader reads YAML into a small tree of its own (mappings, sequences,
// scalars, each with its position) and types it by hand. That keeps every
// position, lets `${VAR}` be replaced before typing, and gives messages that
// speak of the model rather than of Go structs.

type nodeKind int

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

func (k nodeKind) String() string {
	return [...]string{"a scalar", "a mapping", "a list"}[k]
}

type node struct {
	kind nodeKind
	pos  diag.Pos

	// Scalars: raw is the text before `${VAR}` replacement; quoted is true
	// for quoted and block scalars, which are always strings.
	raw    string
	quoted bool

	pairs []pair // mappings, in file order
	items []*node
}

type pair struct {
	key    string
	keyPos diag.Pos
	value  *node
}

// maxYAMLNodes bounds the work done on one file, so hostile input cannot
// make the loader spin.
const maxYAMLNodes = 1 << 20

// parseYAML turns one file's bytes into a node tree. A file with no content
// gives a nil node and no error. Keys given twice in one mapping do not stop
// the file from loading: the first is kept and each repeat is returned in
// dups.
func parseYAML(file string, src []byte) (*node, []*yamlError, error) {
	// YAML allows a byte order mark at the start of a stream, and editors
	// on Windows write one; the YAML library would make it part of the
	// first key.
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if line, col, deep := tooDeep(src); deep {
		return nil, nil, &yamlError{diag.Pos{File: file, Line: line, Col: col}, fmt.Sprintf("YAML: lists and mappings nest more than %d levels deep here; a model file never needs that many", maxNesting)}
	}
	body, err := parseAST(file, src)
	if err != nil || body == nil {
		return nil, nil, err
	}
	c := converter{file: file}
	root, err := c.convert(body)
	if err != nil {
		return nil, nil, err
	}
	return root, c.dups, nil
}

// parseAST runs the YAML library and returns the single document's body.
func parseAST(file string, src []byte) (body ast.Node, err error) {
	defer func() {
		// The YAML library is not ours; a panic on strange input must still
		// end as a diagnostic, not a crash.
		if r := recover(); r != nil {
			body, err = nil, &yamlError{diag.Pos{File: file, Line: 1, Col: 1}, fmt.Sprintf("cannot parse YAML: %v", r)}
		}
	}()
	// Duplicate keys are found by the converter, which reports each of
	// them and goes on, instead of failing the whole file.
	f, perr := parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
	if perr != nil {
		return nil, syntaxError(file, perr)
	}
	var docs []ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d.Body)
		}
	}
	if len(docs) == 0 {
		return nil, nil
	}
	if len(docs) > 1 {
		c := converter{file: file}
		return nil, &yamlError{c.pos(docs[1].GetToken()), "a model file holds one YAML document; remove the second '---'"}
	}
	return docs[0], nil
}

type yamlError struct {
	pos diag.Pos
	msg string
}

func (e *yamlError) Error() string { return e.pos.String() + ": " + e.msg }

func syntaxError(file string, err error) error {
	pos := diag.Pos{File: file, Line: 1, Col: 1}
	msg := err.Error()
	type tokenError interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if te, ok := err.(tokenError); ok {
		msg = te.GetMessage()
		if tk := te.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Col = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
		}
	}
	return &yamlError{pos, "YAML: " + msg}
}

type converter struct {
	file  string
	count int
	dups  []*yamlError
}

func (c *converter) pos(tk *token.Token) diag.Pos {
	if tk == nil || tk.Position == nil {
		return diag.Pos{File: c.file, Line: 1, Col: 1}
	}
	return diag.Pos{File: c.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (c *converter) convert(n ast.Node) (*node, error) {
	c.count++
	if c.count > maxYAMLNodes {
		return nil, &yamlError{c.pos(n.GetToken()), "the file is too large"}
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		out := &node{kind: mapNode, pos: c.pos(n.GetToken())}
		if len(n.Values) > 0 {
			out.pos = c.pos(n.Values[0].Key.GetToken())
		}
		out.pairs = make([]pair, 0, len(n.Values))
		var seen map[string]int // index in out.pairs, for large mappings
		for _, mv := range n.Values {
			p, err := c.pair(mv)
			if err != nil {
				return nil, err
			}
			first := -1
			if seen != nil {
				if i, ok := seen[p.key]; ok {
					first = i
				}
			} else {
				for i, q := range out.pairs {
					if q.key == p.key {
						first = i
						break
					}
				}
			}
			if first >= 0 {
				fp := out.pairs[first].keyPos
				c.dups = append(c.dups, &yamlError{p.keyPos, fmt.Sprintf("key %q is given twice in this mapping (first at line %d, column %d); remove one of them", p.key, fp.Line, fp.Col)})
				continue
			}
			out.pairs = append(out.pairs, p)
			if seen == nil && len(out.pairs) > 16 {
				seen = make(map[string]int, len(n.Values))
				for i, q := range out.pairs {
					seen[q.key] = i
				}
			} else if seen != nil {
				seen[p.key] = len(out.pairs) - 1
			}
		}
		return out, nil
	case *ast.MappingValueNode:
		p, err := c.pair(n)
		if err != nil {
			return nil, err
		}
		return &node{kind: mapNode, pos: p.keyPos, pairs: []pair{p}}, nil
	case *ast.SequenceNode:
		out := &node{kind: seqNode, pos: c.pos(n.Start)}
		for _, v := range n.Values {
			item, err := c.convert(v)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, item)
		}
		return out, nil
	case *ast.AnchorNode, *ast.AliasNode, *ast.MergeKeyNode:
		return nil, &yamlError{c.pos(n.GetToken()), "YAML anchors, aliases and merge keys are not supported in model files; write the value out"}
	case *ast.TagNode:
		return nil, &yamlError{c.pos(n.GetToken()), "YAML tags are not supported in model files; remove the tag"}
	case *ast.LiteralNode:
		text := ""
		if n.Value != nil {
			text = n.Value.Value
		}
		return &node{kind: scalarNode, pos: c.pos(n.GetToken()), raw: text, quoted: true}, nil
	case *ast.StringNode:
		tk := n.GetToken()
		quoted := tk != nil && (tk.Type == token.SingleQuoteType || tk.Type == token.DoubleQuoteType)
		return &node{kind: scalarNode, pos: c.pos(tk), raw: n.Value, quoted: quoted}, nil
	case *ast.NullNode:
		tk := n.GetToken()
		raw := ""
		if tk != nil && tk.Type != token.ImplicitNullType {
			raw = tk.Value
		}
		return &node{kind: scalarNode, pos: c.pos(tk), raw: raw}, nil
	case ast.ScalarNode:
		// Numbers, booleans, infinities: keep the text as written; the
		// loader types scalars itself.
		tk := n.GetToken()
		raw := ""
		if tk != nil {
			raw = tk.Value
		}
		return &node{kind: scalarNode, pos: c.pos(tk), raw: raw}, nil
	case nil:
		return nil, &yamlError{diag.Pos{File: c.file, Line: 1, Col: 1}, "YAML: empty node"}
	default:
		return nil, &yamlError{c.pos(n.GetToken()), fmt.Sprintf("YAML: unsupported %s", n.Type())}
	}
}

func (c *converter) pair(mv *ast.MappingValueNode) (pair, error) {
	if mv.Key == nil {
		return pair{}, &yamlError{c.pos(mv.GetToken()), "YAML: mapping entry without a key"}
	}
	k, err := c.convert(mv.Key)
	if err != nil {
		return pair{}, err
	}
	if k.kind != scalarNode {
		return pair{}, &yamlError{k.pos, "a mapping key must be a plain name"}
	}
	var v *node
	if mv.Value == nil {
		v = &node{kind: scalarNode, pos: k.pos}
	} else if v, err = c.convert(mv.Value); err != nil {
		return pair{}, err
	}
	return pair{key: k.raw, keyPos: k.pos, value: v}, nil
}

// isNull reports whether n is a plain YAML null (empty, ~ or null).
func (n *node) isNull() bool {
	if n == nil {
		return true
	}
	if n.kind != scalarNode || n.quoted {
		return false
	}
	switch n.raw {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// describe names what a node is, for "expected X, found Y" messages.
func (n *node) describe() string {
	switch {
	case n == nil || n.isNull():
		return "nothing"
	case n.kind != scalarNode:
		return n.kind.String()
	case n.quoted:
		return fmt.Sprintf("%q", n.raw)
	default:
		return fmt.Sprintf("'%s'", strings.TrimSpace(n.raw))
	}
}
