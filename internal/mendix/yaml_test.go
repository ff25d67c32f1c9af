package mendix

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestScalarRoundTrip: what scalar writes reads back as the same string,
// in block and in flow context, after the loader's `$${` rule.
func TestScalarRoundTrip(t *testing.T) {
	values := []string{
		"Plain", "two words", "Yes", "no", "NULL", "true", "off", "~", "", " lead", "trail ", "a: b", "a #b", "#x",
		"- item", "[x]", "{x}", "a, b", "'q'", `"q"`, "line\nbreak", "tab\there", "12", "1.5", "0x1F", "1e3", ".inf",
		"@at", "`tick`", "%p", "&a", "*a", "!tag", "|", ">", "?", "Größe", "emoji ✓", "cost ${X}", "$$", "back\\slash",
		"ctrl\x01", "/p/orders", "/", "a  b", "x:", "\u2028", "[%CurrentUser%]", "4.2.0", "1.0", "10.22.0.68245",
	}
	for _, v := range values {
		for _, doc := range []string{"k: " + scalar(v) + "\n", "k: [" + scalar(v) + "]\n", "k: {a: " + scalar(v) + "}\n"} {
			var m map[string]any
			if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
				t.Errorf("%q: %q does not parse: %v", v, doc, err)
				continue
			}
			var got any
			switch x := m["k"].(type) {
			case []any:
				got = x[0]
			case map[string]any:
				got = x["a"]
			default:
				got = x
			}
			s, ok := got.(string)
			want := strings.ReplaceAll(v, "${", "$${")
			if !ok || s != want {
				t.Errorf("%q written as %q reads back as %#v", v, doc, got)
			}
		}
	}
}

func TestYAMLKey(t *testing.T) {
	for k, want := range map[string]string{
		"Name": "Name", "System.owner": "System.owner", "Yes": `"Yes"`, "a b": `"a b"`, "*": `"*"`,
	} {
		if got := yamlKey(k); got != want {
			t.Errorf("yamlKey(%q) = %s, want %s", k, got, want)
		}
	}
}

func TestScope(t *testing.T) {
	s := scope{}
	for _, c := range []struct{ in, want, why string }{
		{"Order", "Order", ""},
		{"order", "order_2", "repeats"},
		{"Größe", "Gr__e", "not a valid"},
		{"1st", "_1st", "not a valid"},
		{"", "_", "not a valid"},
		{"id", "id_", "reserved"},
		{"NULL", "NULL_", "reserved"},
		{"Null", "Null", ""},
		{"a-b", "a_b", "not a valid"},
		{"a_b", "a_b_2", "repeats"},
	} {
		got, why := s.claim(c.in, reservedMembers)
		if got != c.want || !strings.Contains(why, c.why) || (c.why == "") != (why == "") {
			t.Errorf("claim(%q) = %q, %q; want %q, %q", c.in, got, why, c.want, c.why)
		}
	}
	m := scope{}
	if got, why := m.claim("system", []string{"System"}); got != "system_" || why == "" {
		t.Errorf("a module called system: %q %q", got, why)
	}
}
