package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/xpath"
)

// RuleExplain is one rule that takes part in a right.
type RuleExplain struct {
	Name        string   `json:"rule"`
	Caption     string   `json:"caption,omitempty"`
	ModuleRoles []string `json:"moduleRoles"`
	XPath       string   `json:"xpath,omitempty"`
	// Condition describes a built-in rule's condition that has no XPath.
	Condition string   `json:"condition,omitempty"`
	SQL       string   `json:"sql,omitempty"`
	Args      []string `json:"args,omitempty"`
	Builtin   bool     `json:"builtin,omitempty"`
	// Grants lists what the rule gives, for the "why not" answers.
	Grants []string `json:"grants"`
}

// RightExplain is one right and the rules that grant it.
type RightExplain struct {
	Right  string        `json:"right"` // create, delete, read M, write M
	Member string        `json:"member,omitempty"`
	Rules  []RuleExplain `json:"rules"`
	All    bool          `json:"allObjects"`
	// Reason says why no rule can grant the right, when that does not
	// depend on the rules (a password is never read, users are not created
	// through the object API).
	Reason string `json:"reason,omitempty"`
}

// Explanation answers "why may role R do this with entity E".
type Explanation struct {
	Role   string         `json:"role"`
	Entity string         `json:"entity"`
	Rights []RightExplain `json:"rights"`
	// Rules is every rule of the role on the entity, for rights none grants.
	Rules []RuleExplain `json:"rules"`
}

// Explain says which rules give role each right on entity x (only member
// when given).
func Explain(app *model.App, eng *security.Engine, role *model.UserRole, x *model.Entity, member string) (*Explanation, error) {
	if member != "" && x.Member(member, nil) == nil {
		return nil, fmt.Errorf("entity %s has no member %s", x.QualifiedName(), member)
	}
	rights := eng.Rights([]*model.UserRole{role}, x)
	m := schema.New(app)
	roles := model.RoleSet(role)
	ex := &Explanation{Role: role.Name, Entity: x.QualifiedName(), Rights: []RightExplain{}, Rules: []RuleExplain{}}
	describe := func(g security.Grant) RuleExplain {
		re := RuleExplain{Name: g.Name, Caption: g.Caption, XPath: g.XPath, Builtin: g.Builtin, ModuleRoles: []string{}, Grants: []string{}}
		if g.Builtin && g.XPath == "" && !g.All {
			re.Condition = builtinCondition(app, role, g.Name)
		}
		if g.Source != nil {
			for _, r := range g.Source.Roles {
				if roles[r] {
					re.ModuleRoles = append(re.ModuleRoles, r.QualifiedName())
				}
			}
			if g.XPath != "" && x.Persistable {
				if b, err := xpath.ParseAndBind(app, x, g.XPath); err == nil {
					c := &xpath.Compiler{Map: m, Dialect: schema.SQLite, TimeZone: app.TimeZoneID}
					if f, err := c.Where(b, "t0"); err == nil {
						re.SQL, re.Args = f.Display()
					}
				}
			}
		}
		return re
	}
	// byRule indexes ex.Rules (not pointers: appending may move the
	// slice). Two rules may share a caption, so model rules are told apart
	// by identity and only built-in ones by name.
	type ruleKey struct {
		source *model.AccessRule
		name   string
	}
	keyOf := func(g security.Grant) ruleKey {
		if g.Source != nil {
			return ruleKey{source: g.Source}
		}
		return ruleKey{name: g.Name}
	}
	byRule := map[ruleKey]int{}
	for _, g := range rights.Rules {
		byRule[keyOf(g)] = len(ex.Rules)
		ex.Rules = append(ex.Rules, describe(g))
	}
	add := func(right, mem string, gs []security.Grant) {
		rx := RightExplain{Right: right, Member: mem, Rules: []RuleExplain{}}
		if len(gs) == 0 {
			rx.Reason = never(app, x, right, mem)
		}
		for _, g := range gs {
			rx.Rules = append(rx.Rules, describe(g))
			// Constraints do not limit creating (security.md, canCreate).
			rx.All = rx.All || g.All || right == "create"
			if i, ok := byRule[keyOf(g)]; ok {
				ex.Rules[i].Grants = append(ex.Rules[i].Grants, strings.TrimSpace(right+" "+mem))
			}
		}
		ex.Rights = append(ex.Rights, rx)
	}
	if member == "" {
		add("create", "", rights.Create)
		add("delete", "", rights.Delete)
	}
	for _, mr := range rights.Members {
		if member != "" && mr.Member.Name != member {
			continue
		}
		add("read", mr.Member.Name, mr.Read)
		add("write", mr.Member.Name, mr.Write)
	}
	if member != "" {
		// Say what each rule grants, so that "why not" has an answer.
		for _, mr := range rights.Members {
			if mr.Member.Name == member {
				continue
			}
			for _, kind := range []struct {
				name string
				gs   []security.Grant
			}{{"read", mr.Read}, {"write", mr.Write}} {
				for _, g := range kind.gs {
					if i, ok := byRule[keyOf(g)]; ok {
						ex.Rules[i].Grants = append(ex.Rules[i].Grants, kind.name+" "+mr.Member.Name)
					}
				}
			}
		}
	}
	return ex, nil
}

// WriteJSON prints the explanation.
func (ex *Explanation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ex)
}

// WriteText prints the explanation for people.
func (ex *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "User role %s on %s\n", ex.Role, ex.Entity)
	for _, r := range ex.Rights {
		title := r.Right
		if r.Member != "" {
			title += " " + r.Member
		}
		if len(r.Rules) == 0 {
			if r.Reason != "" {
				fmt.Fprintf(&b, "\n%s: no rule grants it (%s)\n", title, r.Reason)
			} else {
				fmt.Fprintf(&b, "\n%s: no rule grants it\n", title)
			}
			continue
		}
		scope := "under the constraints below"
		switch {
		case r.Right == "create":
			scope = "(constraints do not limit creating)"
		case r.All:
			scope = "on all objects"
		}
		fmt.Fprintf(&b, "\n%s: granted %s by\n", title, scope)
		for _, re := range r.Rules {
			writeRule(&b, re, "  ")
		}
	}
	var none bool
	for _, r := range ex.Rights {
		none = none || len(r.Rules) == 0 && r.Reason == ""
	}
	if none {
		if len(ex.Rules) == 0 {
			fmt.Fprintf(&b, "\nThe role has no rules on %s: its objects are invisible to it.\n", ex.Entity)
		} else {
			fmt.Fprintf(&b, "\nThe role's rules on %s and what each grants:\n", ex.Entity)
			for _, re := range ex.Rules {
				writeRule(&b, re, "  ")
				fmt.Fprintf(&b, "    grants: %s\n", list(re.Grants))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRule(b *strings.Builder, re RuleExplain, indent string) {
	name := re.Name
	if re.Caption != "" {
		name = fmt.Sprintf("%q", re.Caption)
	}
	fmt.Fprintf(b, "%s- %s", indent, name)
	if len(re.ModuleRoles) > 0 {
		fmt.Fprintf(b, " (module role %s)", strings.Join(re.ModuleRoles, ", "))
	}
	b.WriteString("\n")
	if re.XPath != "" {
		fmt.Fprintf(b, "%s    constraint: %s\n", indent, re.XPath)
	} else if re.Condition != "" {
		fmt.Fprintf(b, "%s    condition:  %s\n", indent, re.Condition)
	} else if !re.Builtin {
		fmt.Fprintf(b, "%s    constraint: none (all objects)\n", indent)
	}
	if re.SQL != "" {
		fmt.Fprintf(b, "%s    SQLite:     %s\n", indent, re.SQL)
		if len(re.Args) > 0 {
			fmt.Fprintf(b, "%s    arguments:  %s\n", indent, strings.Join(re.Args, ", "))
		}
	}
}

// builtinCondition describes the condition of a built-in rule that has no
// XPath: the users a role manages (security.md, "User management").
func builtinCondition(app *model.App, role *model.UserRole, name string) string {
	if !strings.HasPrefix(name, "managed users") {
		return ""
	}
	var roles []string
	for _, r := range role.ManageableRoles {
		if r != app.Security.Anonymous.Role {
			roles = append(roles, r.Name)
		}
	}
	var parts []string
	if len(roles) > 0 {
		parts = append(parts, "users whose user roles are all among "+strings.Join(roles, ", "))
	}
	if role.ManageUsersWithoutRoles {
		parts = append(parts, "users without roles")
	}
	return strings.Join(parts, ", and ") + " (never anonymous users)"
}

// never says why no access rule can give a right, or "" when rules could.
// It follows security.md: HashString and Binary values, FailedLogins and
// BlockedSince are never read; system members, AutoNumber and the members
// of System.User the server keeps are never written; users are created and
// deleted through user management, not through the object API.
func never(app *model.App, x *model.Entity, right, member string) string {
	user := app.Entity(model.SystemUser)
	isUser := user != nil && x.IsA(user)
	switch right {
	case "create":
		if isUser {
			return "users are created through user management, never through the object API"
		}
		return ""
	case "delete":
		if isUser {
			return "only roles that manage a user may delete it"
		}
		return ""
	}
	m := x.Member(member, nil)
	if m == nil {
		return ""
	}
	onUser := false
	if m.Attribute != nil && m.Attribute.Entity != nil {
		onUser = m.Attribute.Entity == user
	}
	switch {
	case right == "read" && m.Attribute != nil && (m.Attribute.Type == model.TypeHashString || m.Attribute.Type == model.TypeBinary):
		return "never readable: " + string(m.Attribute.Type) + " values are never sent"
	case right == "read" && onUser && (m.Name == "FailedLogins" || m.Name == "BlockedSince"):
		return "never readable: kept by the server for lockout"
	case right == "write" && !m.Writable():
		return "never writable: set by the server"
	case right == "write" && onUser && slices.Contains([]string{"FailedLogins", "BlockedSince", "LastLogin", "IsAnonymous", "WebServiceUser"}, m.Name):
		return "never writable: kept by the server"
	}
	return ""
}
