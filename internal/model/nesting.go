package model

// maxNesting bounds how deeply lists and mappings nest in one line of flow
// style ([ and {) or of dashes ("- - -"). The YAML library's work grows with
// the square of that depth, so a hostile file could make it spin for
// minutes; a model nests a few levels.
const maxNesting = 100

// tooDeep finds where flow collections, or block sequences started on one
// line, nest more than maxNesting levels, before the YAML library sees the
// file. It skips comments and quoted scalars, and counts a bracket in block
// context only where a value starts, so that text may hold any brackets.
func tooDeep(src []byte) (line, col int, deep bool) {
	line, col = 1, 0
	depth := 0     // open flow collections
	dashes := 0    // "- " items started on this line
	var prev byte  // last non-blank byte on this line, 0 at its start
	var quote byte // the open quote, 0 outside quoted scalars
	comment := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		col++
		if c == '\n' {
			line, col, prev, dashes, comment = line+1, 0, 0, 0, false
			continue
		}
		switch {
		case comment:
			continue
		case quote == '"':
			if c == '\\' && i+1 < len(src) && src[i+1] != '\n' {
				i++
				col++
			} else if c == '"' {
				quote = 0
			}
			continue
		case quote == '\'':
			if c == '\'' && i+1 < len(src) && src[i+1] == '\'' {
				i++
				col++
			} else if c == '\'' {
				quote = 0
			}
			continue
		}
		valueStart := prev == 0 || prev == ':' || prev == '-' || prev == '?' || depth > 0 && (prev == '[' || prev == '{' || prev == ',')
		switch c {
		case ' ', '\t', '\r':
			continue
		case '#':
			if i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n' {
				comment = true
				continue
			}
		case '"', '\'':
			if valueStart {
				quote = c
			}
		case '[', '{':
			if depth > 0 || valueStart {
				depth++
				if depth > maxNesting {
					return line, col, true
				}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '-':
			if depth == 0 && (prev == 0 || prev == '-') && (i+1 == len(src) || src[i+1] == ' ' || src[i+1] == '\n') {
				dashes++
				if dashes > maxNesting {
					return line, col, true
				}
			}
		}
		prev = c
	}
	return 0, 0, false
}
