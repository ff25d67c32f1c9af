package model

import "strings"

// Member is an attribute or an association of an entity, own or inherited,
// including the system members.
type Member struct {
	// Name is how rules and XPath write it: an attribute's name
	// ("Amount", "createdDate") or an association's qualified name
	// ("Expenses.Expense_Project", "System.owner").
	Name        string
	Attribute   *Attribute
	Association *Association
	// System marks owner, changedBy, createdDate and changedDate.
	System bool
	// Inherited marks members declared on a generalization.
	Inherited bool
}

// IsAssociation reports whether m is an association.
func (m *Member) IsAssociation() bool { return m.Association != nil }

// Writable reports whether a client may ever be granted write on m.
func (m *Member) Writable() bool {
	return !m.System && (m.Attribute == nil || m.Attribute.Type != TypeAutoNumber)
}

// Members lists every member of e: inherited ones first, then its own
// attributes, system members and associations.
func (e *Entity) Members() []*Member { return e.memberList() }

// Member finds a member by the name rules and XPath use. from is the module
// the name is written in: there a local association name also matches.
func (e *Entity) Member(name string, from *Module) *Member {
	for _, m := range e.memberList() {
		if m.Name == name {
			return m
		}
		if from != nil && m.Association != nil && !strings.Contains(name, ".") &&
			m.Association.Module == from && m.Association.Name == name {
			return m
		}
	}
	return nil
}

// memberList is computed once the model is linked and cached.
func (e *Entity) memberList() []*Member {
	if e.members != nil {
		return e.members
	}
	var out []*Member
	if e.Generalization != nil && !e.inCycle() {
		for _, m := range e.Generalization.memberList() {
			c := *m
			c.Inherited = true
			out = append(out, &c)
		}
	}
	for _, a := range e.Attributes {
		out = append(out, &Member{Name: a.Name, Attribute: a})
	}
	for _, a := range e.systemAttrs {
		out = append(out, &Member{Name: a.Name, Attribute: a, System: true})
	}
	for _, a := range e.systemAssocs {
		out = append(out, &Member{Name: a.QualifiedName(), Association: a, System: true})
	}
	for _, a := range e.assocs {
		out = append(out, &Member{Name: a.QualifiedName(), Association: a})
	}
	e.members = out
	return out
}

// inCycle reports a generalization cycle through e (an error reported by
// the loader); members then stop at e.
func (e *Entity) inCycle() bool {
	seen := map[*Entity]bool{}
	for g := e; g != nil; g = g.Generalization {
		if seen[g] {
			return true
		}
		seen[g] = true
	}
	return false
}

// IsA reports whether e is g or a specialization of g.
func (e *Entity) IsA(g *Entity) bool {
	seen := 0
	for x := e; x != nil && seen < 1000; x = x.Generalization {
		if x == g {
			return true
		}
		seen++
	}
	return false
}

// Root is the top of e's generalization chain.
func (e *Entity) Root() *Entity {
	r := e
	for i := 0; r.Generalization != nil && i < 1000; i++ {
		r = r.Generalization
	}
	return r
}

// AllSpecializations lists e's specializations at every depth.
func (e *Entity) AllSpecializations() []*Entity {
	var out []*Entity
	var walk func(x *Entity, depth int)
	walk = func(x *Entity, depth int) {
		if depth > 1000 {
			return
		}
		for _, s := range x.Specializations {
			out = append(out, s)
			walk(s, depth+1)
		}
	}
	walk(e, 0)
	return out
}
