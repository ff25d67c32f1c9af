package diag

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestPos(t *testing.T) {
	for _, tc := range []struct {
		p    Pos
		want string
		zero bool
	}{
		{Pos{"app.yaml", 3, 7}, "app.yaml:3:7", false},
		{Pos{"modules/M.yaml", 1, 1}, "modules/M.yaml:1:1", false},
		{Pos{File: "app.yaml"}, "app.yaml", false},
		{Pos{}, "", true},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
		if tc.p.IsZero() != tc.zero {
			t.Errorf("%#v.IsZero() = %v", tc.p, !tc.zero)
		}
	}
}

func TestListAndText(t *testing.T) {
	var l List
	if l.HasErrors() {
		t.Error("empty list has errors")
	}
	l.Warnf(Pos{"app.yaml", 2, 3}, "RP0205", "sameSite %s", "None")
	if l.HasErrors() {
		t.Error("a warning is not an error")
	}
	l.Errorf(Pos{"app.yaml", 1, 1}, "RP0006", "needs %q", "name")
	if !l.HasErrors() {
		t.Error("HasErrors false")
	}
	want := []string{
		`app.yaml:2:3: warning RP0205: sameSite None`,
		`app.yaml:1:1: error RP0006: needs "name"`,
	}
	for i, d := range l {
		if d.String() != want[i] {
			t.Errorf("%d: %q, want %q", i, d.String(), want[i])
		}
	}
	var b bytes.Buffer
	if err := WriteText(&b, l.Sort()); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != want[1]+"\n"+want[0]+"\n" {
		t.Errorf("WriteText:\n%s", got)
	}
	b.Reset()
	if err := WriteText(&b, nil); err != nil || b.Len() != 0 {
		t.Errorf("a clean model prints nothing, got %q", b.String())
	}
}

func TestSort(t *testing.T) {
	d := func(file string, line, col int, code, msg string) Diagnostic {
		return Diagnostic{Pos{file, line, col}, Error, code, msg}
	}
	l := List{
		d("modules/B.yaml", 1, 1, "RP0001", "x"),
		d("app.yaml", 10, 2, "RP0002", "b"),
		d("app.yaml", 10, 2, "RP0002", "a"),
		d("app.yaml", 9, 30, "RP0003", "x"),
		d("app.yaml", 10, 1, "RP0009", "x"),
		d("app.yaml", 10, 2, "RP0001", "z"),
		d("modules/A.yaml", 5, 5, "RP0001", "x"),
		d("app.yaml", 10, 2, "RP0002", "a"),              // exact duplicate: dropped
		{Pos{"app.yaml", 10, 2}, Warning, "RP0002", "a"}, // differs in severity: kept
	}
	var got []string
	for _, x := range l.Sort() {
		got = append(got, x.Pos.String()+" "+x.Code+" "+x.Message)
	}
	want := []string{
		"app.yaml:9:30 RP0003 x",
		"app.yaml:10:1 RP0009 x",
		"app.yaml:10:2 RP0001 z",
		"app.yaml:10:2 RP0002 a",
		"app.yaml:10:2 RP0002 a",
		"app.yaml:10:2 RP0002 b",
		"modules/A.yaml:5:5 RP0001 x",
		"modules/B.yaml:1:1 RP0001 x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Sort:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func sample() List {
	var l List
	l.Errorf(Pos{"app.yaml", 4, 9}, "RP0107", "unknown module role Shop.Clark")
	l.Warnf(Pos{"app.yaml", 7, 5}, "RP0205", "sameSite None")
	l.Errorf(Pos{"modules/Shop.yaml", 12, 3}, "RP0107", "unknown module role Admn")
	return l
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Diagnostics []map[string]any `json:"diagnostics"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Diagnostics) != 3 {
		t.Fatalf("%d diagnostics", len(out.Diagnostics))
	}
	first := out.Diagnostics[0]
	want := map[string]any{"file": "app.yaml", "line": 4.0, "column": 9.0, "severity": "error", "code": "RP0107", "message": "unknown module role Shop.Clark"}
	if len(first) != len(want) {
		t.Errorf("keys %v", first)
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	if out.Diagnostics[1]["severity"] != "warning" {
		t.Errorf("severity %v", out.Diagnostics[1]["severity"])
	}

	b.Reset()
	if err := WriteJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil || string(raw["diagnostics"]) != "[]" {
		t.Errorf("empty list: %s", b.String())
	}
}

func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	describe := func(code string) string {
		if code == "RP0107" {
			return "An unknown module role"
		}
		return ""
	}
	if err := WriteSARIF(&b, sample(), "1.2.3", describe); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Rules   []struct {
						ID               string            `json:"id"`
						ShortDescription map[string]string `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string            `json:"ruleId"`
				RuleIndex int               `json:"ruleIndex"`
				Level     string            `json:"level"`
				Message   map[string]string `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || log.Schema == "" || len(log.Runs) != 1 {
		t.Fatalf("log header: %s", b.String())
	}
	run := log.Runs[0]
	if run.Tool.Driver.Version != "1.2.3" || run.Tool.Driver.Name == "" {
		t.Errorf("driver %+v", run.Tool.Driver)
	}
	// One rule per code, sorted; summaries where known.
	if len(run.Tool.Driver.Rules) != 2 || run.Tool.Driver.Rules[0].ID != "RP0107" || run.Tool.Driver.Rules[1].ID != "RP0205" {
		t.Fatalf("rules %+v", run.Tool.Driver.Rules)
	}
	if run.Tool.Driver.Rules[0].ShortDescription["text"] != "An unknown module role" || run.Tool.Driver.Rules[1].ShortDescription != nil {
		t.Errorf("descriptions %+v", run.Tool.Driver.Rules)
	}
	if len(run.Results) != 3 {
		t.Fatalf("%d results", len(run.Results))
	}
	r := run.Results[2]
	loc := r.Locations[0].PhysicalLocation
	if r.RuleID != "RP0107" || r.RuleIndex != 0 || r.Level != "error" || r.Message["text"] != "unknown module role Admn" ||
		loc.ArtifactLocation.URI != "modules/Shop.yaml" || loc.Region.StartLine != 12 || loc.Region.StartColumn != 3 {
		t.Errorf("result %+v", r)
	}
	if run.Results[1].Level != "warning" || run.Results[1].RuleIndex != 1 {
		t.Errorf("warning result %+v", run.Results[1])
	}

	// No diagnostics: empty lists, still a valid log.
	b.Reset()
	if err := WriteSARIF(&b, nil, "dev", describe); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"results": []`) || !strings.Contains(b.String(), `"rules": []`) {
		t.Errorf("empty log: %s", b.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	l := sample()
	if err := WriteText(failingWriter{}, l); err == nil {
		t.Error("WriteText ignores write errors")
	}
	if err := WriteJSON(failingWriter{}, l); err == nil {
		t.Error("WriteJSON ignores write errors")
	}
	if err := WriteSARIF(failingWriter{}, l, "dev", func(string) string { return "" }); err == nil {
		t.Error("WriteSARIF ignores write errors")
	}
}
