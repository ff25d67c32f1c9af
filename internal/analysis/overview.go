// Package analysis holds the governance analyses of a model: the security
// overview, explain, lint findings and the diff of two models. They read
// the security engine's compiled rule sets, the same ones that enforce
// access at run time.
package analysis

import (
	"slices"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// Cond is one condition under which a right holds: every object (All), or
// the objects a rule's constraint selects.
type Cond struct {
	All     bool
	Rule    string // caption, or "" when the rule has none
	Name    string // caption or "rule N of Entity"
	XPath   string
	Builtin bool
}

// MemberOverview is a member's combined read and write rights.
type MemberOverview struct {
	Member      string
	Read, Write []Cond
}

// EntityOverview is a role's rights on one entity.
type EntityOverview struct {
	Entity  string
	Create  bool
	Delete  []Cond
	Members []MemberOverview
}

// RoleOverview is the security matrix of one user role.
type RoleOverview struct {
	Name        string
	ModuleRoles []string
	// Manages lists the user roles whose users this role manages (and may
	// grant); ManagesNoRoles adds users without roles.
	Manages        []string
	ManagesNoRoles bool
	Anonymous      bool
	Entities       []EntityOverview
	Pages          []string
	Microflows     []string
}

// Overview is the security matrix of an app.
type Overview struct {
	App       string
	Level     model.Level
	UserRoles []RoleOverview
}

// conds turns grants into conditions: a grant without constraint makes the
// right hold for all objects, which subsumes the others.
func conds(gs []security.Grant) []Cond {
	out := []Cond{}
	for _, g := range gs {
		if g.All {
			return []Cond{{All: true}}
		}
	}
	for _, g := range gs {
		out = append(out, Cond{Rule: g.Caption, Name: g.Name, XPath: g.XPath, Builtin: g.Builtin})
	}
	return out
}

// BuildOverview computes the overview; role limits it to one user role
// ("" for all).
func BuildOverview(app *model.App, eng *security.Engine, role string) *Overview {
	ov := &Overview{App: app.Name, Level: app.Security.Level}
	roles := app.Security.UserRoles
	// The anonymous role first: what guests can do is what matters most.
	if an := app.Security.Anonymous; an.Enabled && an.Role != nil {
		i := slices.Index(roles, an.Role)
		roles = append([]*model.UserRole{an.Role}, slices.Delete(slices.Clone(roles), i, i+1)...)
	}
	for _, ur := range roles {
		if role != "" && ur.Name != role {
			continue
		}
		ov.UserRoles = append(ov.UserRoles, buildRole(app, eng, ur))
	}
	return ov
}

func buildRole(app *model.App, eng *security.Engine, ur *model.UserRole) RoleOverview {
	ro := RoleOverview{Name: ur.Name, ModuleRoles: []string{}, Manages: []string{}, Entities: []EntityOverview{}, Pages: []string{}, Microflows: []string{}}
	an := app.Security.Anonymous
	ro.Anonymous = an.Enabled && an.Role == ur
	for _, m := range ur.ModuleRoles {
		ro.ModuleRoles = append(ro.ModuleRoles, m.QualifiedName())
	}
	// Anonymous users are never managed, whether or not they are enabled
	// (the engine leaves the anonymous role out of what may be granted).
	for _, r := range ur.ManageableRoles {
		if an.Role != r {
			ro.Manages = append(ro.Manages, r.Name)
		}
	}
	ro.ManagesNoRoles = ur.ManageUsersWithoutRoles
	if app.Security.Level == model.LevelOff {
		// At level off user management is open: every non-anonymous
		// user is managed (security.md).
		ro.Manages, ro.ManagesNoRoles = []string{}, true
		for _, r := range app.Security.UserRoles {
			if an.Role != r {
				ro.Manages = append(ro.Manages, r.Name)
			}
		}
	}
	caller := security.Holder(ur)
	for _, x := range app.Entities() {
		rights := eng.Rights([]*model.UserRole{ur}, x)
		if len(rights.Rules) == 0 {
			continue
		}
		eo := EntityOverview{Entity: x.QualifiedName(), Create: len(rights.Create) > 0, Delete: conds(rights.Delete), Members: []MemberOverview{}}
		for _, mr := range rights.Members {
			eo.Members = append(eo.Members, MemberOverview{Member: mr.Member.Name, Read: conds(mr.Read), Write: conds(mr.Write)})
		}
		ro.Entities = append(ro.Entities, eo)
	}
	for _, p := range app.Pages() {
		if eng.CanOpen(caller, p) {
			ro.Pages = append(ro.Pages, p.QualifiedName())
		}
	}
	// At security level off every microflow is open, as every page is.
	roles := model.RoleSet(ur)
	for _, m := range app.Modules {
		for _, mf := range m.Microflows {
			if app.Security.Level == model.LevelOff || slices.ContainsFunc(mf.AllowedRoles, func(r *model.ModuleRole) bool { return roles[r] }) {
				ro.Microflows = append(ro.Microflows, mf.QualifiedName())
			}
		}
	}
	return ro
}
