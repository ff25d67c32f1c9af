package security

import (
	"context"
	"slices"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

// User management (security.md, "System entities"): a caller manages a
// user when every user role of that user is one the caller may grant (a
// user without roles only with manageUsersWithoutRoles); anonymous users
// are never managed. At security level off every non-anonymous user is
// managed and every role may be granted.

// Managed is a user as the users API shows it.
type Managed struct {
	ID      int64
	Name    string
	Roles   []*model.UserRole // in app.yaml order
	Active  bool
	Blocked bool
}

// Grantable reports whether the caller may grant user role r.
func (e *Engine) Grantable(c Caller, r *model.UserRole) bool {
	if c.system || e.level == model.LevelOff {
		return r != e.app.Security.Anonymous.Role || !e.app.Security.Anonymous.Enabled
	}
	return e.set(c).grantable[r]
}

// managedWhere is the SQL condition "the caller manages the user at alias".
func (e *Engine) managedWhere(c Caller, alias string) *xpath.Frag {
	if c.system || e.level == model.LevelOff {
		anon := e.st.Map.AttrColumn(e.app.Entity(model.SystemUser).Member("IsAnonymous", nil).Attribute)
		return xpath.NewFrag(alias+"."+schema.Quote(anon.Name)+" = ", xpath.Arg{Value: e.st.Dialect.BoolArg(false)})
	}
	rs := e.set(c)
	if len(rs.grantIDs) == 0 && !rs.manageNoRoles {
		return xpath.ConstFrag(false, e.st.Dialect)
	}
	return rs.managedCondition(alias)
}

// ListManaged lists the users the caller manages, by case-folded name.
func (e *Engine) ListManaged(ctx context.Context, c Caller) ([]*Managed, error) {
	var out []*Managed
	err := e.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = e.managed(ctx, tx, c, nil)
		return err
	})
	return out, err
}

// GetManaged returns one managed user, or ErrNotFound.
func (e *Engine) GetManaged(ctx context.Context, tx *store.Tx, c Caller, id int64) (*Managed, error) {
	us, err := e.managed(ctx, tx, c, &id)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, ErrNotFound
	}
	return us[0], nil
}

func (e *Engine) managed(ctx context.Context, tx *store.Tx, c Caller, id *int64) ([]*Managed, error) {
	user := e.app.Entity(model.SystemUser)
	t := e.st.Map.Table(user)
	where := e.managedWhere(c, "t0")
	if id != nil {
		where = e.andFrags(xpath.NewFrag("t0."+schema.Quote(schema.IDColumn)+" = ", xpath.Arg{Value: *id}), where)
	}
	fold := e.st.Map.FoldColumn(user.Member("Name", nil).Attribute)
	objs, err := e.selectUsers(ctx, tx, t, where, "t0."+schema.Quote(fold.Name)+", t0."+schema.Quote(schema.IDColumn))
	if err != nil {
		return nil, err
	}
	byID := map[int64]*model.UserRole{}
	for _, r := range e.app.Security.UserRoles {
		byID[e.RoleID(r.Name)] = r
	}
	out := make([]*Managed, 0, len(objs))
	for _, o := range objs {
		m := &Managed{ID: o.ID}
		m.Name, _ = o.Values["Name"].(string)
		m.Active, _ = o.Values["Active"].(bool)
		m.Blocked, _ = o.Values["Blocked"].(bool)
		ids, _ := o.Values[model.SystemUserRoles].([]int64)
		for _, r := range e.app.Security.UserRoles {
			if slices.Contains(ids, e.RoleID(r.Name)) {
				m.Roles = append(m.Roles, r)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func (e *Engine) selectUsers(ctx context.Context, tx *store.Tx, t *schema.Table, where *xpath.Frag, order string) ([]*store.Object, error) {
	sql, args, err := where.SQL(&xpath.Env{Now: e.now(), Location: e.app.TimeZone, UserRole: e.RoleID})
	if err != nil {
		return nil, err
	}
	return e.st.Select(ctx, tx, t, "t0", store.Where{SQL: sql, Args: args}, order, 0, 0)
}
