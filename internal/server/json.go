package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/xpath"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// jsonProblem describes a JSON decoding error without echoing input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed JSON"
}

// Object ids in JSON are decimal strings: opaque to clients, which must
// not assume they are numeric.
var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// parseID reads an id; anything malformed is simply not an object (404).
func parseID(s string) (int64, bool) {
	if !idRe.MatchString(s) {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

const maxSafeInt = 1<<53 - 1

// jsonValue converts a member value to JSON (model.md's table).
func jsonValue(m *model.Member, v any) any {
	if m.Association != nil {
		switch v := v.(type) {
		case int64:
			if v == 0 {
				return nil
			}
			return idString(v)
		case []int64:
			ids := slices.Sorted(slices.Values(v))
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = idString(id)
			}
			return out
		}
		return nil
	}
	if v == nil {
		if m.Attribute.Type == model.TypeBoolean {
			return false
		}
		return nil
	}
	switch m.Attribute.Type {
	case model.TypeDecimal:
		return store.FormatDecimal(v.(*big.Rat))
	case model.TypeDateTime:
		return time.UnixMilli(v.(int64)).UTC().Format("2006-01-02T15:04:05.000Z")
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		if n := v.(int64); n > maxSafeInt || n < -maxSafeInt {
			return strconv.FormatInt(n, 10)
		}
	}
	return v
}

// objectJSON renders a result with the members of keep (nil: all readable).
func objectJSON(r *security.Result, keep func(name string) bool) map[string]any {
	out := map[string]any{"id": idString(r.ID), "$entity": r.Entity.QualifiedName()}
	for _, m := range r.Entity.Members() {
		v, ok := r.Values.Get(m.Name)
		if !ok || (keep != nil && !keep(m.Name)) {
			continue
		}
		if a := m.Attribute; a != nil && (a.Type == model.TypeHashString || a.Type == model.TypeBinary) {
			continue
		}
		out[m.Name] = jsonValue(m, v)
	}
	return out
}

// fieldErrors collects per-member problems of a body.
type fieldErrors []store.FieldError

func (f *fieldErrors) add(member, format string, args ...any) {
	*f = append(*f, store.FieldError{Member: member, Message: fmt.Sprintf(format, args...)})
}

// decodeValues turns a JSON object of members into Go values for entity x.
// Unknown members and Binary are 400; values of the wrong type are 422.
func decodeValues(x *model.Entity, raw map[string]json.RawMessage) (map[string]any, error) {
	out := map[string]any{}
	var fe fieldErrors
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		m := x.Member(name, nil)
		if m == nil {
			return nil, errf(400, "bad_request", "entity %s has no member %s", x.QualifiedName(), name)
		}
		if m.Attribute != nil && m.Attribute.Type == model.TypeBinary {
			return nil, errf(400, "bad_request", "member %s is Binary and cannot be written as JSON", name)
		}
		v, err := decodeValue(m, raw[name])
		if err != nil {
			fe.add(name, "%v", err)
			continue
		}
		out[name] = v
	}
	if len(fe) > 0 {
		// The values that did decode come along: rightsFirst needs them.
		return out, &store.ValidationError{Details: fe}
	}
	return out, nil
}

func decodeValue(m *model.Member, raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errors.New("is not a JSON value")
	}
	if m.Association != nil {
		return decodeRef(m, v)
	}
	a := m.Attribute
	if v == nil {
		if a.Type == model.TypeBoolean {
			return nil, errors.New("must be true or false")
		}
		return nil, nil
	}
	switch a.Type {
	case model.TypeString, model.TypeHashString:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("must be a string")
		}
		if strings.ContainsRune(s, 0) {
			return nil, errors.New("must not contain the character U+0000")
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case model.TypeEnumeration:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("must be the key of a value of " + a.Enum.QualifiedName())
		}
		if s == "" {
			return nil, nil
		}
		if a.Enum != nil && !a.Enum.Has(s) {
			return nil, fmt.Errorf("%q is not a key of %s", s, a.Enum.QualifiedName())
		}
		return s, nil
	case model.TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, errors.New("must be true or false")
		}
		return b, nil
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		var text string
		switch v := v.(type) {
		case json.Number:
			text = v.String()
		case string:
			text = v
		default:
			return nil, errors.New("must be a whole number")
		}
		if strings.ContainsAny(text, ".eE") {
			return nil, errors.New("must be a whole number without fraction or exponent")
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, errors.New("is not a whole number in range")
		}
		if a.Type == model.TypeInteger && (n < -1<<31 || n > 1<<31-1) {
			return nil, errors.New("is out of range for a 32-bit Integer")
		}
		return n, nil
	case model.TypeDecimal:
		var text string
		switch v := v.(type) {
		case json.Number:
			text = v.String()
		case string:
			text = v
		default:
			return nil, errors.New("must be a decimal such as \"12.50\"")
		}
		r, err := store.ParseDecimal(text)
		if err != nil {
			return nil, err
		}
		return r, nil
	case model.TypeDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("must be an RFC 3339 date-time with an offset")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, errors.New("must be an RFC 3339 date-time with an offset, such as 2026-11-27T09:30:00Z")
		}
		return t.UnixMilli(), nil
	}
	return nil, errors.New("cannot be written")
}

func decodeRef(m *model.Member, v any) (any, error) {
	one := func(v any) (int64, error) {
		s, ok := v.(string)
		if !ok {
			return 0, errors.New("must hold object ids (strings)")
		}
		id, ok := parseID(s)
		if !ok {
			// Names no object: the visibility check refuses it (403).
			return -1, nil
		}
		return id, nil
	}
	if m.Association.Type == model.Reference {
		if v == nil {
			return int64(0), nil
		}
		return one(v)
	}
	if v == nil {
		return []int64{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be a list of object ids")
	}
	ids := []int64{}
	for _, it := range list {
		id, err := one(it)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// bindModel binds a constraint written in the model (a page's xpath).
func bindModel(app *model.App, x *model.Entity, text string) (*xpath.Bound, error) {
	return xpath.ParseAndBind(app, x, text)
}
