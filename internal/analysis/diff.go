package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/xpath"
)

// ChangeKind says how a right changed.
type ChangeKind string

const (
	Granted  ChangeKind = "granted"  // a right the role did not have
	Removed  ChangeKind = "removed"  // a right the role no longer has
	Widened  ChangeKind = "widened"  // holds on provably more objects
	Narrowed ChangeKind = "narrowed" // holds on provably fewer objects
	Changed  ChangeKind = "changed"  // neither could be proved
)

// Widens reports whether a change may give more than before: a constraint
// change counts as widening unless it is provably narrower.
func (k ChangeKind) Widens() bool { return k == Granted || k == Widened || k == Changed }

// Change is one difference in a user role's rights.
type Change struct {
	Role    string
	Right   string // role, entity, create, delete, read, write, page, microflow, manages
	Subject string // entity, entity.member, page, microflow or user role
	Kind    ChangeKind
	Old     []Cond
	New     []Cond
	Message string
}

// Diff compares the overviews of two versions of an app.
func Diff(old, cur *Overview) []Change {
	var out []Change
	oldRoles := map[string]RoleOverview{}
	for _, r := range old.UserRoles {
		oldRoles[r.Name] = r
	}
	seen := map[string]bool{}
	for _, r := range cur.UserRoles {
		seen[r.Name] = true
		o, ok := oldRoles[r.Name]
		if !ok {
			out = append(out, Change{Role: r.Name, Right: "role", Subject: r.Name, Kind: Granted, Message: fmt.Sprintf("%s: is a new user role", r.Name)})
			o = RoleOverview{Name: r.Name}
		}
		out = append(out, diffRole(o, r)...)
	}
	for _, r := range old.UserRoles {
		if !seen[r.Name] {
			out = append(out, Change{Role: r.Name, Right: "role", Subject: r.Name, Kind: Removed, Message: fmt.Sprintf("%s: user role removed, with all its rights", r.Name)})
		}
	}
	return out
}

// noRoles stands for "users without roles" in the list of managed roles.
const noRoles = "(users without roles)"

func diffRole(o, n RoleOverview) []Change {
	var out []Change
	add := func(right, subject string, oc, nc []Cond) {
		k, ok := compareConds(oc, nc)
		if !ok {
			return
		}
		out = append(out, Change{Role: n.Name, Right: right, Subject: subject, Kind: k, Old: oc, New: nc, Message: sentence(n.Name, right, subject, k, oc, nc)})
	}
	set := func(right string, olds, news []string) {
		for _, x := range news {
			if !slices.Contains(olds, x) {
				out = append(out, Change{Role: n.Name, Right: right, Subject: x, Kind: Granted, Message: fmt.Sprintf("%s: may now %s", n.Name, verb(right, x))})
			}
		}
		for _, x := range olds {
			if !slices.Contains(news, x) {
				out = append(out, Change{Role: n.Name, Right: right, Subject: x, Kind: Removed, Message: fmt.Sprintf("%s: may no longer %s", n.Name, verb(right, x))})
			}
		}
	}
	oldEnt := map[string]EntityOverview{}
	for _, e := range o.Entities {
		oldEnt[e.Entity] = e
	}
	newEnt := map[string]EntityOverview{}
	for _, e := range n.Entities {
		newEnt[e.Entity] = e
	}
	names := func(es []EntityOverview) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Entity)
		}
		return out
	}
	for _, name := range union(names(o.Entities), names(n.Entities)) {
		oe, hadRules := oldEnt[name]
		ne, hasRules := newEnt[name]
		switch {
		case hasRules && !hadRules:
			out = append(out, Change{Role: n.Name, Right: "entity", Subject: name, Kind: Granted, Message: fmt.Sprintf("%s: now has access rules on %s", n.Name, name)})
		case hadRules && !hasRules:
			out = append(out, Change{Role: n.Name, Right: "entity", Subject: name, Kind: Removed, Message: fmt.Sprintf("%s: no longer has access rules on %s, so its objects are invisible to the role", n.Name, name)})
		}
		if oe.Create != ne.Create {
			k, oc, nc := Granted, []Cond(nil), []Cond{{All: true}}
			if oe.Create {
				k, oc, nc = Removed, nc, nil
			}
			out = append(out, Change{Role: n.Name, Right: "create", Subject: name, Kind: k, Old: oc, New: nc, Message: sentence(n.Name, "create", name, k, oc, nc)})
		}
		add("delete", name, oe.Delete, ne.Delete)
		om := map[string]MemberOverview{}
		for _, m := range oe.Members {
			om[m.Member] = m
		}
		nm := map[string]MemberOverview{}
		var members []string
		for _, m := range oe.Members {
			members = append(members, m.Member)
		}
		for _, m := range ne.Members {
			nm[m.Member] = m
			members = append(members, m.Member)
		}
		for _, m := range union(members, nil) {
			add("read", name+"."+m, om[m].Read, nm[m].Read)
			add("write", name+"."+m, om[m].Write, nm[m].Write)
		}
	}
	set("page", o.Pages, n.Pages)
	set("microflow", o.Microflows, n.Microflows)
	managed := func(r RoleOverview) []string {
		if r.ManagesNoRoles {
			return append(slices.Clone(r.Manages), noRoles)
		}
		return r.Manages
	}
	set("manages", managed(o), managed(n))
	return out
}

func union(a, b []string) []string {
	var out []string
	for _, x := range append(slices.Clone(a), b...) {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func verb(right, subject string) string {
	switch {
	case right == "page":
		return "open page " + subject
	case right == "microflow":
		return "call microflow " + subject
	case right == "manages" && subject == noRoles:
		return "manage users without roles"
	case right == "manages":
		return "manage users with user role " + subject
	}
	return right + " " + subject
}

// phrase says what a right allows: "read E.M of all objects", "delete E
// objects where …", "create E objects".
func phrase(right, subject string, cs []Cond) string {
	switch right {
	case "create":
		return "create " + subject + " objects"
	case "delete":
		if len(cs) == 1 && cs[0].All {
			return "delete all " + subject + " objects"
		}
		return "delete " + subject + " objects " + scope(cs)
	}
	return right + " " + subject + " " + scope(cs)
}

func sentence(role, right, subject string, k ChangeKind, oc, nc []Cond) string {
	switch k {
	case Granted:
		return fmt.Sprintf("%s: may now %s", role, phrase(right, subject, nc))
	case Removed:
		return fmt.Sprintf("%s: may no longer %s", role, phrase(right, subject, oc))
	case Widened:
		return fmt.Sprintf("%s: may now %s, more objects than before (%s)", role, phrase(right, subject, nc), scopeShort(oc))
	case Narrowed:
		return fmt.Sprintf("%s: may now only %s, fewer objects than before (%s)", role, phrase(right, subject, nc), scopeShort(oc))
	}
	return fmt.Sprintf("%s: may now %s, changed from %s; whether that is more or fewer objects cannot be decided", role, phrase(right, subject, nc), scopeShort(oc))
}

func scope(cs []Cond) string {
	if len(cs) == 1 && cs[0].All {
		return "of all objects"
	}
	return "where " + describeAll(cs)
}

func scopeShort(cs []Cond) string {
	if len(cs) == 1 && cs[0].All {
		return "all objects"
	}
	return "where " + describeAll(cs)
}

// conjuncts splits a condition into its top-level conjuncts, each in
// canonical form. A condition implies another when it has every conjunct
// of the other: adding a conjunct narrows.
func conjuncts(c Cond) []string {
	if c.All {
		return nil
	}
	if c.XPath == "" {
		return []string{"builtin:" + c.Name}
	}
	parsed, err := xpath.Parse(c.XPath)
	if err != nil {
		return []string{"text:" + c.XPath}
	}
	var out []string
	for _, br := range parsed.Brackets {
		if and, ok := br.(*xpath.And); ok {
			for _, t := range and.Terms {
				out = append(out, xpath.Format(t))
			}
			continue
		}
		out = append(out, xpath.Format(br))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// implies: every object a selects, b selects too (b's conjuncts ⊆ a's).
func implies(a, b Cond) bool {
	ca := conjuncts(a)
	for _, x := range conjuncts(b) {
		if !slices.Contains(ca, x) {
			return false
		}
	}
	return true
}

// compareConds classifies the change from old to cur conditions (an OR of
// conditions each); ok is false when they are the same.
func compareConds(old, cur []Cond) (ChangeKind, bool) {
	covered := func(xs, by []Cond) bool {
		for _, x := range xs {
			if !slices.ContainsFunc(by, func(y Cond) bool { return implies(x, y) }) {
				return false
			}
		}
		return true
	}
	narrower := covered(cur, old)
	wider := covered(old, cur)
	switch {
	case len(old) == 0 && len(cur) == 0, narrower && wider:
		return "", false
	case len(old) == 0:
		return Granted, true
	case len(cur) == 0:
		return Removed, true
	case narrower:
		return Narrowed, true
	case wider:
		return Widened, true
	}
	return Changed, true
}

// WriteDiffText prints the changes grouped by user role.
func WriteDiffText(w io.Writer, cs []Change) error {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%s\n", c.Message)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDiffJSON prints {"userRoles": [{"name", "changes": [...]}]}, listing
// only the roles whose rights change.
func WriteDiffJSON(w io.Writer, cs []Change) error {
	type jc struct {
		Right   string     `json:"right"`
		Subject string     `json:"subject"`
		Change  ChangeKind `json:"change"`
		Widens  bool       `json:"widens"`
		Old     condList   `json:"old"`
		New     condList   `json:"new"`
		Message string     `json:"message"`
	}
	type jr struct {
		Name    string `json:"name"`
		Changes []jc   `json:"changes"`
	}
	out := struct {
		UserRoles []*jr `json:"userRoles"`
	}{UserRoles: []*jr{}}
	byRole := map[string]*jr{}
	for _, c := range cs {
		r := byRole[c.Role]
		if r == nil {
			r = &jr{Name: c.Role}
			byRole[c.Role] = r
			out.UserRoles = append(out.UserRoles, r)
		}
		r.Changes = append(r.Changes, jc{c.Right, c.Subject, c.Kind, c.Kind.Widens(), conds2JSON(c.Old), conds2JSON(c.New), c.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
