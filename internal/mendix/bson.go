package mendix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode/utf8"
)

// A small BSON decoder for Mendix units: documents, arrays, strings,
// integers, booleans, doubles, binary data (GUIDs) and null.
//
// Decode checks the whole input once (every length, terminator, type and
// string) without allocating, and returns an error for anything corrupted
// or truncated; it never panics. The fields of a document are then read
// on first use: the importer needs a few fields of most units (pages,
// layouts and actions are large and mostly skipped), so it never builds
// values it does not look at.

// Kind is the type of a BSON value.
type Kind byte

// The kinds of value Mendix units hold (BSON type bytes).
const (
	KindDouble   Kind = 0x01
	KindString   Kind = 0x02
	KindDoc      Kind = 0x03
	KindArray    Kind = 0x04
	KindBinary   Kind = 0x05
	KindObjectID Kind = 0x07
	KindBool     Kind = 0x08
	KindDateTime Kind = 0x09
	KindNull     Kind = 0x0A
	KindInt32    Kind = 0x10
	KindInt64    Kind = 0x12
)

// Value is one BSON value.
type Value struct {
	Kind  Kind
	Str   string  // String
	Int   int64   // Int32, Int64, DateTime (milliseconds)
	Float float64 // Double
	Bool  bool    // Bool
	Doc   *Doc    // Doc, and Array (an array is a document with keys 0, 1, …)
	Bin   []byte  // Binary, ObjectID
	Sub   byte    // Binary subtype
}

// Array returns the elements of an array, including Mendix's leading
// storage marker; nil for other kinds.
func (v Value) Array() []Value {
	if v.Kind != KindArray || v.Doc == nil {
		return nil
	}
	fields := v.Doc.Fields()
	out := make([]Value, len(fields))
	for i, f := range fields {
		out[i] = f.Value
	}
	return out
}

// Field is one named value of a document.
type Field struct {
	Name  string
	Value Value
}

// Doc is a BSON document. Its fields are decoded on first use; the input
// was checked by Decode, so that cannot fail.
type Doc struct {
	raw    []byte
	once   sync.Once
	fields []Field
}

// maxDepth bounds the nesting of documents, so that a crafted unit cannot
// exhaust the stack. Real units nest a few dozen levels at most.
const maxDepth = 512

// ErrBSON is wrapped by every decoding error.
var ErrBSON = errors.New("bad BSON")

func bsonErr(off int, format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrBSON, off, fmt.Sprintf(format, args...))
}

// Decode reads one BSON document that fills b exactly. b must not change
// afterwards: the document reads its fields from it.
func Decode(b []byte) (*Doc, error) {
	end, err := checkDoc(b, 0, 0)
	if err != nil {
		return nil, err
	}
	if end != len(b) {
		return nil, bsonErr(end, "%d bytes after the document", len(b)-end)
	}
	return &Doc{raw: b}, nil
}

// checkDoc validates the document at off and returns the offset after it.
func checkDoc(b []byte, off, depth int) (int, error) {
	if depth > maxDepth {
		return 0, bsonErr(off, "documents nested more than %d deep", maxDepth)
	}
	if len(b)-off < 5 {
		return 0, bsonErr(off, "truncated document")
	}
	n := int(int32(binary.LittleEndian.Uint32(b[off:])))
	if n < 5 || n > len(b)-off {
		return 0, bsonErr(off, "document length %d does not fit the %d bytes left", n, len(b)-off)
	}
	end := off + n
	if b[end-1] != 0 {
		return 0, bsonErr(end-1, "document does not end with a zero byte")
	}
	limit := end - 1
	p := off + 4
	for p < limit {
		kind := Kind(b[p])
		p++
		i := bytes.IndexByte(b[p:limit], 0)
		if i < 0 {
			return 0, bsonErr(p, "unterminated field name")
		}
		if !utf8.Valid(b[p : p+i]) {
			return 0, bsonErr(p, "field name is not UTF-8")
		}
		name := p
		p += i + 1
		q, err := checkValue(b, kind, p, limit, depth)
		if err != nil {
			return 0, fmt.Errorf("field %q: %w", b[name:name+i], err)
		}
		p = q
	}
	return end, nil
}

// need checks that n bytes are left before limit.
func need(off, n, limit int) error {
	if n < 0 || n > limit-off {
		return bsonErr(off, "value of %d bytes runs past the end of its document", n)
	}
	return nil
}

func checkValue(b []byte, kind Kind, off, limit, depth int) (int, error) {
	size := 0
	switch kind {
	case KindDouble, KindInt64, KindDateTime:
		size = 8
	case KindInt32:
		size = 4
	case KindObjectID:
		size = 12
	case KindBool:
		if err := need(off, 1, limit); err != nil {
			return 0, err
		}
		if b[off] > 1 {
			return 0, bsonErr(off, "boolean byte %d", b[off])
		}
		return off + 1, nil
	case KindNull, 0x06: // 0x06 is the deprecated "undefined"
		return off, nil
	case KindString:
		if err := need(off, 4, limit); err != nil {
			return 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b[off:])))
		if n < 1 {
			return 0, bsonErr(off, "string length %d", n)
		}
		if err := need(off+4, n, limit); err != nil {
			return 0, err
		}
		s := b[off+4 : off+4+n]
		if s[n-1] != 0 {
			return 0, bsonErr(off+4+n-1, "string does not end with a zero byte")
		}
		if !utf8.Valid(s[:n-1]) {
			return 0, bsonErr(off+4, "string is not UTF-8")
		}
		return off + 4 + n, nil
	case KindDoc, KindArray:
		if err := need(off, 5, limit); err != nil {
			return 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b[off:])))
		if err := need(off, n, limit); err != nil {
			return 0, err
		}
		return checkDoc(b[:off+n], off, depth+1)
	case KindBinary:
		if err := need(off, 5, limit); err != nil {
			return 0, err
		}
		n := int(int32(binary.LittleEndian.Uint32(b[off:])))
		if err := need(off+5, n, limit); err != nil {
			return 0, err
		}
		return off + 5 + n, nil
	default:
		return 0, bsonErr(off-1, "unsupported BSON type 0x%02x", byte(kind))
	}
	if err := need(off, size, limit); err != nil {
		return 0, err
	}
	return off + size, nil
}

// Fields returns the document's fields in order.
func (d *Doc) Fields() []Field {
	if d == nil {
		return nil
	}
	d.once.Do(d.decode)
	return d.fields
}

// decode reads the fields of a checked document.
func (d *Doc) decode() {
	b := d.raw
	limit := len(b) - 1
	p := 4
	for p < limit {
		kind := Kind(b[p])
		p++
		i := bytes.IndexByte(b[p:limit], 0)
		name := string(b[p : p+i])
		p += i + 1
		v := Value{Kind: kind}
		switch kind {
		case KindDouble:
			v.Float = math.Float64frombits(binary.LittleEndian.Uint64(b[p:]))
			p += 8
		case KindString:
			n := int(binary.LittleEndian.Uint32(b[p:]))
			v.Str = string(b[p+4 : p+4+n-1])
			p += 4 + n
		case KindDoc, KindArray:
			n := int(binary.LittleEndian.Uint32(b[p:]))
			v.Doc = &Doc{raw: b[p : p+n : p+n]}
			p += n
		case KindBinary:
			n := int(binary.LittleEndian.Uint32(b[p:]))
			v.Sub = b[p+4]
			v.Bin = b[p+5 : p+5+n : p+5+n]
			p += 5 + n
		case KindObjectID:
			v.Bin = b[p : p+12 : p+12]
			p += 12
		case KindBool:
			v.Bool = b[p] == 1
			p++
		case KindNull, 0x06:
			v.Kind = KindNull
		case KindInt32:
			v.Int = int64(int32(binary.LittleEndian.Uint32(b[p:])))
			p += 4
		case KindInt64, KindDateTime:
			v.Int = int64(binary.LittleEndian.Uint64(b[p:]))
			p += 8
		}
		d.fields = append(d.fields, Field{name, v})
	}
}

// Get returns the value of the first field called name.
func (d *Doc) Get(name string) (Value, bool) {
	for _, f := range d.Fields() {
		if f.Name == name {
			return f.Value, true
		}
	}
	return Value{}, false
}

// Str returns a string field, "" when absent or of another kind.
func (d *Doc) Str(name string) string {
	v, _ := d.Get(name)
	if v.Kind == KindString {
		return v.Str
	}
	return ""
}

// Type is the document's $Type.
func (d *Doc) Type() string { return d.Str("$Type") }

// Bool returns a boolean field; def when absent or of another kind.
func (d *Doc) Bool(name string, def bool) bool {
	v, ok := d.Get(name)
	if !ok || v.Kind != KindBool {
		return def
	}
	return v.Bool
}

// Int returns an integer field (int32, int64 or an integral double); ok is
// false when absent or of another kind.
func (d *Doc) Int(name string) (int64, bool) {
	v, _ := d.Get(name)
	switch v.Kind {
	case KindInt32, KindInt64:
		return v.Int, true
	case KindDouble:
		if v.Float == math.Trunc(v.Float) && math.Abs(v.Float) < 1<<53 {
			return int64(v.Float), true
		}
	}
	return 0, false
}

// Sub returns a document field, nil when absent or of another kind.
func (d *Doc) Sub(name string) *Doc {
	v, _ := d.Get(name)
	if v.Kind == KindDoc {
		return v.Doc
	}
	return nil
}

// Items returns the elements of a Mendix array field without its leading
// storage marker (an integer Mendix writes as element 0).
func (d *Doc) Items(name string) []Value {
	v, _ := d.Get(name)
	items := v.Array()
	if len(items) > 0 && (items[0].Kind == KindInt32 || items[0].Kind == KindInt64) {
		items = items[1:]
	}
	return items
}

// Docs returns the documents of a Mendix array field.
func (d *Doc) Docs(name string) []*Doc {
	var out []*Doc
	for _, v := range d.Items(name) {
		if v.Kind == KindDoc {
			out = append(out, v.Doc)
		}
	}
	return out
}

// Strings returns the strings of a Mendix array field (references by name).
func (d *Doc) Strings(name string) []string {
	var out []string
	for _, v := range d.Items(name) {
		if v.Kind == KindString {
			out = append(out, v.Str)
		}
	}
	return out
}

// ID returns a GUID field as text ("" when absent or not a GUID). Mendix
// stores GUIDs as 16-byte binaries in .NET byte order; some tools write
// them as strings, which are returned as they are.
func (d *Doc) ID(name string) string {
	v, _ := d.Get(name)
	switch v.Kind {
	case KindBinary:
		if s, ok := FormatGUID(v.Bin); ok {
			return s
		}
	case KindString:
		return v.Str
	}
	return ""
}

// Walk calls f for the document and every document nested in it, at any
// depth, with its $Type and Name, reading the encoded bytes without
// building values. It is how the importer counts widgets on pages.
func (d *Doc) Walk(f func(typ, name []byte)) {
	if d != nil {
		walk(d.raw, f)
	}
}

func walk(b []byte, f func(typ, name []byte)) {
	limit := len(b) - 1
	p := 4
	var typ, name []byte
	for p < limit {
		kind := Kind(b[p])
		p++
		i := bytes.IndexByte(b[p:limit], 0)
		key := b[p : p+i]
		p += i + 1
		switch kind {
		case KindDouble, KindInt64, KindDateTime:
			p += 8
		case KindInt32:
			p += 4
		case KindObjectID:
			p += 12
		case KindBool:
			p++
		case KindString:
			n := int(binary.LittleEndian.Uint32(b[p:]))
			s := b[p+4 : p+4+n-1]
			switch string(key) {
			case "$Type":
				typ = s
			case "Name":
				name = s
			}
			p += 4 + n
		case KindDoc, KindArray:
			n := int(binary.LittleEndian.Uint32(b[p:]))
			walk(b[p:p+n], f)
			p += n
		case KindBinary:
			p += 5 + int(binary.LittleEndian.Uint32(b[p:]))
		}
	}
	f(typ, name)
}

// FormatGUID writes 16 bytes in .NET byte order (the first three groups
// little-endian) as a lower-case GUID.
func FormatGUID(b []byte) (string, bool) {
	if len(b) != 16 {
		return "", false
	}
	const hex = "0123456789abcdef"
	order := [16]int{3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
	out := make([]byte, 0, 36)
	for i, j := range order {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[b[j]>>4], hex[b[j]&15])
	}
	return string(out), true
}
