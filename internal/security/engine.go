// Package security is the entity access engine: every read and write of
// objects goes through it, and it enforces security.md's rules inside the
// database query. Rule sets are compiled once per combination of module
// roles and kept, so that deciding a member right costs a bit test.
package security

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// Caller is who makes a request. The zero Caller is nobody: it sees
// nothing and may do nothing.
type Caller struct {
	userID    int64
	userRoles []*model.UserRole
	anonymous bool
	system    bool
	anyUser   bool
}

// Holder is any signed-in user with the given user roles: the caller the
// analyses reason about. It must not be used to read or write data.
func Holder(roles ...*model.UserRole) Caller {
	return Caller{userRoles: roles, anyUser: true}
}

// User is a caller signed in as user id with the given user roles (the
// current ones: a session stores only the user).
func User(id int64, roles []*model.UserRole, anonymous bool) Caller {
	return Caller{userID: id, userRoles: roles, anonymous: anonymous}
}

// System is the caller for Rampart's own work (start-up, user set-up). It
// passes every check and is never derived from a request.
func System() Caller { return Caller{system: true} }

// UserID is the caller's user id, 0 for none.
func (c Caller) UserID() int64 { return c.userID }

// Engine enforces entity access for one app and store.
type Engine struct {
	app   *model.App
	st    *store.Store
	level model.Level
	now   func() time.Time

	hooks Hooks

	mu       sync.Mutex
	sets     map[string]*roleSet
	roleIDs  map[string]int64 // System.UserRole object per user role
	typeName map[*model.Entity][]string
}

// New makes an engine. Call SyncUserRoles before serving requests.
func New(app *model.App, st *store.Store) *Engine {
	return &Engine{app: app, st: st, level: app.Security.Level, now: time.Now, sets: map[string]*roleSet{}, typeName: map[*model.Entity][]string{}}
}

// SetClock replaces the clock (tests).
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// App is the engine's model.
func (e *Engine) App() *model.App { return e.app }

// Store is the engine's store.
func (e *Engine) Store() *store.Store { return e.st }

// SyncUserRoles keeps one System.UserRole object per user role of the
// model: missing ones are created, descriptions updated, and roles the
// model no longer has are deleted (users lose them).
func (e *Engine) SyncUserRoles(ctx context.Context) error {
	ur := e.app.Entity(model.SystemUserRole)
	ids := map[string]int64{}
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		existing, err := e.st.Select(ctx, tx, e.st.Map.Table(ur), "t0", store.Where{}, "", 0, 0)
		if err != nil {
			return err
		}
		byName := map[string]*store.Object{}
		for _, o := range existing {
			name, _ := o.Values["Name"].(string)
			byName[name] = o
		}
		for _, r := range e.app.Security.UserRoles {
			var desc any
			if r.Description != "" {
				desc = r.Description
			}
			if o := byName[r.Name]; o != nil {
				ids[r.Name] = o.ID
				delete(byName, r.Name)
				if o.Values["Description"] != desc {
					if _, err := e.st.Update(ctx, tx, o, map[string]any{"Description": desc}); err != nil {
						return err
					}
				}
				continue
			}
			o, err := e.st.Insert(ctx, tx, ur, map[string]any{"Name": r.Name, "Description": desc})
			if err != nil {
				return err
			}
			ids[r.Name] = o.ID
		}
		for _, o := range byName {
			plan, err := e.st.DeletePlan(ctx, tx, o)
			if err != nil {
				return err
			}
			if err := e.st.Delete(ctx, tx, plan); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("keeping user roles in step: %w", err)
	}
	e.mu.Lock()
	e.roleIDs = ids
	e.sets = map[string]*roleSet{}
	e.mu.Unlock()
	return nil
}

// RoleID is the id of the System.UserRole object of a user role (0 if none).
func (e *Engine) RoleID(name string) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.roleIDs[name]
}

// env is the token environment of one request.
func (e *Engine) env(c Caller) *xpath.Env {
	uid := c.userID
	if e.level == model.LevelOff {
		uid = 0
	}
	return &xpath.Env{Now: e.now(), Location: e.app.TimeZone, CurrentUser: uid, UserRole: e.RoleID}
}

// set returns the compiled rule set of the caller's roles. It is compiled
// on first use and kept until the user roles are synchronized again.
func (e *Engine) set(c Caller) *roleSet {
	var key string
	switch {
	case c.system:
		// A key no user-role name can be: names are identifiers.
		key = "<system>"
	case c.userID == 0 && !c.anyUser && e.level != model.LevelOff:
		// Nobody: no rules at all, whatever the level skips (prototype
		// opens module data to signed-in users only).
		key = "<nobody>"
	case len(c.userRoles) == 0:
	case len(c.userRoles) == 1:
		key = c.userRoles[0].Name
	default:
		names := make([]string, len(c.userRoles))
		for i, r := range c.userRoles {
			names[i] = r.Name
		}
		slices.Sort(names)
		key = strings.Join(names, ",")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if rs := e.sets[key]; rs != nil {
		return rs
	}
	rs := e.compile(c.userRoles)
	if c.system {
		// The system passes every check: every object is visible and
		// every member readable (but never-readable ones) and writable.
		for _, er := range rs.entities {
			er.open = true
		}
	}
	if key == "<nobody>" {
		for _, er := range rs.entities {
			er.rules, er.create = nil, false
			er.newRead, er.newWrite = newBits(len(er.members)), newBits(len(er.members))
		}
	}
	e.sets[key] = rs
	return rs
}

// CanOpen reports whether the caller may open page p and call its
// operations.
func (e *Engine) CanOpen(c Caller, p *model.Page) bool {
	if e.level == model.LevelOff || c.system {
		return true
	}
	return e.set(c).pages[p]
}

// MaxRight is the best right the caller's rules give on a member of x on
// any object (constraints not considered): what reports and pages use.
func (e *Engine) MaxRight(c Caller, x *model.Entity, member string) model.Access {
	er := e.set(c).entities[x]
	if er == nil {
		return model.None
	}
	i, ok := er.index[member]
	switch {
	case !ok:
		return model.None
	case er.open || c.system:
		if neverReadable(er.members[i]) {
			return model.None
		}
		if neverWritable(er.members[i]) {
			return model.ReadOnly
		}
		return model.ReadWrite
	case er.newWrite.has(i):
		return model.ReadWrite
	case er.newRead.has(i):
		return model.ReadOnly
	}
	return model.None
}

// typeNames lists e and its specializations: the `_type` values of e.
func (e *Engine) typeNames(x *model.Entity) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n, ok := e.typeName[x]; ok {
		return n
	}
	n := schema.TypeNames(x)
	e.typeName[x] = n
	return n
}
