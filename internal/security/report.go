package security

import "github.com/rampart/rampart/internal/model"

// The analyses (overview, explain, lint, diff) read the same compiled rule
// sets that enforce access, so a report and the runtime cannot disagree.

// Grant is one rule's part in a right.
type Grant struct {
	// Name is the rule's caption, or "rule N of Entity" when it has none.
	Name string
	// Caption is the caption as written ("" for none).
	Caption string
	// XPath is the rule's constraint as written; "" with All set means
	// the rule holds for every object.
	XPath string
	All   bool
	// Builtin marks the built-in System.User and System.UserRole rules.
	Builtin bool
	// Source is the model rule, nil for built-in and level-wide rules.
	Source *model.AccessRule
}

// MemberRights are the grants of read and write on one member.
type MemberRights struct {
	Member      *model.Member
	Read, Write []Grant
}

// Inherited reports a member declared on a generalization.
func (mr MemberRights) Inherited() bool { return mr.Member.Inherited }

// EntityRights are a role set's rights on one entity.
type EntityRights struct {
	Entity  *model.Entity
	Create  []Grant // rules with create (constraints do not limit creating)
	Delete  []Grant
	Members []MemberRights
	Rules   []Grant // every rule of the role set on the entity
}

// Rights describes what holders of the user roles may do with objects of x.
func (e *Engine) Rights(roles []*model.UserRole, x *model.Entity) *EntityRights {
	rs := e.set(Holder(roles...))
	er := rs.entities[x]
	out := &EntityRights{Entity: x}
	if er == nil {
		return out
	}
	grant := func(r *rule) Grant {
		g := Grant{Name: r.name, Builtin: r.source == nil, Source: r.source, All: r.always()}
		if r.source != nil {
			g.Caption = r.source.Caption
			if r.source.XPath != nil {
				g.XPath = r.source.XPath.Text
			}
		} else if r.xpathText != "" {
			g.XPath = r.xpathText
		}
		return g
	}
	for _, r := range er.rules {
		g := grant(r)
		out.Rules = append(out.Rules, g)
		if r.createFlag {
			out.Create = append(out.Create, g)
		}
		if r.del {
			out.Delete = append(out.Delete, g)
		}
	}
	for i, m := range er.members {
		mr := MemberRights{Member: m}
		for _, r := range er.rules {
			if r.read.has(i) {
				mr.Read = append(mr.Read, grant(r))
			}
			if r.write.has(i) {
				mr.Write = append(mr.Write, grant(r))
			}
		}
		out.Members = append(out.Members, mr)
	}
	return out
}
