package analysis

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
)

// describe prints a condition for people.
func (c Cond) describe() string {
	if c.All {
		return "all objects"
	}
	name := c.Name
	if c.Rule != "" {
		name = fmt.Sprintf("%q", c.Rule)
	}
	if c.XPath == "" {
		return name
	}
	return name + " " + c.XPath
}

func describeAll(cs []Cond) string {
	if len(cs) == 0 {
		return "-"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.describe()
	}
	return strings.Join(parts, " OR ")
}

// condList is conditions in the shape of cli.md: {"all": true} when the
// right holds on every object, else {"rule": CAPTION_OR_NULL, "xpath":
// "…"} per rule (built-in rules carry their name and, when they have none,
// a null xpath); an empty list means no right.
type condList []any

type allCond struct {
	All bool `json:"all"`
}

type ruleCond struct {
	Rule  *string `json:"rule"`
	XPath *string `json:"xpath"`
}

func conds2JSON(cs []Cond) condList {
	out := make(condList, 0, len(cs))
	for _, c := range cs {
		if c.All {
			out = append(out, allCond{true})
			continue
		}
		var rc ruleCond
		switch {
		case c.Rule != "":
			rc.Rule = &c.Rule
		case c.Builtin:
			rc.Rule = &c.Name
		}
		if c.XPath != "" {
			rc.XPath = &c.XPath
		}
		out = append(out, rc)
	}
	return out
}

type jsonMember struct {
	Member string   `json:"member"`
	Read   condList `json:"read"`
	Write  condList `json:"write"`
}

type jsonEntity struct {
	Entity  string       `json:"entity"`
	Create  bool         `json:"create"`
	Delete  condList     `json:"delete"`
	Members []jsonMember `json:"members"`
}

type jsonRole struct {
	Name           string       `json:"name"`
	Anonymous      bool         `json:"anonymous"`
	ModuleRoles    []string     `json:"moduleRoles"`
	Manages        []string     `json:"manages"`
	ManagesNoRoles bool         `json:"managesUsersWithoutRoles"`
	Entities       []jsonEntity `json:"entities"`
	Pages          []string     `json:"pages"`
	Microflows     []string     `json:"microflows"`
}

// WriteJSON prints the overview as cli.md specifies (docs/governance.md
// has the schema).
func (ov *Overview) WriteJSON(w io.Writer) error {
	out := struct {
		App       string     `json:"app"`
		Level     string     `json:"securityLevel"`
		UserRoles []jsonRole `json:"userRoles"`
	}{App: ov.App, Level: string(ov.Level), UserRoles: []jsonRole{}}
	for _, r := range ov.UserRoles {
		jr := jsonRole{Name: r.Name, Anonymous: r.Anonymous, ModuleRoles: r.ModuleRoles, Manages: r.Manages, ManagesNoRoles: r.ManagesNoRoles, Entities: []jsonEntity{}, Pages: r.Pages, Microflows: r.Microflows}
		for _, e := range r.Entities {
			je := jsonEntity{Entity: e.Entity, Create: e.Create, Delete: conds2JSON(e.Delete), Members: make([]jsonMember, 0, len(e.Members))}
			for _, m := range e.Members {
				je.Members = append(je.Members, jsonMember{m.Member, conds2JSON(m.Read), conds2JSON(m.Write)})
			}
			jr.Entities = append(jr.Entities, je)
		}
		out.UserRoles = append(out.UserRoles, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ", ")
}

// manages lists whom a role manages, users without roles included.
func (r RoleOverview) manages() string {
	if !r.ManagesNoRoles {
		return list(r.Manages)
	}
	return strings.Join(append(slices.Clone(r.Manages), "users without roles"), ", ")
}

// WriteText prints the overview aligned for a terminal.
func (ov *Overview) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: security level %s\n", ov.App, ov.Level)
	for _, r := range ov.UserRoles {
		title := "User role " + r.Name
		if r.Anonymous {
			title += " (anonymous users)"
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		fmt.Fprintf(&b, "  module roles  %s\n", list(r.ModuleRoles))
		fmt.Fprintf(&b, "  manages       %s\n", r.manages())
		fmt.Fprintf(&b, "  pages         %s\n", list(r.Pages))
		fmt.Fprintf(&b, "  microflows    %s\n", list(r.Microflows))
		for _, e := range r.Entities {
			create := "no"
			if e.Create {
				create = "yes"
			}
			fmt.Fprintf(&b, "\n  %s\n    create  %s\n    delete  %s\n", e.Entity, create, describeAll(e.Delete))
			width := 0
			for _, m := range e.Members {
				width = max(width, len(m.Member))
			}
			for _, m := range e.Members {
				fmt.Fprintf(&b, "    %-*s  read   %s\n", width, m.Member, describeAll(m.Read))
				fmt.Fprintf(&b, "    %-*s  write  %s\n", width, "", describeAll(m.Write))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV prints one row per user role, entity and member.
func (ov *Overview) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"user_role", "entity", "member", "create", "delete", "read", "write"})
	for _, r := range ov.UserRoles {
		for _, e := range r.Entities {
			for _, m := range e.Members {
				cw.Write([]string{r.Name, e.Entity, m.Member, fmt.Sprint(e.Create), describeAll(e.Delete), describeAll(m.Read), describeAll(m.Write)})
			}
			if len(e.Members) == 0 {
				// An entity without members still has create and delete.
				cw.Write([]string{r.Name, e.Entity, "", fmt.Sprint(e.Create), describeAll(e.Delete), "-", "-"})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// WriteMarkdown prints a table per user role and entity.
func (ov *Overview) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Security overview of %s\n\nSecurity level: %s\n", mdEscape(ov.App), ov.Level)
	for _, r := range ov.UserRoles {
		fmt.Fprintf(&b, "\n## User role %s\n\n", mdEscape(r.Name))
		if r.Anonymous {
			b.WriteString("Anonymous users have this role.\n\n")
		}
		fmt.Fprintf(&b, "- Module roles: %s\n- Manages: %s\n- Pages: %s\n- Microflows: %s\n", mdEscape(list(r.ModuleRoles)), mdEscape(r.manages()), mdEscape(list(r.Pages)), mdEscape(list(r.Microflows)))
		for _, e := range r.Entities {
			create := "no"
			if e.Create {
				create = "yes"
			}
			fmt.Fprintf(&b, "\n### %s\n\nCreate: %s. Delete: %s.\n\n| member | read | write |\n|---|---|---|\n", mdEscape(e.Entity), create, mdEscape(describeAll(e.Delete)))
			for _, m := range e.Members {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(m.Member), mdEscape(describeAll(m.Read)), mdEscape(describeAll(m.Write)))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// The HTML report is one self-contained file: no scripts, no external
// assets, no inline style attributes. Its only style sheet is allowed by
// hash in its own Content-Security-Policy; under a stricter policy that
// blocks it, the page still reads well, since every mark is also text (the
// case of a letter, "all objects", "-").
const reportCSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.5rem}h2{margin-top:2.5rem;border-bottom:2px solid #d0d7de}table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}td.none{color:#8c959f}td.all{background:#ffe1cc;font-weight:600}td.some{background:#e3f0ff}table.matrix td{font-family:ui-monospace,monospace;text-align:center;white-space:nowrap}b.all{color:#bc4c00}i.some{color:#0550ae}.meta{color:#57606a}code{font-size:90%}`

// matrixCell summarizes a user role's rights on an entity as letters: C
// create; R, W, D read, write, delete on all objects; r, w, d only where
// constraints hold; "-" for a right the role does not have.
type matrixCell struct {
	Marks []matrixMark
	Empty bool // the role has no rules on the entity
}

type matrixMark struct {
	Letter string
	All    bool
	None   bool
}

type matrixRow struct {
	Entity string
	Cells  []matrixCell
}

// matrix lays out the at-a-glance table: entities in the order they first
// appear, one column per user role.
func (ov *Overview) matrix() []matrixRow {
	var rows []matrixRow
	index := map[string]int{}
	for ri, r := range ov.UserRoles {
		for _, e := range r.Entities {
			i, ok := index[e.Entity]
			if !ok {
				i = len(rows)
				index[e.Entity] = i
				cells := make([]matrixCell, len(ov.UserRoles))
				for k := range cells {
					cells[k].Empty = true
				}
				rows = append(rows, matrixRow{Entity: e.Entity, Cells: cells})
			}
			rows[i].Cells[ri] = summarize(e)
		}
	}
	return rows
}

func summarize(e EntityOverview) matrixCell {
	level := func(css [][]Cond) (all, some bool) {
		for _, cs := range css {
			if len(cs) > 0 && cs[0].All {
				return true, true
			}
			some = some || len(cs) > 0
		}
		return false, some
	}
	var reads, writes [][]Cond
	for _, m := range e.Members {
		reads, writes = append(reads, m.Read), append(writes, m.Write)
	}
	mark := func(letter string, all, some bool) matrixMark {
		switch {
		case all:
			return matrixMark{Letter: letter, All: true}
		case some:
			return matrixMark{Letter: strings.ToLower(letter)}
		}
		return matrixMark{Letter: "-", None: true}
	}
	c := matrixCell{}
	c.Marks = append(c.Marks, mark("C", e.Create, e.Create))
	ra, rs := level(reads)
	c.Marks = append(c.Marks, mark("R", ra, rs))
	wa, ws := level(writes)
	c.Marks = append(c.Marks, mark("W", wa, ws))
	da, ds := level([][]Cond{e.Delete})
	c.Marks = append(c.Marks, mark("D", da, ds))
	return c
}

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '{{.CSSHash}}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Security overview of {{.O.App}}</title>
<style>{{.CSS}}</style></head><body>
<h1>Security overview of {{.O.App}}</h1>
<p class="meta">Security level {{.O.Level}}. {{len .O.UserRoles}} user role(s).</p>
<h2 id="matrix">Entity access at a glance</h2>
<p class="meta">C: may create. R, W, D: may read, write (some member) or delete on all objects. r, w, d: only on the objects where the constraints of the role's rules hold. -: not at all. An empty cell: the role has no rules on the entity.</p>
<table class="matrix"><thead><tr><th>entity</th>{{range .O.UserRoles}}<th>{{.Name}}{{if .Anonymous}} (anonymous){{end}}</th>{{end}}</tr></thead><tbody>
{{range .Matrix}}<tr><th>{{.Entity}}</th>{{range .Cells}}<td>{{if not .Empty}}{{range $i, $m := .Marks}}{{if $i}} {{end}}{{if $m.All}}<b class="all">{{$m.Letter}}</b>{{else if $m.None}}{{$m.Letter}}{{else}}<i class="some">{{$m.Letter}}</i>{{end}}{{end}}{{end}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{range .O.UserRoles}}<h2>User role {{.Name}}{{if .Anonymous}} (anonymous users){{end}}</h2>
<p class="meta">Module roles: {{range $i, $m := .ModuleRoles}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.
Manages: {{range $i, $m := .Manages}}{{if $i}}, {{end}}{{$m}}{{end}}{{if .ManagesNoRoles}}{{if .Manages}}, {{end}}users without roles{{else if not .Manages}}-{{end}}.
Pages: {{range $i, $m := .Pages}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.
Microflows: {{range $i, $m := .Microflows}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.</p>
<table><thead><tr><th>entity</th><th>member</th><th>read</th><th>write</th><th>create</th><th>delete</th></tr></thead><tbody>
{{range .Entities}}{{$e := .}}{{range $i, $m := .Members}}<tr><td>{{if not $i}}{{$e.Entity}}{{end}}</td><td>{{$m.Member}}</td>{{template "cell" $m.Read}}{{template "cell" $m.Write}}<td>{{if not $i}}{{if $e.Create}}yes{{else}}no{{end}}{{end}}</td>{{if not $i}}{{template "cell" $e.Delete}}{{else}}<td></td>{{end}}</tr>
{{else}}<tr><td>{{$e.Entity}}</td><td></td><td class="none">-</td><td class="none">-</td><td>{{if $e.Create}}yes{{else}}no{{end}}</td>{{template "cell" $e.Delete}}</tr>
{{end}}{{end}}</tbody></table>
{{end}}</body></html>
{{define "cell"}}{{if not .}}<td class="none">-</td>{{else if (index . 0).All}}<td class="all">all objects</td>{{else}}<td class="some">{{range $i, $c := .}}{{if $i}}<br>or {{end}}{{if $c.Rule}}“{{$c.Rule}}”{{else}}{{$c.Name}}{{end}}{{if $c.XPath}} <code>{{$c.XPath}}</code>{{end}}{{end}}</td>{{end}}{{end}}`))

// WriteHTML prints the self-contained HTML report.
func (ov *Overview) WriteHTML(w io.Writer) error {
	sum := sha256.Sum256([]byte(reportCSS))
	return reportTmpl.Execute(w, map[string]any{
		"O":       ov,
		"Matrix":  ov.matrix(),
		"CSS":     template.CSS(reportCSS),
		"CSSHash": "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
	})
}

// Write prints the overview in a format: text, json, csv, md or html.
func (ov *Overview) Write(w io.Writer, format string) error {
	switch format {
	case "text", "":
		return ov.WriteText(w)
	case "json":
		return ov.WriteJSON(w)
	case "csv":
		return ov.WriteCSV(w)
	case "md":
		return ov.WriteMarkdown(w)
	case "html":
		return ov.WriteHTML(w)
	}
	return fmt.Errorf("unknown format %q: use text, json, csv, md or html", format)
}
