package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// strict reports whether strict mode limits the generic object API.
func (s *Server) strict() bool {
	return s.app.Security.StrictMode && s.app.Security.Level == model.LevelProduction
}

var errStrict = errf(http.StatusForbidden, "strict_mode", "strict mode is on: this call is available through page operations only")

// entity resolves {Entity} of a URL: unknown, non-persistable and
// System.Session are 404.
func (s *Server) entity(q *req) (*model.Entity, error) {
	x := s.app.Entity(q.r.PathValue("entity"))
	if x == nil || !x.Persistable || x.IsA(s.app.Entity(model.SystemSession)) {
		return nil, errNotFound
	}
	return x, nil
}

// parseSort reads "a,-b" into sort keys of x. A key that is not a
// sortable attribute (or id) of x is a 400 naming its position.
func parseSort(x *model.Entity, text string) ([]security.SortKey, error) {
	var keys []security.SortKey
	col := 1
	for _, raw := range strings.Split(text, ",") {
		at := col + len(raw) - len(strings.TrimLeft(raw, " "))
		col += len(raw) + 1
		part := strings.TrimSpace(raw)
		if part == "" {
			continue
		}
		k := security.SortKey{Member: part}
		if rest, ok := strings.CutPrefix(part, "-"); ok {
			k.Member, k.Desc = rest, true
		}
		if k.Member != "id" {
			m := x.Member(k.Member, nil)
			switch {
			case m == nil:
				return nil, errf(http.StatusBadRequest, "bad_request", "sort: entity %s has no attribute %s (sort column %d)", x.QualifiedName(), k.Member, at)
			case m.Attribute == nil:
				return nil, errf(http.StatusBadRequest, "bad_request", "sort: %s is an association; sort by an attribute (sort column %d)", k.Member, at)
			case m.Attribute.Type == model.TypeHashString || m.Attribute.Type == model.TypeBinary:
				return nil, errf(http.StatusBadRequest, "bad_request", "sort: %s cannot be sorted on (sort column %d)", k.Member, at)
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (s *Server) listObjects(q *req) error {
	if s.strict() {
		return errStrict
	}
	x, err := s.entity(q)
	if err != nil {
		return err
	}
	o := security.ListOptions{Limit: 100}
	for k, vs := range q.r.URL.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "xpath":
			o.XPath = v
		case "sort":
			if o.Sort, err = parseSort(x, v); err != nil {
				return err
			}
			if len(o.Sort) == 0 {
				return errf(http.StatusBadRequest, "bad_request", "sort is empty")
			}
		case "offset":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return errf(http.StatusBadRequest, "bad_request", "offset must be a whole number of at least 0")
			}
			o.Offset = n
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return errf(http.StatusBadRequest, "bad_request", "limit must be a whole number from 1 to 1000")
			}
			o.Limit = n
		case "count":
			if v != "true" && v != "false" {
				return errf(http.StatusBadRequest, "bad_request", "count must be true or false")
			}
			o.Count = v == "true"
		default:
			return errf(http.StatusBadRequest, "bad_request", "unknown query parameter %q; use xpath, sort, offset, limit or count", k)
		}
	}
	results, count, err := s.eng.List(q.r.Context(), q.caller, x, o)
	if err != nil {
		return err
	}
	items := make([]any, len(results))
	for i, r := range results {
		items[i] = objectJSON(r, nil)
	}
	out := map[string]any{"items": items}
	if o.Count {
		out["count"] = count
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

// object reads {Entity} and {id} of a URL; a malformed id is an object
// that does not exist.
func (s *Server) object(q *req) (*model.Entity, int64, error) {
	x, err := s.entity(q)
	if err != nil {
		return nil, 0, err
	}
	id, ok := parseID(q.r.PathValue("id"))
	if !ok {
		return nil, 0, errNotFound
	}
	return x, id, nil
}

func (s *Server) getObject(q *req) error {
	x, id, err := s.object(q)
	if err != nil {
		return err
	}
	r, err := s.eng.Get(q.r.Context(), q.caller, x, id)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, objectJSON(r, nil))
	return nil
}

// objectBody reads an object body: members, with `id` and `$entity`
// allowed when they match.
func (s *Server) objectBody(q *req, x *model.Entity, id int64, cur *security.Result) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := decode(q, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errf(http.StatusBadRequest, "bad_request", "the body must be a JSON object")
	}
	if v, ok := raw["id"]; ok {
		var got string
		if json.Unmarshal(v, &got) != nil || id == 0 || got != idString(id) {
			return nil, errf(http.StatusBadRequest, "bad_request", "id in the body does not match the URL")
		}
		delete(raw, "id")
	}
	if v, ok := raw["$entity"]; ok {
		// $entity is the object's own entity (for a create: the URL's).
		var got string
		if json.Unmarshal(v, &got) != nil || got != x.QualifiedName() {
			return nil, errf(http.StatusBadRequest, "bad_request", "$entity in the body does not match the object's entity %s", x.QualifiedName())
		}
		delete(raw, "$entity")
	}
	vals, err := decodeValues(x, raw)
	if err != nil {
		return nil, s.rightsFirst(q, x, cur, raw, vals, err)
	}
	return vals, nil
}

// rightsFirst keeps http-api.md's order when some values do not decode:
// a create the caller may not make, or a member given that the caller may
// not write, is answered (403) before the values (422). cur is the object
// being changed, nil for a create.
func (s *Server) rightsFirst(q *req, x *model.Entity, cur *security.Result, raw map[string]json.RawMessage, vals map[string]any, err error) error {
	var ve *store.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	rights := cur
	var defaults map[string]any
	if cur == nil {
		if !s.eng.CanCreate(q.caller, x) {
			return &security.Forbidden{Msg: "no create access to entity " + x.QualifiedName()}
		}
		var nerr error
		if rights, nerr = s.eng.New(q.caller, x); nerr != nil {
			return nerr
		}
		if defaults, nerr = s.cfg.Store.Defaults(x); nerr != nil {
			return nerr
		}
	}
	names := slices.Sorted(maps.Keys(raw))
	for _, name := range names {
		m := x.Member(name, nil)
		if m == nil {
			continue
		}
		if v, ok := vals[m.Name]; ok {
			if cur == nil && security.SameValue(v, defaults[m.Name]) {
				continue
			}
			if c, readable := rights.Values.Get(m.Name); cur != nil && readable && security.SameValue(v, c) {
				continue
			}
		}
		if !rights.Writable[m.Name] {
			if !m.Writable() {
				return &security.Forbidden{Msg: fmt.Sprintf("member %s of %s is set by the server only", m.Name, x.QualifiedName())}
			}
			return &security.Forbidden{Msg: fmt.Sprintf("no write access to member %s of %s", m.Name, x.QualifiedName())}
		}
	}
	return err
}

func (s *Server) createObject(q *req) error {
	if s.strict() {
		return errStrict
	}
	x, err := s.entity(q)
	if err != nil {
		return err
	}
	vals, err := s.objectBody(q, x, 0, nil)
	if err != nil {
		return err
	}
	r, err := s.eng.Create(q.r.Context(), q.caller, x, vals)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, objectJSON(r, nil))
	return nil
}

func (s *Server) updateObject(q *req) error {
	if s.strict() {
		return errStrict
	}
	x, id, err := s.object(q)
	if err != nil {
		return err
	}
	// Existence and visibility (404) come before the body (400).
	cur, err := s.eng.Get(q.r.Context(), q.caller, x, id)
	if err != nil {
		return err
	}
	vals, err := s.objectBody(q, cur.Entity, id, cur)
	if err != nil {
		return err
	}
	r, err := s.eng.Update(q.r.Context(), q.caller, x, id, vals)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, objectJSON(r, nil))
	return nil
}

func (s *Server) deleteObject(q *req) error {
	if s.strict() {
		return errStrict
	}
	x, id, err := s.object(q)
	if err != nil {
		return err
	}
	if err := s.eng.Delete(q.r.Context(), q.caller, x, id); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusNoContent, nil)
	return nil
}
