package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// runCmd runs the command line in-process and returns the exit code and
// what it wrote.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// brokenDir is a golden case of the model loader; its want.txt is the
// exact text output of `rampart check`.
func brokenDir(name string) string {
	return filepath.Join("..", "..", "internal", "model", "testdata", "broken", name)
}

// envFree lists the golden cases whose files name no environment variable,
// so that the output of `check` does not depend on this process's
// environment.
func envFree(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(brokenDir("*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	var out []string
	for _, d := range dirs {
		uses := false
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".yaml") {
				b, _ := os.ReadFile(p)
				uses = uses || bytes.Contains(b, []byte("${"))
			}
			return nil
		})
		if !uses {
			out = append(out, d)
		}
	}
	return out
}

func TestInitThenCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	code, out, errOut := runCmd(t, "init", dir)
	if code != 0 || errOut != "" || !strings.Contains(out, dir) {
		t.Fatalf("init: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, f := range []string{"app.yaml", "modules/Expenses.yaml", "modules/Administration.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not write %s: %v", f, err)
		}
	}
	for _, format := range []string{"text", "json", "sarif"} {
		code, out, errOut = runCmd(t, "check", dir, "--format", format)
		if code != 0 || errOut != "" {
			t.Fatalf("check --format %s: exit %d, stderr %q, stdout %q", format, code, errOut, out)
		}
		if format == "text" && out != "" {
			t.Errorf("check of the example app printed %q; a clean model prints nothing", out)
		}
	}
	// The app defaults to the current directory.
	t.Chdir(dir)
	if code, out, errOut := runCmd(t, "check"); code != 0 || out != "" || errOut != "" {
		t.Errorf("check in the app directory: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestInitIntoEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCmd(t, "init", dir); code != 0 {
		t.Fatalf("init into an empty directory: exit %d, %s", code, errOut)
	}
	if code, out, _ := runCmd(t, "check", dir); code != 0 || out != "" {
		t.Errorf("check: exit %d, %q", code, out)
	}
}

func TestInitNonEmpty(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "init", dir)
	if code != 2 || out != "" || !strings.Contains(errOut, "not empty") {
		t.Fatalf("init into a non-empty dir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.yaml")); err == nil {
		t.Error("init wrote into a non-empty directory")
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Error("init changed an existing file")
	}
}

// TestCheckBroken: check prints the golden output of each case and exits 1
// when there are errors (0 when there are only warnings).
func TestCheckBroken(t *testing.T) {
	dirs := envFree(t)
	if len(dirs) < 40 {
		t.Fatalf("only %d golden cases without environment variables", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
			if err != nil {
				t.Fatal(err)
			}
			wantCode := 0
			if strings.Contains(string(want), ": error RP") {
				wantCode = 1
			}
			code, out, errOut := runCmd(t, "check", dir)
			if code != wantCode || errOut != "" {
				t.Errorf("exit %d (want %d), stderr %q", code, wantCode, errOut)
			}
			if out != string(want) {
				t.Errorf("stdout\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestCheckUnreadable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	code, out, errOut := runCmd(t, "check", missing)
	if code != 2 || out != "" || !strings.HasPrefix(errOut, "rampart: ") || !strings.Contains(errOut, missing) {
		t.Errorf("missing dir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	empty := t.TempDir()
	code, out, errOut = runCmd(t, "check", empty)
	if code != 2 || out != "" || !strings.Contains(errOut, "app.yaml") {
		t.Errorf("dir without app.yaml: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	file := filepath.Join(t.TempDir(), "app.yaml")
	os.WriteFile(file, []byte("name: X\n"), 0o644)
	code, out, errOut = runCmd(t, "check", file)
	if code != 2 || out != "" || errOut == "" {
		t.Errorf("a file, not a dir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		locked := t.TempDir()
		os.WriteFile(filepath.Join(locked, "app.yaml"), []byte("name: X\n"), 0o000)
		code, out, errOut = runCmd(t, "check", locked)
		if code != 2 || out != "" || errOut == "" {
			t.Errorf("unreadable app.yaml: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	}
}

type jsonOutput struct {
	Diagnostics []struct {
		File     string `json:"file"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	} `json:"diagnostics"`
}

var textLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (error|warning) (RP\d{4}): (.*)$`)

func TestCheckJSON(t *testing.T) {
	for _, name := range []string{"check_column", "samesite_none", "page_columns"} {
		dir := brokenDir(name)
		_, text, _ := runCmd(t, "check", dir)
		code, out, errOut := runCmd(t, "check", "--format", "json", dir)
		if code != 1 && name != "samesite_none" || errOut != "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
		var got jsonOutput
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(got.Diagnostics) != len(lines) {
			t.Fatalf("%s: %d diagnostics in JSON, %d lines of text", name, len(got.Diagnostics), len(lines))
		}
		for i, d := range got.Diagnostics {
			m := textLine.FindStringSubmatch(lines[i])
			if m == nil {
				t.Fatalf("bad text line %q", lines[i])
			}
			if d.File != m[1] || strconv.Itoa(d.Line) != m[2] || strconv.Itoa(d.Column) != m[3] || d.Severity != m[4] || d.Code != m[5] || d.Message != m[6] {
				t.Errorf("%s: JSON %+v does not match text %q", name, d, lines[i])
			}
		}
	}

	// A clean model gives an empty list, not null.
	dir := filepath.Join(t.TempDir(), "app")
	runCmd(t, "init", dir)
	code, out, _ := runCmd(t, "check", "--format=json", dir)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil || code != 0 || string(raw["diagnostics"]) != "[]" {
		t.Errorf("clean model: exit %d, %q", code, out)
	}
}

type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription *struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
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

func TestCheckSARIF(t *testing.T) {
	dir := brokenDir("page_columns")
	_, text, _ := runCmd(t, "check", dir)
	code, out, errOut := runCmd(t, "check", dir, "--format", "sarif")
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif") || len(log.Runs) != 1 {
		t.Fatalf("version %q schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	r := log.Runs[0]
	if r.Tool.Driver.Name == "" {
		t.Error("no tool name")
	}
	rules := map[string]int{}
	for i, rule := range r.Tool.Driver.Rules {
		rules[rule.ID] = i
		if rule.ShortDescription == nil || rule.ShortDescription.Text == "" {
			t.Errorf("rule %s has no description", rule.ID)
		}
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(r.Results) != len(lines) {
		t.Fatalf("%d results, %d text lines", len(r.Results), len(lines))
	}
	for i, res := range r.Results {
		m := textLine.FindStringSubmatch(lines[i])
		idx, ok := rules[res.RuleID]
		if !ok || idx != res.RuleIndex {
			t.Errorf("result %d: ruleId %s index %d not among the rules", i, res.RuleID, res.RuleIndex)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(res.Locations))
		}
		loc := res.Locations[0].PhysicalLocation
		if res.RuleID != m[5] || res.Level != m[4] || res.Message.Text != m[6] || loc.ArtifactLocation.URI != m[1] ||
			strconv.Itoa(loc.Region.StartLine) != m[2] || strconv.Itoa(loc.Region.StartColumn) != m[3] {
			t.Errorf("result %d %+v does not match %q", i, res, lines[i])
		}
	}

	// Warnings are SARIF level "warning".
	_, out, _ = runCmd(t, "check", brokenDir("samesite_none"), "--format", "sarif")
	log = sarifLog{}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs[0].Results) != 1 || log.Runs[0].Results[0].Level != "warning" {
		t.Errorf("warning: %s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--format", "xml", "."},
		{"check", "--format"},
		{"check", "a", "b"},
		{"check", "--no-such-flag"},
		{"init"},
		{"init", "a", "b"},
		{"version", "extra"},
		{"frobnicate"},
	} {
		code, out, errOut := runCmd(t, args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "rampart: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	_, _, errOut := runCmd(t, "check", "--format", "xml", brokenDir("check_column"))
	if !strings.Contains(errOut, `"xml"`) || !strings.Contains(errOut, "text, json or sarif") {
		t.Errorf("unknown format message %q", errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, errOut := runCmd(t, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var lines []string
	for sc := bufio.NewScanner(strings.NewReader(out)); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "rampart ") || lines[1] != "go "+runtime.Version() || !strings.HasPrefix(lines[2], "commit ") {
		t.Errorf("version printed %q", out)
	}
}

// run refuses, with exit 2 and the cause on stderr, an app it cannot read.
func TestRunUnreadableApp(t *testing.T) {
	for _, args := range [][]string{{"run", t.TempDir()}, {"run", "some/app"}} {
		code, out, errOut := runCmd(t, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "rampart:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestHelp(t *testing.T) {
	cmds := []string{""}
	for _, c := range newRootCmd().Commands() {
		if c.Name() != "help" {
			cmds = append(cmds, c.Name())
		}
	}
	for _, want := range []string{"init", "check", "run", "version"} {
		if !strings.Contains(strings.Join(cmds, " "), want) {
			t.Errorf("no command %s", want)
		}
	}
	for _, name := range cmds {
		args := []string{"--help"}
		if name != "" {
			args = []string{name, "--help"}
		}
		for _, a := range [][]string{args, append([]string{"help"}, strings.Fields(name)...)} {
			code, out, errOut := runCmd(t, a...)
			if code != 0 || errOut != "" || !strings.Contains(out, "Usage:") {
				t.Errorf("%q: exit %d, stderr %q, stdout %q", a, code, errOut, out)
			}
			if name != "" && !strings.Contains(out, "rampart "+name) {
				t.Errorf("%q: help does not show the command's usage: %q", a, out)
			}
		}
	}
	if _, out, _ := runCmd(t, "check", "-h"); !strings.Contains(out, "--format") {
		t.Errorf("check -h does not mention --format: %q", out)
	}
}
