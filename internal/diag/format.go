package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/rampart/rampart/internal/sarif"
)

// WriteText prints one line per diagnostic: FILE:LINE:COL: SEVERITY CODE: message.
func WriteText(w io.Writer, l List) error {
	for _, d := range l {
		if _, err := fmt.Fprintln(w, d.String()); err != nil {
			return err
		}
	}
	return nil
}

type jsonDiag struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// WriteJSON prints {"diagnostics": [...]}.
func WriteJSON(w io.Writer, l List) error {
	out := struct {
		Diagnostics []jsonDiag `json:"diagnostics"`
	}{Diagnostics: []jsonDiag{}}
	for _, d := range l {
		out.Diagnostics = append(out.Diagnostics, jsonDiag{d.Pos.File, d.Pos.Line, d.Pos.Col, d.Severity, d.Code, d.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteSARIF prints a SARIF 2.1.0 log; describe gives each code's summary.
func WriteSARIF(w io.Writer, l List, version string, describe func(code string) string) error {
	var codes []string
	for _, d := range l {
		if !slices.Contains(codes, d.Code) {
			codes = append(codes, d.Code)
		}
	}
	slices.Sort(codes)
	run := sarif.Run{
		Tool:    sarif.Tool{Driver: sarif.Driver{Name: "rampart check", Version: version, Rules: []sarif.Rule{}}},
		Results: []sarif.Result{},
	}
	for _, c := range codes {
		r := sarif.Rule{ID: c}
		if s := describe(c); s != "" {
			r.ShortDescription = &sarif.Message{Text: s}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	for _, d := range l {
		run.Results = append(run.Results, sarif.Result{
			RuleID:    d.Code,
			RuleIndex: slices.Index(codes, d.Code),
			Level:     string(d.Severity),
			Message:   sarif.Message{Text: d.Message},
			Locations: []sarif.Location{sarif.NewLocation(d.Pos.File, d.Pos.Line, d.Pos.Col)},
		})
	}
	log := &sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}
	return log.Write(w)
}
