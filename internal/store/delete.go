package store

import (
	"context"
	"fmt"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
)

// incoming lists the associations that can point at objects of entity e:
// those whose to side is e or a generalization of e. The model does not
// change while the store is open, so each entity's list is computed once.
func (s *Store) incoming(e *model.Entity) []*model.Association {
	if v, ok := s.incomingCache.Load(e); ok {
		return v.([]*model.Association)
	}
	var out []*model.Association
	for _, x := range s.App.Entities() {
		for _, m := range x.Members() {
			if m.Association != nil && !m.Inherited && m.Association.From == x && e.IsA(m.Association.To) {
				out = append(out, m.Association)
			}
		}
	}
	s.incomingCache.Store(e, out)
	return out
}

// referrers lists the ids of objects whose association a points at id.
func (s *Store) referrers(ctx context.Context, tx *Tx, a *model.Association, id int64) ([]int64, error) {
	var q string
	if a.Type == model.Reference {
		col := s.Map.RefColumn(a)
		t := s.Map.Table(a.From)
		if col == nil || t == nil {
			return nil, nil
		}
		q = `SELECT ` + schema.Quote(schema.IDColumn) + ` FROM ` + schema.Quote(t.Name) + ` WHERE ` + schema.Quote(col.Name) + ` = ? ORDER BY 1`
	} else {
		j := s.Map.Join(a)
		if j == nil {
			return nil, nil
		}
		q = `SELECT ` + schema.Quote(schema.FromColumn) + ` FROM ` + schema.Quote(j.Name) + ` WHERE ` + schema.Quote(schema.ToColumn) + ` = ? ORDER BY 1`
	}
	rows, err := tx.Query(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			return nil, err
		}
		ids = append(ids, x)
	}
	return ids, rows.Err()
}

// DeletePlan lists the objects that deleting obj deletes: obj and, through
// onDelete cascade, the objects referring to it, recursively. It fails
// with a ConflictError when an onDelete prevent association still refers
// to one of them; the plan is then returned too, so that a caller can
// judge the rights on it first. Users are special: references to a user are always
// cleared, whatever onDelete says.
func (s *Store) DeletePlan(ctx context.Context, tx *Tx, obj *Object) ([]*Object, error) {
	user := s.App.Entity(model.SystemUser)
	plan := []*Object{obj}
	inPlan := map[int64]bool{obj.ID: true}
	type blocker struct {
		assoc *model.Association
		ids   []int64
	}
	var prevented []blocker
	for i := 0; i < len(plan); i++ {
		o := plan[i]
		if o.Entity.IsA(user) {
			continue
		}
		for _, a := range s.incoming(o.Entity) {
			if a.OnDelete == model.DeleteKeep {
				continue
			}
			ids, err := s.referrers(ctx, tx, a, o.ID)
			if err != nil {
				return nil, err
			}
			if a.OnDelete == model.DeletePrevent {
				prevented = append(prevented, blocker{a, ids})
				continue
			}
			for _, id := range ids {
				if inPlan[id] {
					continue
				}
				ref, err := s.Get(ctx, tx, a.From, id)
				if err != nil {
					return nil, err
				}
				inPlan[id] = true
				plan = append(plan, ref)
			}
		}
	}
	for _, b := range prevented {
		for _, id := range b.ids {
			if !inPlan[id] {
				return plan, &ConflictError{Msg: fmt.Sprintf("cannot delete: association %s still refers to it (onDelete: prevent); remove those references first", b.assoc.QualifiedName())}
			}
		}
	}
	return plan, nil
}

// Delete deletes the objects of a plan: references to them are cleared,
// links removed, rows deleted.
func (s *Store) Delete(ctx context.Context, tx *Tx, plan []*Object) error {
	for _, o := range plan {
		for _, a := range s.incoming(o.Entity) {
			if a.Type == model.Reference {
				col, t := s.Map.RefColumn(a), s.Map.Table(a.From)
				if col == nil || t == nil {
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE `+schema.Quote(t.Name)+` SET `+schema.Quote(col.Name)+` = NULL WHERE `+schema.Quote(col.Name)+` = ?`, o.ID); err != nil {
					return fmt.Errorf("store: %w", err)
				}
			} else if j := s.Map.Join(a); j != nil {
				if _, err := tx.Exec(ctx, `DELETE FROM `+schema.Quote(j.Name)+` WHERE `+schema.Quote(schema.ToColumn)+` = ?`, o.ID); err != nil {
					return fmt.Errorf("store: %w", err)
				}
			}
		}
		for _, m := range o.Entity.Members() {
			if m.Association != nil && m.Association.Type == model.ReferenceSet {
				if j := s.Map.Join(m.Association); j != nil {
					if _, err := tx.Exec(ctx, `DELETE FROM `+schema.Quote(j.Name)+` WHERE `+schema.Quote(schema.FromColumn)+` = ?`, o.ID); err != nil {
						return fmt.Errorf("store: %w", err)
					}
				}
			}
		}
		t := s.Map.Table(o.Entity)
		if _, err := tx.Exec(ctx, `DELETE FROM `+schema.Quote(t.Name)+` WHERE `+schema.Quote(schema.IDColumn)+` = ?`, o.ID); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}
