package analysis

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
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

// condJSON is the condition shape of cli.md.
func condJSON(cs []Cond) []any {
	out := []any{}
	for _, c := range cs {
		if c.All {
			out = append(out, map[string]any{"all": true})
			continue
		}
		var rule, xp any
		if c.Rule != "" {
			rule = c.Rule
		} else if c.Builtin {
			rule = c.Name
		}
		if c.XPath != "" {
			xp = c.XPath
		}
		out = append(out, map[string]any{"rule": rule, "xpath": xp})
	}
	return out
}

// WriteJSON prints the overview as cli.md specifies.
func (ov *Overview) WriteJSON(w io.Writer) error {
	roles := []any{}
	for _, r := range ov.UserRoles {
		ents := []any{}
		for _, e := range r.Entities {
			mems := []any{}
			for _, m := range e.Members {
				mems = append(mems, map[string]any{"member": m.Member, "read": condJSON(m.Read), "write": condJSON(m.Write)})
			}
			ents = append(ents, map[string]any{"entity": e.Entity, "create": e.Create, "delete": condJSON(e.Delete), "members": mems})
		}
		roles = append(roles, map[string]any{"name": r.Name, "anonymous": r.Anonymous, "moduleRoles": r.ModuleRoles, "manages": r.Manages, "entities": ents, "pages": r.Pages, "microflows": r.Microflows})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"app": ov.App, "securityLevel": ov.Level, "userRoles": roles})
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "-"
	}
	return strings.Join(xs, ", ")
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
		fmt.Fprintf(&b, "  manages       %s\n", list(r.Manages))
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
		fmt.Fprintf(&b, "- Module roles: %s\n- Manages: %s\n- Pages: %s\n- Microflows: %s\n", mdEscape(list(r.ModuleRoles)), mdEscape(list(r.Manages)), mdEscape(list(r.Pages)), mdEscape(list(r.Microflows)))
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

// The HTML report is one self-contained file. Its only style sheet is
// allowed by hash in its own Content-Security-Policy, so it also renders
// when served under a strict policy that forbids inline styles.
const reportCSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.5rem}h2{margin-top:2.5rem;border-bottom:2px solid #d0d7de}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}td.none{color:#8c959f}td.all{background:#fff1e5;font-weight:600}td.some{background:#eef6ff}.meta{color:#57606a}`

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '{{.CSSHash}}'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Security overview of {{.O.App}}</title>
<style>{{.CSS}}</style></head><body>
<h1>Security overview of {{.O.App}}</h1>
<p class="meta">Security level {{.O.Level}}. Orange cells hold for all objects, blue cells only under the constraints shown, grey cells never.</p>
{{range .O.UserRoles}}<h2>User role {{.Name}}{{if .Anonymous}} (anonymous users){{end}}</h2>
<p class="meta">Module roles: {{range $i, $m := .ModuleRoles}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.
Manages: {{range $i, $m := .Manages}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.
Pages: {{range $i, $m := .Pages}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.
Microflows: {{range $i, $m := .Microflows}}{{if $i}}, {{end}}{{$m}}{{else}}-{{end}}.</p>
<table><thead><tr><th>entity</th><th>member</th><th>read</th><th>write</th><th>create</th><th>delete</th></tr></thead><tbody>
{{range .Entities}}{{$e := .}}{{range $i, $m := .Members}}<tr><td>{{if not $i}}{{$e.Entity}}{{end}}</td><td>{{$m.Member}}</td>{{template "cell" $m.Read}}{{template "cell" $m.Write}}<td>{{if not $i}}{{if $e.Create}}yes{{else}}no{{end}}{{end}}</td>{{if not $i}}{{template "cell" $e.Delete}}{{else}}<td></td>{{end}}</tr>
{{end}}{{end}}</tbody></table>
{{end}}</body></html>
{{define "cell"}}{{if not .}}<td class="none">-</td>{{else if (index . 0).All}}<td class="all">all objects</td>{{else}}<td class="some">{{range $i, $c := .}}{{if $i}}<br>or {{end}}{{if $c.Rule}}“{{$c.Rule}}” {{else}}{{$c.Name}} {{end}}<code>{{$c.XPath}}</code>{{end}}</td>{{end}}{{end}}`))

// WriteHTML prints the self-contained HTML report.
func (ov *Overview) WriteHTML(w io.Writer) error {
	sum := sha256.Sum256([]byte(reportCSS))
	return reportTmpl.Execute(w, map[string]any{
		"O":       ov,
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
