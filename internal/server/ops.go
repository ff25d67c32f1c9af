package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
)

// operation serves POST /api/v1/ops/{Module.Page}/{op}. An operation
// accepts and returns only the members its page shows.
func (s *Server) operation(q *req) error {
	p := s.app.Page(q.r.PathValue("page"))
	if p == nil {
		return errNotFound
	}
	op := q.r.PathValue("op")
	var h func(*req, *model.Page) error
	switch {
	case p.List != nil && p.List.Entity != nil && op == "list":
		h = s.opList
	case p.Form != nil && p.Form.Entity != nil && op == "get":
		h = s.opGet
	case p.Form != nil && p.Form.Entity != nil && op == "save" && hasAction(p, "save"):
		h = s.opSave
	case p.Form != nil && p.Form.Entity != nil && op == "delete" && hasAction(p, "delete"):
		h = s.opDelete
	case p.Form != nil && p.Form.Entity != nil && op == "options":
		h = s.opOptions
	default:
		return errNotFound
	}
	if s.app.Security.Level != model.LevelOff && !s.eng.CanOpen(q.caller, p) {
		return &security.Forbidden{Msg: "you may not open page " + p.QualifiedName()}
	}
	return h(q, p)
}

func hasAction(p *model.Page, action string) bool {
	return slices.ContainsFunc(p.Form.Actions, func(a model.NameRef) bool { return a.Name == action })
}

// column is a list column resolved against the model.
type column struct {
	key  string // the column as written: the JSON key
	path model.ColumnPath
}

func (s *Server) columns(p *model.Page) []column {
	var out []column
	for _, c := range p.List.Columns {
		cp, err := model.ResolveColumn(s.app, p.List.Entity, c.Name, p.Module)
		if err != nil {
			continue
		}
		key := c.Name
		if len(cp.Steps) == 0 {
			key = cp.Member.Name
		}
		out = append(out, column{key: key, path: cp})
	}
	return out
}

func (s *Server) opList(q *req, p *model.Page) error {
	var body struct {
		Offset *int     `json:"offset"`
		Limit  *int     `json:"limit"`
		Sort   []string `json:"sort"`
		Search *string  `json:"search"`
		Count  bool     `json:"count"`
	}
	if q.r.ContentLength != 0 {
		if err := decode(q, &body); err != nil {
			return err
		}
	}
	lp := p.List
	cols := s.columns(p)
	o := security.ListOptions{Limit: 50, Count: body.Count}
	if body.Offset != nil {
		if *body.Offset < 0 {
			return errf(http.StatusBadRequest, "bad_request", "offset must be at least 0")
		}
		o.Offset = *body.Offset
	}
	if body.Limit != nil {
		if *body.Limit < 1 || *body.Limit > 1000 {
			return errf(http.StatusBadRequest, "bad_request", "limit must be from 1 to 1000")
		}
		o.Limit = *body.Limit
	}
	for n, k := range body.Sort {
		key := security.SortKey{Member: k}
		if len(k) > 0 && k[0] == '-' {
			key = security.SortKey{Member: k[1:], Desc: true}
		}
		i := slices.IndexFunc(cols, func(c column) bool { return c.key == key.Member })
		if i < 0 || len(cols[i].path.Steps) > 0 || cols[i].path.Member.Attribute == nil {
			return errf(http.StatusBadRequest, "bad_request", "sort item %d (%q) is not one of the page's columns without a path", n+1, k)
		}
		o.Sort = append(o.Sort, key)
	}
	for _, k := range lp.Sort {
		o.PageSort = append(o.PageSort, security.SortKey{Member: k.Member.Name, Desc: k.Descending})
	}
	if body.Search != nil && *body.Search != "" {
		if len(lp.Search) == 0 {
			return errf(http.StatusBadRequest, "bad_request", "page %s has no search", p.QualifiedName())
		}
		o.Search = *body.Search
		for _, m := range lp.Search {
			if mem := lp.Entity.Member(m.Name, p.Module); mem != nil {
				o.SearchMembers = append(o.SearchMembers, mem.Name)
			}
		}
	}
	if lp.XPath != nil {
		b, err := bindModel(s.app, lp.Entity, lp.XPath.Text)
		if err != nil {
			return err
		}
		o.PageXPath = b
	}
	ctx := q.r.Context()
	results, count, err := s.eng.List(ctx, q.caller, lp.Entity, o)
	if err != nil {
		return err
	}
	items := make([]any, len(results))
	for i, r := range results {
		items[i] = map[string]any{"id": idString(r.ID), "$entity": r.Entity.QualifiedName()}
	}
	for _, c := range cols {
		vals, err := s.columnValues(q, c, results)
		if err != nil {
			return err
		}
		for i := range results {
			items[i].(map[string]any)[c.key] = vals[i]
		}
	}
	out := map[string]any{"items": items}
	if o.Count {
		out["count"] = count
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

// columnValues follows a column's path for every row: null when a step is
// empty, unreadable or reaches an invisible object.
func (s *Server) columnValues(q *req, c column, rows []*security.Result) ([]any, error) {
	cur := slices.Clone(rows)
	for _, st := range c.path.Steps {
		var ids []int64
		for _, r := range cur {
			if r == nil {
				continue
			}
			if id, _ := r.Values.Value(st.Member.Name).(int64); id != 0 {
				ids = append(ids, id)
			}
		}
		next := map[int64]*security.Result{}
		if len(ids) > 0 {
			found, _, err := s.eng.List(q.r.Context(), q.caller, st.Entity, security.ListOptions{IDs: ids})
			if err != nil {
				return nil, err
			}
			for _, r := range found {
				next[r.ID] = r
			}
		}
		for i, r := range cur {
			if r == nil {
				continue
			}
			id, _ := r.Values.Value(st.Member.Name).(int64)
			cur[i] = next[id]
		}
	}
	out := make([]any, len(rows))
	for i, r := range cur {
		if r == nil {
			continue
		}
		if v, ok := r.Values.Get(c.path.Member.Name); ok {
			out[i] = jsonValue(c.path.Member, v)
		}
	}
	return out, nil
}

// formFields are the members a form shows.
func formFields(p *model.Page) map[string]*model.Member {
	out := map[string]*model.Member{}
	for _, f := range p.Form.Fields {
		if m := p.Form.Entity.Member(f.Name, p.Module); m != nil {
			out[m.Name] = m
		}
	}
	return out
}

// formJSON is an object as a form shows it: its readable fields and the
// readable ones the caller cannot write.
func formJSON(p *model.Page, r *security.Result) map[string]any {
	fields := formFields(p)
	out := objectJSON(r, func(name string) bool { return fields[name] != nil })
	if r.ID == 0 {
		delete(out, "id")
	}
	ro := []string{}
	for _, f := range p.Form.Fields {
		m := fields[p.Form.Entity.Member(f.Name, p.Module).Name]
		if m != nil && r.Readable[m.Name] && !r.Writable[m.Name] {
			ro = append(ro, m.Name)
		}
	}
	out["$readOnly"] = ro
	return out
}

type formBody struct {
	ID     *string                    `json:"id"`
	Values map[string]json.RawMessage `json:"values"`
	Field  string                     `json:"field"`
	Search string                     `json:"search"`
	Limit  *int                       `json:"limit"`
}

func (s *Server) formBody(q *req) (*formBody, int64, error) {
	var b formBody
	if q.r.ContentLength != 0 {
		if err := decode(q, &b); err != nil {
			return nil, 0, err
		}
	}
	if b.ID == nil {
		return &b, 0, nil
	}
	id, ok := parseID(*b.ID)
	if !ok {
		return nil, 0, errNotFound
	}
	return &b, id, nil
}

func (s *Server) opGet(q *req, p *model.Page) error {
	_, id, err := s.formBody(q)
	if err != nil {
		return err
	}
	var r *security.Result
	if id == 0 {
		r, err = s.eng.New(q.caller, p.Form.Entity)
	} else {
		r, err = s.eng.Get(q.r.Context(), q.caller, p.Form.Entity, id)
	}
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, formJSON(p, r))
	return nil
}

func (s *Server) opSave(q *req, p *model.Page) error {
	b, id, err := s.formBody(q)
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	x := p.Form.Entity
	var cur *security.Result
	if id != 0 {
		if cur, err = s.eng.Get(ctx, q.caller, x, id); err != nil {
			return err
		}
		x = cur.Entity
	}
	// Unknown members (400) come before members that are not fields (403).
	names := slices.Sorted(maps.Keys(b.Values))
	for _, name := range names {
		if x.Member(name, nil) == nil {
			return errf(http.StatusBadRequest, "bad_request", "entity %s has no member %s", x.QualifiedName(), name)
		}
	}
	fields := formFields(p)
	for _, name := range names {
		if m := x.Member(name, nil); fields[m.Name] == nil {
			return &security.Forbidden{Msg: "member " + name + " is not a field of page " + p.QualifiedName()}
		}
	}
	vals, err := decodeValues(x, b.Values)
	if err != nil {
		return s.rightsFirst(q, x, cur, b.Values, vals, err)
	}
	var r *security.Result
	status := http.StatusOK
	if id == 0 {
		r, err = s.eng.Create(ctx, q.caller, x, vals)
		status = http.StatusCreated
	} else {
		r, err = s.eng.Update(ctx, q.caller, x, id, vals)
	}
	if err != nil {
		return err
	}
	writeJSON(q.w, status, formJSON(p, r))
	return nil
}

func (s *Server) opDelete(q *req, p *model.Page) error {
	_, id, err := s.formBody(q)
	if err != nil {
		return err
	}
	if id == 0 {
		return errf(http.StatusBadRequest, "bad_request", "give the id of the object to delete")
	}
	if err := s.eng.Delete(q.r.Context(), q.caller, p.Form.Entity, id); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusNoContent, nil)
	return nil
}

func (s *Server) opOptions(q *req, p *model.Page) error {
	b, _, err := s.formBody(q)
	if err != nil {
		return err
	}
	m := formFields(p)[b.Field]
	if m == nil || m.Association == nil {
		return errf(http.StatusBadRequest, "bad_request", "field %q is not a reference field of page %s", b.Field, p.QualifiedName())
	}
	limit := 50
	if b.Limit != nil {
		if *b.Limit < 1 || *b.Limit > 1000 {
			return errf(http.StatusBadRequest, "bad_request", "limit must be from 1 to 1000")
		}
		limit = *b.Limit
	}
	target := m.Association.To
	// The caption is the first String attribute of the target the caller
	// can read, in declaration order.
	var caption *model.Member
	for _, tm := range target.Members() {
		if tm.Attribute != nil && tm.Attribute.Type == model.TypeString && s.eng.MaxRight(q.caller, target, tm.Name) >= model.ReadOnly {
			caption = tm
			break
		}
	}
	o := security.ListOptions{Limit: limit}
	if caption != nil {
		o.Sort = []security.SortKey{{Member: caption.Name}}
		if b.Search != "" {
			o.Search, o.SearchMembers = b.Search, []string{caption.Name}
		}
	}
	results, _, err := s.eng.List(q.r.Context(), q.caller, target, o)
	if err != nil {
		return err
	}
	items := make([]any, len(results))
	for i, r := range results {
		c := idString(r.ID)
		if caption != nil {
			if v, ok := r.Values.Value(caption.Name).(string); ok {
				c = v
			}
		}
		items[i] = map[string]any{"id": idString(r.ID), "caption": c}
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"items": items})
	return nil
}
