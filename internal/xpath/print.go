package xpath

import (
	"strconv"
	"strings"
)

// String prints the constraint in canonical form: single spaces around operators, strings in
// single quotes, `value op subject` turned around, redundant parentheses dropped. The result
// parses to the same tree (apart from columns).
func (c *Constraint) String() string {
	var p printer
	for _, e := range c.Brackets {
		p.WriteByte('[')
		p.node(e, 0)
		p.WriteByte(']')
	}
	return p.String()
}

// Format prints one node in canonical form, for messages such as "path A/B ends at …".
func Format(n Node) string {
	var p printer
	p.node(n, 0)
	return p.String()
}

type printer struct{ strings.Builder }

// Operator precedence of the context a node is printed in: an Or needs parentheses inside an
// Or or And term, an And only inside an And term (so that the tree is kept as it was parsed).
const (
	precOr  = 1
	precAnd = 2
)

func (p *printer) node(n Node, prec int) {
	switch n := n.(type) {
	case *Or:
		p.terms(n.Terms, " or ", prec >= precOr, precOr)
	case *And:
		p.terms(n.Terms, " and ", prec >= precAnd, precAnd)
	case *Not:
		p.WriteString("not(")
		p.node(n.X, 0)
		p.WriteByte(')')
	case *Compare:
		p.node(n.Subject, 0)
		p.WriteString(" " + n.Op.String() + " ")
		p.node(n.Value, 0)
	case *Exists:
		p.node(n.Path, 0)
	case *Call:
		p.WriteString(n.Name + "(")
		p.node(n.Path, 0)
		if n.Arg != nil {
			p.WriteString(", ")
			p.node(n.Arg, 0)
		}
		p.WriteByte(')')
	case *Path:
		p.path(n)
	case *StringLit:
		p.WriteString("'" + strings.ReplaceAll(n.Value, "'", "''") + "'")
	case *NumberLit:
		p.WriteString(n.Text)
	case *BoolLit:
		p.WriteString(strconv.FormatBool(n.Value) + "()")
	case *Empty:
		p.WriteString(n.Keyword)
	case *TokenLit:
		p.WriteString("'[%" + n.Token + "%]")
		for _, t := range n.Terms {
			if t.Sign < 0 {
				p.WriteString(" - ")
			} else {
				p.WriteString(" + ")
			}
			if t.Count != 1 {
				p.WriteString(strconv.FormatInt(t.Count, 10) + " * ")
			}
			p.WriteString("[%" + t.Unit + "%]")
		}
		p.WriteByte('\'')
	case *Variable:
		p.WriteString("$" + n.Name)
	}
}

func (p *printer) terms(terms []Expr, sep string, parens bool, prec int) {
	if parens {
		p.WriteByte('(')
	}
	for i, t := range terms {
		if i > 0 {
			p.WriteString(sep)
		}
		p.node(t, prec)
	}
	if parens {
		p.WriteByte(')')
	}
}

func (p *printer) path(n *Path) {
	if n.ID {
		p.WriteString("id")
		return
	}
	for i, s := range n.Steps {
		if i > 0 {
			p.WriteByte('/')
		}
		p.WriteString(s.Assoc)
		if s.Reversed {
			p.WriteString("[reversed()]")
		}
		if s.Entity != "" {
			p.WriteString("/" + s.Entity)
		}
		if s.Filter != nil {
			p.WriteByte('[')
			p.node(s.Filter, 0)
			p.WriteByte(']')
		}
	}
	if n.Attr != "" {
		if len(n.Steps) > 0 {
			p.WriteByte('/')
		}
		p.WriteString(n.Attr)
	}
}

// Conjuncts lists the terms that must all hold for the constraint to hold,
// each in canonical form: the brackets, with every `and` flattened. A
// constraint whose conjuncts include all those of another implies it, which
// lets a caller drop a disjunct that adds nothing (`A or (A and B)` is A).
func (c *Constraint) Conjuncts() []string {
	var out []string
	var walk func(e Expr)
	walk = func(e Expr) {
		if a, ok := e.(*And); ok {
			for _, t := range a.Terms {
				walk(t)
			}
			return
		}
		out = append(out, Format(e))
	}
	for _, e := range c.Brackets {
		walk(e)
	}
	return out
}
