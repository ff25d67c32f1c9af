package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/sarif"
)

// WriteFindingsText prints one finding per line, then its remedy.
func WriteFindingsText(w io.Writer, fs []Finding) error {
	for _, f := range fs {
		if _, err := fmt.Fprintf(w, "%s: %s %s %s: %s\n    fix: %s\n", f.Pos, f.Severity, f.Rule.ID, f.Rule.Name, f.Message, f.Remedy); err != nil {
			return err
		}
	}
	return nil
}

// WriteFindingsJSON prints {"findings": [...]} as cli.md specifies.
func WriteFindingsJSON(w io.Writer, fs []Finding) error {
	type jf struct {
		Rule     string `json:"rule"`
		Name     string `json:"name"`
		Severity string `json:"severity"`
		File     string `json:"file"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Message  string `json:"message"`
		Remedy   string `json:"remedy"`
	}
	out := struct {
		Findings []jf `json:"findings"`
	}{Findings: []jf{}}
	for _, f := range fs {
		out.Findings = append(out.Findings, jf{f.Rule.ID, f.Rule.Name, f.Severity.String(), f.Pos.File, f.Pos.Line, f.Pos.Col, f.Message, f.Remedy})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// sarifLevel maps severities to SARIF levels: critical and high are
// errors, medium warnings, low notes.
func sarifLevel(s Severity) string {
	switch s {
	case Critical, High:
		return "error"
	case Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub code scanning reads from
// a rule's properties.
func securitySeverity(s Severity) string {
	switch s {
	case Critical:
		return "9.5"
	case High:
		return "8.0"
	case Medium:
		return "5.5"
	}
	return "2.0"
}

// WriteFindingsSARIF prints a SARIF 2.1.0 log declaring every rule.
func WriteFindingsSARIF(w io.Writer, fs []Finding, version string) error {
	driver := sarif.Driver{Name: "rampart lint", Version: version, InformationURI: "https://github.com/rampart/rampart/blob/main/docs/governance.md", Rules: []sarif.Rule{}}
	for _, r := range Rules {
		driver.Rules = append(driver.Rules, sarif.Rule{
			ID: r.ID, Name: r.Name,
			ShortDescription:     &sarif.Message{Text: r.Summary},
			FullDescription:      &sarif.Message{Text: r.Help},
			Help:                 &sarif.Message{Text: r.Help + " See docs/governance.md#" + strings.ToLower(r.ID) + "."},
			DefaultConfiguration: &sarif.Configuration{Level: sarifLevel(r.Max)},
			Properties: map[string]any{
				"tags":     []string{"security"},
				"severity": r.Max.String(),
				// GitHub code scanning ranks security alerts by this score
				// (critical 9.0 and above, high 7.0, medium 4.0, low 0.1).
				"security-severity": securitySeverity(r.Max),
			},
		})
	}
	run := sarif.Run{Tool: sarif.Tool{Driver: driver}, Results: []sarif.Result{}}
	for _, f := range fs {
		run.Results = append(run.Results, sarif.Result{
			RuleID:     f.Rule.ID,
			RuleIndex:  slices.Index(Rules, f.Rule),
			Level:      sarifLevel(f.Severity),
			Message:    sarif.Message{Text: f.Message + " Fix: " + f.Remedy},
			Locations:  []sarif.Location{sarif.NewLocation(f.Pos.File, f.Pos.Line, f.Pos.Col)},
			Properties: map[string]any{"severity": f.Severity.String(), "remedy": f.Remedy},
		})
	}
	log := &sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}
	return log.Write(w)
}
