package mendix

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestDecodeKinds(t *testing.T) {
	doc := D{
		{"$ID", G("0620c40f-cb19-4000-9419-588109390fee")},
		{"$Type", "Security$DemoUserImpl"},
		{"Name", "Größe ✓"},
		{"On", true},
		{"Off", false},
		{"Small", 12},
		{"Big", int64(1) << 40},
		{"Ratio", 2.5},
		{"Whole", 3.0},
		{"Nothing", nil},
		{"Sub", D{{"$Type", "Texts$Text"}}},
		{"Roles", A{"Module.A", "Module.B"}},
		{"Docs", A{D{{"Name", "x"}}, D{{"Name", "y"}}}},
		{"Empty", A{}},
		{"Plain", RawA{"no marker"}},
	}
	d, err := Decode(encodeDoc(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Fields()) != len(doc) {
		t.Fatalf("%d fields, want %d", len(d.Fields()), len(doc))
	}
	if got := d.ID("$ID"); got != "0620c40f-cb19-4000-9419-588109390fee" {
		t.Errorf("ID %q", got)
	}
	if d.Type() != "Security$DemoUserImpl" || d.Str("Name") != "Größe ✓" {
		t.Errorf("strings %q %q", d.Type(), d.Str("Name"))
	}
	if !d.Bool("On", false) || d.Bool("Off", true) || !d.Bool("Missing", true) || d.Bool("Name", false) {
		t.Error("booleans")
	}
	if n, ok := d.Int("Small"); !ok || n != 12 {
		t.Errorf("int32 %d %v", n, ok)
	}
	if n, ok := d.Int("Big"); !ok || n != 1<<40 {
		t.Errorf("int64 %d %v", n, ok)
	}
	if n, ok := d.Int("Whole"); !ok || n != 3 {
		t.Errorf("whole double %d %v", n, ok)
	}
	if _, ok := d.Int("Ratio"); ok {
		t.Error("2.5 read as an integer")
	}
	if v, _ := d.Get("Ratio"); v.Kind != KindDouble || v.Float != 2.5 {
		t.Errorf("double %+v", v)
	}
	if v, ok := d.Get("Nothing"); !ok || v.Kind != KindNull {
		t.Errorf("null %+v", v)
	}
	if d.Sub("Sub").Type() != "Texts$Text" || d.Sub("Name") != nil {
		t.Error("sub-document")
	}
	if got := d.Strings("Roles"); len(got) != 2 || got[0] != "Module.A" {
		t.Errorf("marker not skipped: %q", got)
	}
	if got := d.Docs("Docs"); len(got) != 2 || got[1].Str("Name") != "y" {
		t.Errorf("documents %v", got)
	}
	if len(d.Items("Empty")) != 0 || d.Items("Name") != nil || d.Items("Missing") != nil {
		t.Error("empty or missing arrays")
	}
	if got := d.Strings("Plain"); len(got) != 1 || got[0] != "no marker" {
		t.Errorf("array without marker: %q", got)
	}
	var nilDoc *Doc
	if _, ok := nilDoc.Get("x"); ok || nilDoc.Str("x") != "" || nilDoc.Docs("x") != nil {
		t.Error("a nil document has no fields")
	}
}

// TestGUID: .NET byte order, as Studio Pro writes it (checked against the
// real projects' file names).
func TestGUID(t *testing.T) {
	raw := []byte{0x0f, 0xc4, 0x20, 0x06, 0x19, 0xcb, 0x00, 0x40, 0x94, 0x19, 0x58, 0x81, 0x09, 0x39, 0x0f, 0xee}
	s, ok := FormatGUID(raw)
	if !ok || s != "0620c40f-cb19-4000-9419-588109390fee" {
		t.Errorf("FormatGUID = %q, %v", s, ok)
	}
	if _, ok := FormatGUID(raw[:15]); ok {
		t.Error("15 bytes are no GUID")
	}
	d, _ := Decode(encodeDoc(D{{"Id", "as-text"}, {"Bin", RawA{}}}))
	if d.ID("Id") != "as-text" || d.ID("Bin") != "" || d.ID("Missing") != "" {
		t.Error("ID of strings and other kinds")
	}
}

func TestDecodeErrors(t *testing.T) {
	good := encodeDoc(D{{"Name", "x"}, {"N", 1}, {"Sub", D{{"B", true}}}})
	le := func(n int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(int32(n))) }
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	field := func(kind byte, name string, value []byte) []byte {
		return cat([]byte{kind}, []byte(name), []byte{0}, value)
	}
	doc := func(fields ...[]byte) []byte {
		body := cat(fields...)
		return cat(le(len(body)+5), body, []byte{0})
	}
	cases := map[string][]byte{
		"empty":               {},
		"short":               {5, 0, 0},
		"length too large":    cat(le(100), []byte{0}),
		"length too small":    cat(le(3), []byte{0}),
		"negative length":     cat(le(-7), make([]byte, 8)),
		"no terminator":       cat(le(5), []byte{1}),
		"trailing bytes":      append(append([]byte{}, good...), 0),
		"unterminated name":   cat(le(8), []byte{0x08, 'a', 'b'}, []byte{0}),
		"string length 0":     doc(field(0x02, "s", le(0))),
		"string too long":     doc(field(0x02, "s", cat(le(50), []byte("ab\x00")))),
		"string unterminated": doc(field(0x02, "s", cat(le(3), []byte("abc")))),
		"string not UTF-8":    doc(field(0x02, "s", cat(le(3), []byte{0xff, 0xfe, 0}))),
		"name not UTF-8":      doc(field(0x08, "\xff", []byte{1})),
		"bool byte":           doc(field(0x08, "b", []byte{2})),
		"int32 truncated":     doc(field(0x10, "i", []byte{1, 2})),
		"int64 truncated":     doc(field(0x12, "i", []byte{1, 2, 3, 4})),
		"double truncated":    doc(field(0x01, "f", []byte{1})),
		"binary too long":     doc(field(0x05, "g", cat(le(16), []byte{0, 1, 2}))),
		"binary negative":     doc(field(0x05, "g", cat(le(-1), []byte{0}))),
		"unknown type":        doc(field(0x0d, "js", []byte{})),
		"sub-document cut":    doc(field(0x03, "d", cat(le(20), []byte{0}))),
		"array cut":           doc(field(0x04, "a", cat(le(5), []byte{1}))),
		"field past end":      cat(le(9), []byte{0x10, 'i', 0, 1}, []byte{0}),
	}
	for name, b := range cases {
		if _, err := Decode(b); err == nil || !errors.Is(err, ErrBSON) {
			t.Errorf("%s: error %v, want a BSON error", name, err)
		}
	}
	// Every truncation of a valid document is an error.
	for i := range good {
		if _, err := Decode(good[:i]); err == nil {
			t.Errorf("truncated at %d: no error", i)
		}
	}
}

// TestDecodeDepth: a deeply nested document is an error, not a stack
// overflow.
func TestDecodeDepth(t *testing.T) {
	d := D{{"x", 1}}
	for range maxDepth + 10 {
		d = D{{"d", d}}
	}
	_, err := Decode(encodeDoc(d))
	if err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("error %v, want one about nesting", err)
	}
	d = D{{"x", 1}}
	for range 100 {
		d = D{{"d", d}}
	}
	if _, err := Decode(encodeDoc(d)); err != nil {
		t.Errorf("100 levels: %v", err)
	}
}
