package security

import (
	"iter"
	"maps"
	mathbits "math/bits"
)

// Values are the member values of a Result, by member name: only members
// the caller may read are present. They are kept in the order of the
// entity's members, one slice per object, which costs a list far less than
// a map per object. The zero Values has no members.
type Values struct {
	er   *entityRules // the entity's members and their positions
	vals []any        // by position in er.members
	has  bits         // the positions present
}

// Get returns a member's value and whether it is present.
func (v Values) Get(name string) (any, bool) {
	if v.er == nil {
		return nil, false
	}
	i, ok := v.er.index[name]
	if !ok || !v.has.has(i) {
		return nil, false
	}
	return v.vals[i], true
}

// Value returns a member's value, nil when it is absent.
func (v Values) Value(name string) any {
	x, _ := v.Get(name)
	return x
}

// Len is the number of members present.
func (v Values) Len() int {
	n := 0
	for _, w := range v.has {
		n += mathbits.OnesCount64(w)
	}
	return n
}

// All yields the members present with their values, in the entity's order.
func (v Values) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if v.er == nil {
			return
		}
		for i, m := range v.er.members {
			if v.has.has(i) && !yield(m.Name, v.vals[i]) {
				return
			}
		}
	}
}

// Map returns the members present as a new map.
func (v Values) Map() map[string]any { return maps.Collect(v.All()) }
