package security

import (
	"context"
	"errors"
	"math/big"
	"slices"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/store"
)

// Hooks let the identity layer take part in writes.
type Hooks struct {
	// HashSecret hashes the plain text written to a HashString member (and
	// checks the password policy for System.User's Password).
	HashSecret func(m *model.Member, userName, plain string) (string, error)
	// UserChanged is called, inside the write, when someone changes another
	// user's roles or password, or deactivates or blocks them: their
	// sessions must end.
	UserChanged func(ctx context.Context, tx *store.Tx, userID int64) error
}

// SetHooks installs the identity hooks.
func (e *Engine) SetHooks(h Hooks) { e.hooks = h }

// SameValue reports whether a given value equals the stored one: such a
// member is not written (security.md).
func SameValue(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case *big.Rat:
		br, ok := b.(*big.Rat)
		return ok && a.Cmp(br) == 0
	case []int64:
		bs, ok := b.([]int64)
		return ok && slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(bs)))
	}
	return a == b
}

// emptyLink is the empty value of association m in the form of v: no
// reference (0, or nil when v is nil) or an empty reference set.
func emptyLink(m *model.Member, v any) any {
	switch {
	case v == nil:
		return nil
	case m.Association.Type == model.ReferenceSet:
		return []int64{}
	}
	return int64(0)
}

// member resolves a member name given by a client on entity x.
func (rq *request) member(x *model.Entity, name string) (int, *model.Member, error) {
	er := rq.rs.entities[x]
	i, ok := er.index[name]
	if !ok {
		return 0, nil, badRequest("entity %s has no member %s", x.QualifiedName(), name)
	}
	return i, er.members[i], nil
}

// Create stores a new object of x with the given values.
func (e *Engine) Create(ctx context.Context, c Caller, x *model.Entity, vals map[string]any) (*Result, error) {
	if err := e.entityFor(x); err != nil {
		return nil, err
	}
	if x.IsA(e.app.Entity(model.SystemUser)) && !c.system {
		return nil, forbidden("users are created through /api/v1/users, not the object API")
	}
	rq := e.request(ctx, c)
	er := rq.rs.entities[x]
	if !er.create && !er.open && !c.system {
		return nil, forbidden("no create access to entity %s", x.QualifiedName())
	}
	var res *Result
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		defaults, err := e.st.Defaults(x)
		if err != nil {
			return err
		}
		write := map[string]any{}
		for name, v := range vals {
			i, m, err := rq.member(x, name)
			if err != nil {
				return err
			}
			if m.Attribute == nil && !c.system {
				if err := rq.checkTargets(tx, m, nil, v); err != nil {
					return err
				}
			}
			// The value a new object has anyway is not a write: the
			// default of an attribute, no object for an association.
			def := defaults[name]
			if m.Association != nil {
				def = emptyLink(m, v)
			}
			if !c.system && !SameValue(v, def) {
				if err := rq.mayWrite(er, i, m, x); err != nil {
					return err
				}
			}
			if m.Attribute != nil && m.Attribute.Type == model.TypeHashString && v != nil {
				if v, err = e.hash(m, vals, v); err != nil {
					return err
				}
			}
			write[name] = v
		}
		rq.stamp(x, write, true)
		obj, err := e.st.Insert(ctx, tx, x, write)
		if err != nil {
			return err
		}
		res, err = rq.reread(tx, x, obj.ID)
		return err
	})
	return res, err
}

// mayWrite checks the right to write member i of an object.
func (rq *request) mayWrite(er *entityRules, i int, m *model.Member, x *model.Entity) error {
	if neverWritable(m) {
		return forbidden("member %s of %s is set by the server only", m.Name, x.QualifiedName())
	}
	if !er.open && !er.newWrite.has(i) {
		return forbidden("no write access to member %s of %s", m.Name, x.QualifiedName())
	}
	return nil
}

// stamp sets the system members the server maintains.
func (rq *request) stamp(x *model.Entity, vals map[string]any, create bool) {
	now := rq.env.Now.UnixMilli()
	uid := rq.caller.userID
	if rq.e.level == model.LevelOff {
		uid = 0
	}
	for _, m := range x.Members() {
		switch {
		case m.Name == model.MemberChangedDate && m.System:
			vals[m.Name] = now
		case m.Name == model.MemberCreatedDate && m.System && create:
			vals[m.Name] = now
		case m.Name == model.SystemChangedBy && uid != 0:
			vals[m.Name] = uid
		case m.Name == model.SystemOwner && create && uid != 0:
			vals[m.Name] = uid
		}
	}
}

// checkTargets requires every object a written association names to be
// visible to the caller; cur is the current value (for updates).
func (rq *request) checkTargets(tx *store.Tx, m *model.Member, cur, v any) error {
	var ids []int64
	switch v := v.(type) {
	case int64:
		if v != 0 {
			ids = []int64{v}
		}
	case []int64:
		ids = v
	case nil:
	default:
		return badRequest("member %s takes object ids", m.Name)
	}
	if len(ids) == 0 {
		return nil
	}
	vis, err := rq.visibleIDs(tx, m.Association.To, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !vis[id] {
			return forbidden("member %s may refer only to objects you can see", m.Name)
		}
	}
	return nil
}

func (e *Engine) hash(m *model.Member, vals map[string]any, v any) (any, error) {
	plain, ok := v.(string)
	if !ok {
		return nil, badRequest("member %s takes a string", m.Name)
	}
	if e.hooks.HashSecret == nil {
		return nil, errors.New("no password hasher is configured")
	}
	name, _ := vals["Name"].(string)
	return e.hooks.HashSecret(m, name, plain)
}

// reread judges the stored object afresh; an object the caller can no
// longer see is returned as its id and entity only.
func (rq *request) reread(tx *store.Tx, x *model.Entity, id int64) (*Result, error) {
	r, err := rq.getRow(tx, x, id)
	if errors.Is(err, ErrNotFound) {
		obj, gerr := rq.e.st.Get(rq.ctx, tx, x, id)
		if gerr != nil {
			return nil, gerr
		}
		return &Result{ID: id, Entity: obj.Entity}, nil
	}
	if err != nil {
		return nil, err
	}
	return rq.results([]*row{r})[0], nil
}

// Update changes the given members of object id (declared as x).
func (e *Engine) Update(ctx context.Context, c Caller, x *model.Entity, id int64, vals map[string]any) (*Result, error) {
	if err := e.entityFor(x); err != nil {
		return nil, err
	}
	rq := e.request(ctx, c)
	user := e.app.Entity(model.SystemUser)
	var res *Result
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		r, err := rq.getRow(tx, x, id)
		if err != nil {
			return err
		}
		obj := r.object()
		own := obj.Entity
		er := rq.rs.entities[own]
		write := map[string]any{}
		userChanged := false
		for name, v := range vals {
			i, m, err := rq.member(own, name)
			if err != nil {
				return err
			}
			cur := obj.Values[name]
			if m.Association != nil {
				if !c.system {
					// Every id given must name an object the caller can
					// see, also one that is already linked: otherwise the
					// answer would tell whether it is.
					if err := rq.checkTargets(tx, m, nil, v); err != nil {
						return err
					}
				}
				if v, err = rq.visiblePart(tx, m, cur, v); err != nil {
					return err
				}
			}
			// A member given with its current value is not a write; that
			// shortcut holds only for members the caller can read, or
			// whether it was taken would reveal the value.
			readable := c.system || er.open || r.read.has(i)
			if readable && SameValue(v, cur) && (m.Attribute == nil || m.Attribute.Type != model.TypeHashString) {
				continue
			}
			if !c.system {
				if neverWritable(m) {
					return forbidden("member %s of %s is set by the server only", m.Name, own.QualifiedName())
				}
				if !er.open && !r.write.has(i) {
					return forbidden("no write access to member %s of %s", m.Name, own.QualifiedName())
				}
				if m.Association != nil {
					if err := rq.checkChange(tx, m, cur, v); err != nil {
						return err
					}
				}
				if own.IsA(user) {
					if err := rq.checkUserWrite(obj, m, v); err != nil {
						return err
					}
				}
			}
			if m.Attribute != nil && m.Attribute.Type == model.TypeHashString && v != nil {
				merged := map[string]any{"Name": obj.Values["Name"]}
				if v, err = e.hash(m, merged, v); err != nil {
					return err
				}
			}
			if own.IsA(user) && obj.ID != c.userID && isSessionEnding(m, v) {
				userChanged = true
			}
			write[name] = v
		}
		if len(write) > 0 {
			rq.stamp(own, write, false)
			if _, err := e.st.Update(ctx, tx, obj, write); err != nil {
				return err
			}
			if userChanged && e.hooks.UserChanged != nil {
				if err := e.hooks.UserChanged(ctx, tx, obj.ID); err != nil {
					return err
				}
			}
		}
		res, err = rq.reread(tx, x, obj.ID)
		return err
	})
	return res, err
}

// isSessionEnding: a change of roles or password, deactivating or blocking.
func isSessionEnding(m *model.Member, v any) bool {
	switch m.Name {
	case model.SystemUserRoles, "Password":
		return true
	case "Active":
		return v == false
	case "Blocked":
		return v == true
	}
	return false
}

// visiblePart completes a written reference set with the links the caller
// cannot see, which a write keeps (security.md).
func (rq *request) visiblePart(tx *store.Tx, m *model.Member, cur, v any) (any, error) {
	curIDs, isSet := cur.([]int64)
	ids, ok := v.([]int64)
	if !isSet || !ok {
		return v, nil
	}
	vis, err := rq.visibleIDs(tx, m.Association.To, curIDs)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(ids)
	for _, id := range curIDs {
		if !vis[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// checkChange checks a changed association: new targets must be visible,
// and a Reference whose current target is invisible cannot be changed.
func (rq *request) checkChange(tx *store.Tx, m *model.Member, cur, v any) error {
	if ref, ok := cur.(int64); ok && ref != 0 {
		vis, err := rq.visibleIDs(tx, m.Association.To, []int64{ref})
		if err != nil {
			return err
		}
		if !vis[ref] {
			return forbidden("member %s refers to an object you cannot see and cannot be changed", m.Name)
		}
	}
	curIDs, _ := cur.([]int64)
	newIDs, _ := v.([]int64)
	var added []int64
	for _, id := range newIDs {
		if !slices.Contains(curIDs, id) {
			added = append(added, id)
		}
	}
	if _, isSet := cur.([]int64); isSet {
		return rq.checkTargets(tx, m, cur, added)
	}
	return rq.checkTargets(tx, m, cur, v)
}

// checkUserWrite applies the user-management rules to a write on a user.
func (rq *request) checkUserWrite(obj *store.Object, m *model.Member, v any) error {
	self := obj.ID == rq.caller.userID
	switch m.Name {
	case model.SystemUserRoles, "Active", "Blocked":
		if self {
			return forbidden("you cannot change %s of your own user", m.Name)
		}
	}
	if m.Name == model.SystemUserRoles {
		ids, _ := v.([]int64)
		for _, id := range ids {
			if !slices.Contains(rq.rs.grantIDs, id) && rq.e.level != model.LevelOff {
				return forbidden("you may not grant that user role")
			}
		}
	}
	return nil
}

// Delete deletes object id (declared as x) and, through onDelete cascade,
// the objects that refer to it; the caller must be allowed to delete every
// one of them, or nothing is deleted.
func (e *Engine) Delete(ctx context.Context, c Caller, x *model.Entity, id int64) error {
	if err := e.entityFor(x); err != nil {
		return err
	}
	rq := e.request(ctx, c)
	return e.st.Write(ctx, func(tx *store.Tx) error {
		r, err := rq.getRow(tx, x, id)
		if err != nil {
			return err
		}
		if r.er.entity.IsA(e.app.Entity(model.SystemUser)) && !c.system {
			return forbidden("users are deleted through /api/v1/users, not the object API")
		}
		if !r.del && !c.system {
			return forbidden("no delete access to entity %s", r.er.entity.QualifiedName())
		}
		plan, err := e.st.DeletePlan(ctx, tx, r.object())
		var conflict *store.ConflictError
		if err != nil && (!errors.As(err, &conflict) || plan == nil) {
			return err
		}
		// Rights (403) answer before onDelete: prevent (409).
		if !c.system {
			for _, o := range plan[1:] {
				// Users are never deleted through the object API, also
				// not by a cascade (security.md, "System entities").
				if o.Entity.IsA(e.app.Entity(model.SystemUser)) {
					return forbidden("deleting this object also deletes users (onDelete cascade); users are deleted through /api/v1/users, not the object API")
				}
				or, err := rq.getRow(tx, o.Entity, o.ID)
				if errors.Is(err, ErrNotFound) || err == nil && !or.del {
					return forbidden("deleting this object also deletes objects (onDelete cascade) you may not delete")
				}
				if err != nil {
					return err
				}
			}
		}
		if conflict != nil {
			return conflict
		}
		return e.st.Delete(ctx, tx, plan)
	})
}
