package xpath_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/model"
	"github.com/rampart/rampart/internal/schema"
	"github.com/rampart/rampart/internal/xpath"
)

// The objects of a differential test: served to the evaluator through
// xpath.Data and written, in the mapping's encodings, to every store.

type dobj struct {
	id    int64
	ent   *model.Entity
	attrs map[*model.Attribute]any       // absent or nil: empty
	links map[*model.Association][]int64 // forward, on the from side
}

type dataset struct {
	app  *model.App
	objs []*dobj
	byID map[int64]*dobj
	back map[*model.Association]map[int64][]int64
}

func newDataset(app *model.App, objs []*dobj) *dataset {
	d := &dataset{app: app, objs: objs}
	d.index()
	return d
}

// index rebuilds the lookups, dropping links to objects that do not exist.
func (d *dataset) index() {
	d.byID = map[int64]*dobj{}
	for _, o := range d.objs {
		d.byID[o.id] = o
	}
	d.back = map[*model.Association]map[int64][]int64{}
	for _, o := range d.objs {
		for a, ids := range o.links {
			keep := ids[:0:0]
			for _, y := range ids {
				if d.byID[y] != nil {
					keep = append(keep, y)
				}
			}
			if len(keep) == 0 {
				delete(o.links, a)
				continue
			}
			o.links[a] = keep
			if d.back[a] == nil {
				d.back[a] = map[int64][]int64{}
			}
			for _, y := range keep {
				d.back[a][y] = append(d.back[a][y], o.id)
			}
		}
	}
}

func (d *dataset) Type(id int64) *model.Entity { return d.byID[id].ent }

func (d *dataset) Attr(id int64, a *model.Attribute) any {
	v := d.byID[id].attrs[a]
	if v == nil && a.Type == model.TypeBoolean {
		return false
	}
	return v
}

func (d *dataset) Linked(id int64, a *model.Association, forward bool) []int64 {
	if forward {
		return d.byID[id].links[a]
	}
	return d.back[a][id]
}

// of lists the objects that are an e, by id.
func (d *dataset) of(e *model.Entity) []*dobj {
	var out []*dobj
	for _, o := range d.objs {
		if o.ent.IsA(e) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// roleIDs maps user role names to their System.UserRole objects.
func (d *dataset) roleIDs() map[string]int64 {
	out := map[string]int64{}
	ur := d.app.Entity(model.SystemUserRole)
	name := ur.Member("Name", nil).Attribute
	for _, o := range d.of(ur) {
		if s, ok := o.attrs[name].(string); ok {
			out[s] = o.id
		}
	}
	return out
}

// without returns a copy without the given objects (for shrinking).
func (d *dataset) without(drop map[int64]bool) *dataset {
	var objs []*dobj
	for _, o := range d.objs {
		if drop[o.id] {
			continue
		}
		c := &dobj{id: o.id, ent: o.ent, attrs: o.attrs, links: map[*model.Association][]int64{}}
		for a, ids := range o.links {
			c.links[a] = slices.Clone(ids)
		}
		objs = append(objs, c)
	}
	return newDataset(d.app, objs)
}

// describe prints an object with its values and links, for reports.
func (d *dataset) describe(id int64) string {
	o := d.byID[id]
	if o == nil {
		return fmt.Sprintf("#%d (no such object)", id)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s", id, o.ent.QualifiedName())
	for _, m := range o.ent.Members() {
		switch {
		case m.Attribute != nil:
			if v := d.Attr(id, m.Attribute); v != nil {
				fmt.Fprintf(&b, " %s=%s", m.Name, showValue(m.Attribute, v))
			}
		case len(o.links[m.Association]) > 0:
			fmt.Fprintf(&b, " %s->%v", m.Name, o.links[m.Association])
		}
	}
	var back []string
	for a, m := range d.back {
		if ids := slices.Sorted(slices.Values(m[id])); len(ids) > 0 {
			back = append(back, fmt.Sprintf(" %s(%s)<-%v", a.QualifiedName(), a.From.QualifiedName(), ids))
		}
	}
	slices.Sort(back)
	return b.String() + strings.Join(back, "")
}

func showValue(a *model.Attribute, v any) string {
	switch v := v.(type) {
	case *big.Rat:
		return decString(v)
	case string:
		return strconv.Quote(v)
	case int64:
		if a.Type == model.TypeDateTime {
			return fmt.Sprintf("%d(%s)", v, time.UnixMilli(v).UTC().Format(diffTimeFormat))
		}
	}
	return fmt.Sprint(v)
}

const diffTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// decString prints a stored decimal (at most 8 fractional digits) exactly.
func decString(r *big.Rat) string {
	s := r.FloatString(8)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// ---- JSON lines, for regression files ----

type jsonObj struct {
	ID    int64              `json:"id"`
	Type  string             `json:"type"`
	Attrs map[string]any     `json:"attrs,omitempty"`
	Links map[string][]int64 `json:"links,omitempty"`
}

func (d *dataset) marshal() string {
	var b strings.Builder
	for _, o := range d.objs {
		j := jsonObj{ID: o.id, Type: o.ent.QualifiedName(), Attrs: map[string]any{}, Links: map[string][]int64{}}
		for _, m := range o.ent.Members() {
			switch {
			case m.Attribute != nil:
				v := o.attrs[m.Attribute]
				switch v := v.(type) {
				case nil:
					continue
				case *big.Rat:
					j.Attrs[m.Name] = decString(v)
				case int64:
					if m.Attribute.Type == model.TypeDateTime {
						j.Attrs[m.Name] = time.UnixMilli(v).UTC().Format(diffTimeFormat)
					} else {
						j.Attrs[m.Name] = v
					}
				default:
					j.Attrs[m.Name] = v
				}
			case len(o.links[m.Association]) > 0:
				j.Links[m.Name] = o.links[m.Association]
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(j); err != nil {
			panic(err)
		}
		b.Write(buf.Bytes())
	}
	return b.String()
}

func unmarshalDataset(app *model.App, text string) (*dataset, error) {
	var objs []*dobj
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var j jsonObj
		if err := dec.Decode(&j); err != nil {
			return nil, fmt.Errorf("data line %d: %v", n+1, err)
		}
		e := app.Entity(j.Type)
		if e == nil {
			return nil, fmt.Errorf("data line %d: unknown entity %s", n+1, j.Type)
		}
		o := &dobj{id: j.ID, ent: e, attrs: map[*model.Attribute]any{}, links: map[*model.Association][]int64{}}
		for name, v := range j.Attrs {
			m := e.Member(name, nil)
			if m == nil || m.Attribute == nil {
				return nil, fmt.Errorf("data line %d: %s has no attribute %s", n+1, j.Type, name)
			}
			val, err := parseJSONValue(m.Attribute, v)
			if err != nil {
				return nil, fmt.Errorf("data line %d: %s: %v", n+1, name, err)
			}
			o.attrs[m.Attribute] = val
		}
		for name, ids := range j.Links {
			m := e.Member(name, nil)
			if m == nil || m.Association == nil {
				return nil, fmt.Errorf("data line %d: %s has no association %s", n+1, j.Type, name)
			}
			o.links[m.Association] = ids
		}
		objs = append(objs, o)
	}
	return newDataset(app, objs), nil
}

func parseJSONValue(a *model.Attribute, v any) (any, error) {
	switch a.Type {
	case model.TypeString, model.TypeEnumeration:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string")
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case model.TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want a boolean")
		}
		return b, nil
	case model.TypeDecimal:
		s, ok := v.(string)
		r, ok2 := new(big.Rat).SetString(s)
		if !ok || !ok2 {
			return nil, fmt.Errorf("want a decimal string")
		}
		return r, nil
	case model.TypeDateTime:
		s, ok := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if !ok || err != nil {
			return nil, fmt.Errorf("want an RFC 3339 string")
		}
		return t.UnixMilli(), nil
	case model.TypeInteger, model.TypeLong, model.TypeAutoNumber:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("want a number")
		}
		return strconv.ParseInt(string(n), 10, 64)
	}
	return nil, fmt.Errorf("type %s is not stored", a.Type)
}

// ---- random values ----

// diffRunes are the letters strings are made of: ASCII, case pairs outside
// ASCII with interesting simple foldings (ß/ẞ, σ/ς/Σ, K/k/K, ǅ, Cherokee,
// İ/ı), a letter outside the BMP, quotes and LIKE wildcards.
var diffRunes = []rune("abcxyzABCXYZ019 äÄßẞσςΣkK\u212Aǅǆǅꭰᏸ\u13A0İıiIéÉøØµΜ😀'\"%_\\*.ǰﬀ")

type valgen struct {
	r        *rand.Rand
	loc      *time.Location
	words    []string
	instants []int64
}

var (
	diffMinTime = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	diffMaxTime = time.Date(2037, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()
)

func newValgen(r *rand.Rand, loc *time.Location, envs []*xpath.Env) *valgen {
	v := &valgen{r: r, loc: loc}
	for range 14 {
		var b strings.Builder
		for k := 1 + r.IntN(6); k > 0; k-- {
			b.WriteRune(diffRunes[r.IntN(len(diffRunes))])
		}
		v.words = append(v.words, b.String())
	}
	// Instants that matter: time-zone transitions, midnights and the first
	// days of months and years (local and UTC), and every date token.
	var trans []int64
	for _, tr := range schema.Transitions(loc) {
		if tr[0] >= diffMinTime && tr[0] <= diffMaxTime {
			trans = append(trans, tr[0])
		}
	}
	for range 40 {
		if len(trans) > 0 {
			v.instants = append(v.instants, trans[r.IntN(len(trans))])
		}
	}
	for range 30 {
		t := time.UnixMilli(diffMinTime + r.Int64N(diffMaxTime-diffMinTime)).In(loc)
		z := []*time.Location{loc, time.UTC}[r.IntN(2)]
		y, m, d := t.Date()
		switch r.IntN(3) {
		case 0:
			v.instants = append(v.instants, time.Date(y, m, d, 0, 0, 0, 0, z).UnixMilli())
		case 1:
			v.instants = append(v.instants, time.Date(y, m, 1, 0, 0, 0, 0, z).UnixMilli())
		default:
			v.instants = append(v.instants, time.Date(y, 1, 1, 0, 0, 0, 0, z).UnixMilli())
		}
	}
	for _, env := range envs {
		for _, tok := range diffDateTokens {
			for _, suffix := range []string{"", "UTC"} {
				ms, err := env.TokenValue(&xpath.TokenLit{Token: tok + suffix})
				if err != nil {
					panic(err)
				}
				v.instants = append(v.instants, ms)
			}
		}
	}
	return v
}

var diffDateTokens = []string{"CurrentDateTime", "BeginOfCurrentMinute", "EndOfCurrentMinute", "BeginOfCurrentHour",
	"EndOfCurrentHour", "BeginOfCurrentDay", "EndOfCurrentDay", "BeginOfYesterday", "EndOfYesterday",
	"BeginOfTomorrow", "EndOfTomorrow", "BeginOfCurrentWeek", "EndOfCurrentWeek", "BeginOfCurrentMonth",
	"EndOfCurrentMonth", "BeginOfCurrentYear", "EndOfCurrentYear"}

// variant changes a string's case without changing its fold: upper, lower,
// or each letter replaced by a random member of its simple case orbit.
func (v *valgen) variant(s string) string {
	switch v.r.IntN(4) {
	case 0:
		return s
	case 1:
		return strings.ToUpper(s)
	case 2:
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, c := range s {
		for k := v.r.IntN(4); k > 0; k-- {
			c = unicode.SimpleFold(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// str makes a String value of at most length code points (0 = unlimited),
// "" for empty.
func (v *valgen) str(length int) string {
	if v.r.IntN(8) == 0 {
		return ""
	}
	w := v.words[v.r.IntN(len(v.words))]
	switch v.r.IntN(6) {
	case 0:
		w += v.words[v.r.IntN(len(v.words))]
	case 1:
		w = prefix(w, 1+v.r.IntN(utf8.RuneCountInString(w)))
	}
	w = v.variant(w)
	if length > 0 {
		w = prefix(w, length)
	}
	return w
}

func prefix(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

var intBoundaries = []int64{0, 1, -1, 2, 100, -100, 2147483647, -2147483648, 2147483646, -2147483647}
var longBoundaries = []int64{9223372036854775807, -9223372036854775808, 9223372036854775806, 1 << 53, 1<<53 + 1, -(1 << 53) - 1, 1 << 32, -(1 << 31) - 1}

func (v *valgen) integer(long bool) int64 {
	switch k := v.r.IntN(10); {
	case k < 4:
		return intBoundaries[v.r.IntN(len(intBoundaries))]
	case k < 6 && long:
		return longBoundaries[v.r.IntN(len(longBoundaries))]
	case k < 8:
		return v.r.Int64N(41) - 20
	case long:
		return int64(v.r.Uint64())
	default:
		return int64(int32(v.r.Uint32()))
	}
}

// decimal makes a value with at most 20 integer and 8 fractional digits.
func (v *valgen) decimal() *big.Rat {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + v.r.IntN(10)))
		}
		return b.String()
	}
	var s string
	switch v.r.IntN(10) {
	case 0:
		s = "0"
	case 1:
		s = "99999999999999999999.99999999"
	case 2:
		s = "0.00000001"
	case 3:
		s = digits(1 + v.r.IntN(2))
	default:
		n := []int{1, 1, 2, 3, 5, 10, 19, 20}[v.r.IntN(8)]
		s = digits(n)
		if f := v.r.IntN(9); f > 0 {
			s += "." + digits(f)
		}
	}
	r, _ := new(big.Rat).SetString(s)
	if v.r.IntN(3) == 0 {
		r.Neg(r)
	}
	return r
}

var timeDeltas = []int64{0, 0, 1, -1, 999, 1000, -1000, 60_000, -60_000, 1_800_000, -1_800_000, 3_600_000, -3_600_000, 86_400_000, -86_400_000}

func (v *valgen) instant() int64 {
	if v.r.IntN(4) == 0 {
		return diffMinTime + v.r.Int64N(diffMaxTime-diffMinTime)
	}
	t := v.instants[v.r.IntN(len(v.instants))]
	if v.r.IntN(5) == 0 {
		return t + v.r.Int64N(2*86_400_000) - 86_400_000
	}
	return t + timeDeltas[v.r.IntN(len(timeDeltas))]
}

// value makes a random value of an attribute; nil is empty.
func (v *valgen) value(a *model.Attribute) any {
	if a.Type != model.TypeBoolean && a.Type != model.TypeAutoNumber && v.r.IntN(9) == 0 {
		return nil
	}
	switch a.Type {
	case model.TypeString:
		if s := v.str(a.Length); s != "" {
			return s
		}
		return nil
	case model.TypeInteger:
		return v.integer(false)
	case model.TypeLong:
		return v.integer(true)
	case model.TypeDecimal:
		return v.decimal()
	case model.TypeBoolean:
		return v.r.IntN(2) == 0
	case model.TypeDateTime:
		return v.instant()
	case model.TypeEnumeration:
		return a.Enum.Values[v.r.IntN(len(a.Enum.Values))].Key
	}
	return nil
}

// genDataset fills every table of the mapping with random objects.
func genDataset(r *rand.Rand, app *model.App, mp *schema.Mapping, vg *valgen) *dataset {
	var objs []*dobj
	userRole := app.Entity(model.SystemUserRole)
	// Objects and their types first, links once every object exists.
	for _, t := range mp.Tables {
		n := 20 + r.IntN(41)
		switch t.Root.QualifiedName() {
		case model.SystemUserRole:
			n = len(diffRoles)
		case model.SystemSession, model.SystemFileDocument:
			n = 5 + r.IntN(15)
		}
		for range n {
			e := t.Entities[r.IntN(len(t.Entities))]
			o := &dobj{ent: e, attrs: map[*model.Attribute]any{}, links: map[*model.Association][]int64{}}
			objs = append(objs, o)
		}
	}
	ids := r.Perm(3 * len(objs))
	for i, o := range objs {
		o.id = int64(ids[i] + 1)
	}
	// AutoNumbers increase per attribute in id order, with gaps.
	byID := slices.Clone(objs)
	sort.Slice(byID, func(i, j int) bool { return byID[i].id < byID[j].id })
	auto := map[*model.Attribute]int64{}
	taken := map[*model.Attribute]map[string]bool{}
	roleN := 0
	for _, o := range byID {
		for _, m := range o.ent.Members() {
			a := m.Attribute
			if a == nil {
				continue
			}
			switch {
			case a.Type == model.TypeAutoNumber:
				auto[a] += 1 + int64(r.IntN(3))
				o.attrs[a] = auto[a]
			case a.Type == model.TypeHashString || a.Type == model.TypeBinary:
			case o.ent == userRole && a.Name == "Name":
				o.attrs[a] = diffRoles[roleN]
				roleN++
			default:
				val := vg.value(a)
				if a.Unique && val != nil {
					// Unique values differ (case-folded for Strings).
					key := func(v any) string {
						if s, ok := v.(string); ok {
							return xpath.Fold(s)
						}
						return showValue(a, v)
					}
					for k := 0; taken[a][key(val)]; k++ {
						if k > 20 {
							val = nil
							break
						}
						val = vg.value(a)
						if s, ok := val.(string); ok && (a.Length == 0 || utf8.RuneCountInString(s) < a.Length) {
							val = s + string(diffRunes[r.IntN(len(diffRunes))])
						}
					}
					if val != nil {
						if taken[a] == nil {
							taken[a] = map[string]bool{}
						}
						taken[a][key(val)] = true
					}
				}
				if val != nil {
					o.attrs[a] = val
				}
			}
		}
	}
	ds := newDataset(app, objs)
	for _, o := range objs {
		for _, m := range o.ent.Members() {
			a := m.Association
			if a == nil {
				continue
			}
			targets := ds.of(a.To)
			if len(targets) == 0 {
				continue
			}
			k := 0
			switch {
			case a.Type == model.Reference && r.IntN(10) < 7:
				k = 1
			case a.Type == model.ReferenceSet:
				k = []int{0, 0, 1, 1, 2, 3}[r.IntN(6)]
			}
			seen := map[int64]bool{}
			for range k {
				y := targets[r.IntN(len(targets))].id
				if !seen[y] {
					seen[y] = true
					o.links[a] = append(o.links[a], y)
				}
			}
		}
	}
	ds.index()
	return ds
}
