package model

import (
	"strings"
)

// Keys a later revision of model.md will define; until then a module may
// not hold them, and the message says so.
var laterKeys = map[string]string{
	"nanoflows": "nanoflows", "workflows": "workflows",
	"publishedServices": "published services", "odata": "published OData services", "rest": "published REST services",
}

func (l *loader) loadModule(file, fileName string, pf parsedFile) *Module {
	root := l.tree(pf)
	if root == nil {
		l.fail(fileName)
		return nil
	}
	d := l.decoder(file)
	m := &Module{File: d.file, Pos: root.pos}
	var named bool
	handlers := map[string]func(pair){
		"module": func(p pair) {
			m.Pos, named = p.keyPos, true
			if v, ok := d.nonEmpty(p.value); ok && v != fileName {
				// The module goes on under its file name, the name `modules`
				// in app.yaml and the loader use, so that references to it
				// are still checked.
				d.errorf(p.value.pos, CodeModuleFileName, "module %q is in modules/%s.yaml: the file name must equal the module name; rename the file to modules/%s.yaml, or write `module: %s`", v, fileName, v, fileName)
			}
		},
		"version":      func(p pair) { m.Version, _ = d.str(p.value) },
		"description":  func(p pair) { m.Description, _ = d.str(p.value) },
		"roles":        func(p pair) { l.moduleRoles(d, m, p.value) },
		"enumerations": func(p pair) { l.enumerations(d, m, p.value) },
		"entities":     func(p pair) { l.entities(d, m, p.value) },
		"associations": func(p pair) { l.associations(d, m, p.value) },
		"pages":        func(p pair) { l.pages(d, m, p.value) },
		"microflows":   func(p pair) { l.microflows(d, m, p.value) },
	}
	for k, what := range laterKeys {
		handlers[k] = func(p pair) {
			d.errorf(p.keyPos, CodeUnknownKey, "%s are not supported yet: remove the key %q from the module file", what, k)
		}
	}
	if root.kind != mapNode {
		d.wrongTypeOf(root, "a mapping with the key `module`")
		l.fail(fileName)
		return nil
	}
	m.Name = fileName
	d.fields(root, "a module file", handlers)
	if !named {
		d.required(root.pos, "module", "a module file")
	}
	d.validName(m.Name, m.Pos, "module")
	return m
}

// eachNamed walks a mapping of name -> definition, checking names.
func (d *decoder) eachNamed(n *node, what string, f func(name string, p pair)) {
	if n.kind != mapNode {
		if !n.isNull() {
			d.wrongType(n, "a mapping of "+what+" names")
		}
		return
	}
	for _, p := range n.pairs {
		if d.validName(p.key, p.keyPos, what) {
			f(p.key, p)
		}
	}
}

func (l *loader) moduleRoles(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "module role", func(name string, p pair) {
		r := &ModuleRole{Module: m, Name: name, Pos: p.keyPos}
		r.Description, _ = d.str(p.value)
		m.Roles = append(m.Roles, r)
	})
}

func (l *loader) enumerations(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "enumeration", func(name string, p pair) {
		e := &Enumeration{Module: m, Name: name, Pos: p.keyPos}
		addKey := func(key string, caption string, pos Pos) {
			if d.validName(key, pos, "enumeration key") {
				e.Values = append(e.Values, EnumValue{Key: key, Caption: caption, Pos: pos})
			}
		}
		switch p.value.kind {
		case seqNode:
			for _, it := range p.value.items {
				if k, ok := d.str(it); ok {
					addKey(k, k, it.pos)
				}
			}
		case mapNode:
			d.fields(p.value, "enumeration "+name, map[string]func(pair){
				"values": func(q pair) {
					if q.value.kind != mapNode {
						d.wrongType(q.value, "a mapping of key to caption")
						return
					}
					for _, kv := range q.value.pairs {
						c, _ := d.str(kv.value)
						addKey(kv.key, c, kv.keyPos)
					}
				},
			})
		default:
			d.wrongType(p.value, "a list of keys or a mapping with `values`")
		}
		if len(e.Values) == 0 {
			d.errorf(p.keyPos, CodeEnumValues, "enumeration %s has no values: give at least one key", name)
		}
		m.Enumerations = append(m.Enumerations, e)
	})
}

func (l *loader) entities(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "entity", func(name string, p pair) {
		e := &Entity{Module: m, Name: name, Pos: p.keyPos, Persistable: true}
		d.fields(p.value, "entity "+name, map[string]func(pair){
			"generalization": func(q pair) {
				if v, ok := d.str(q.value); ok && v != "" {
					e.GeneralizationName = &NameRef{v, q.value.pos}
				}
			},
			"persistable": func(q pair) {
				if v, ok := d.boolean(q.value); ok {
					e.Persistable = v
				}
			},
			"description": func(q pair) { d.str(q.value) },
			"system": func(q pair) {
				for _, s := range d.names(q.value, "system members") {
					switch s.Name {
					case "owner":
						e.System.Owner = true
					case "changedBy":
						e.System.ChangedBy = true
					case "createdDate":
						e.System.CreatedDate = true
					case "changedDate":
						e.System.ChangedDate = true
					default:
						d.errorf(s.Pos, CodeSystemMember, "unknown system member %q: use owner, changedBy, createdDate or changedDate", s.Name)
					}
				}
			},
			"attributes": func(q pair) { l.attributes(d, e, q.value) },
			"indexes": func(q pair) {
				d.list(q.value, "indexes", func(it *node) {
					e.Indexes = append(e.Indexes, Index{Members: d.names(it, "member names"), Pos: it.pos})
				})
			},
			"access": func(q pair) { l.accessRules(d, e, q.value) },
		})
		m.Entities = append(m.Entities, e)
	})
}

func (l *loader) attributes(d *decoder, e *Entity, n *node) {
	d.eachNamed(n, "attribute", func(name string, p pair) {
		a := &Attribute{Entity: e, Name: name, Pos: p.keyPos, Length: -1}
		var typed bool
		opts := map[string]Pos{}
		d.fields(p.value, "attribute "+name, map[string]func(pair){
			"type": func(q pair) {
				words := make([]string, len(AttrTypes))
				for i, t := range AttrTypes {
					words[i] = string(t)
				}
				if v, ok := d.oneOf(q.value, words...); ok {
					a.Type, typed = AttrType(v), true
				}
				typed = true
			},
			"length": func(q pair) {
				opts["length"] = q.keyPos
				if v, ok := d.integer(q.value, 0, 1<<30); ok {
					a.Length = v
				}
			},
			"required": func(q pair) { opts["required"] = q.keyPos; a.Required, _ = d.boolean(q.value) },
			"unique":   func(q pair) { opts["unique"] = q.keyPos; a.Unique, _ = d.boolean(q.value) },
			"default": func(q pair) {
				opts["default"] = q.keyPos
				a.Default, _ = d.scalar(q.value)
			},
			"enum": func(q pair) {
				opts["enum"] = q.keyPos
				if v, ok := d.str(q.value); ok && v != "" {
					a.EnumName = &NameRef{v, q.value.pos}
				}
			},
			"description": func(q pair) { a.Description, _ = d.str(q.value) },
		})
		if p.value.kind == mapNode && !typed {
			d.required(p.keyPos, "type", "attribute "+name)
		}
		if a.Type != "" {
			checkAttrOptions(d, a, opts)
		}
		if a.Length < 0 {
			a.Length = 0
			if a.Type == TypeString {
				a.Length = 200
			}
		}
		e.Attributes = append(e.Attributes, a)
	})
}

// checkAttrOptions reports options that the attribute's type does not take.
func checkAttrOptions(d *decoder, a *Attribute, opts map[string]Pos) {
	bad := func(opt, why string) {
		if why == "" {
			why = "; remove it"
		}
		if pos, ok := opts[opt]; ok {
			d.errorf(pos, CodeAttrOption, "attribute %s: `%s` is not allowed on a%s %s attribute%s", a.Name, opt, article(string(a.Type)), a.Type, why)
		}
	}
	if a.Type != TypeString {
		bad("length", "; only String has a length, remove it")
	}
	if a.Type != TypeEnumeration {
		bad("enum", "; only Enumeration names an enumeration, remove it or use `type: Enumeration`")
	} else if a.EnumName == nil {
		d.errorf(a.Pos, CodeEnumRequired, "attribute %s is an Enumeration: name its enumeration with `enum`", a.Name)
	}
	switch a.Type {
	case TypeBoolean, TypeBinary, TypeHashString:
		if a.Unique {
			bad("unique", "")
		}
	}
	switch a.Type {
	case TypeAutoNumber, TypeHashString, TypeBinary:
		bad("default", "")
	}
}

func article(word string) string {
	if strings.ContainsRune("AEIOU", rune(word[0])) {
		return "n"
	}
	return ""
}

func (l *loader) associations(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "association", func(name string, p pair) {
		a := &Association{Module: m, Name: name, Pos: p.keyPos, Type: Reference, OnDelete: DeleteKeep}
		var hasFrom, hasTo bool
		d.fields(p.value, "association "+name, map[string]func(pair){
			"from": func(q pair) {
				v, _ := d.nonEmpty(q.value)
				a.FromName, hasFrom = NameRef{v, q.value.pos}, true
			},
			"to": func(q pair) {
				v, _ := d.nonEmpty(q.value)
				a.ToName, hasTo = NameRef{v, q.value.pos}, true
			},
			"type": func(q pair) {
				if v, ok := d.oneOf(q.value, "Reference", "ReferenceSet"); ok {
					a.Type = AssocType(v)
				}
			},
			"onDelete": func(q pair) {
				if v, ok := d.oneOf(q.value, "keep", "prevent", "cascade"); ok {
					a.OnDelete = OnDelete(v)
				}
			},
			"description": func(q pair) { d.str(q.value) },
		})
		if p.value.kind != mapNode {
			return
		}
		if !hasFrom {
			d.required(p.keyPos, "from", "association "+name)
		}
		if !hasTo {
			d.required(p.keyPos, "to", "association "+name)
		}
		if a.Type == ReferenceSet && a.OnDelete == DeleteCascade {
			d.errorf(p.keyPos, CodeCascadeSet, "association %s.%s: onDelete cascade is not allowed on a ReferenceSet; use keep or prevent", m.Name, name)
		}
		m.Associations = append(m.Associations, a)
	})
}

func (l *loader) accessRules(d *decoder, e *Entity, n *node) {
	d.list(n, "access rules", func(it *node) {
		r := &AccessRule{Entity: e, Index: len(e.Access), Pos: it.pos}
		var hasDefault bool
		before := len(*d.diags)
		d.fields(it, "an access rule", map[string]func(pair){
			"roles":   func(q pair) { r.RoleNames = d.names(q.value, "module roles") },
			"caption": func(q pair) { r.Caption, _ = d.str(q.value) },
			"create":  func(q pair) { r.Create, _ = d.boolean(q.value) },
			"delete":  func(q pair) { r.Delete, _ = d.boolean(q.value) },
			"xpath": func(q pair) {
				if s, ok := d.scalar(q.value); ok && s.Text != "" {
					r.XPath = s
				}
			},
			"members": func(q pair) {
				if q.value.kind != mapNode {
					if !q.value.isNull() {
						d.wrongType(q.value, "a mapping of member to None, ReadOnly or ReadWrite")
					}
					return
				}
				for _, mp := range q.value.pairs {
					d.key = mp.key
					acc, ok := d.access(mp.value)
					d.key = q.key
					if !ok {
						continue
					}
					if mp.key == "*" {
						if hasDefault {
							d.errorf(mp.keyPos, CodeRuleDefaultTwice, "both `defaultMemberAccess` and \"*\" are given; keep one of them")
						}
						hasDefault, r.DefaultMemberAccess, r.DefaultPos = true, acc, mp.keyPos
						continue
					}
					r.Members = append(r.Members, MemberAccess{Name: mp.key, Access: acc, Pos: mp.keyPos})
				}
			},
			"defaultMemberAccess": func(q pair) {
				acc, ok := d.access(q.value)
				if !ok {
					return
				}
				if hasDefault {
					d.errorf(q.keyPos, CodeRuleDefaultTwice, "both `defaultMemberAccess` and \"*\" are given; keep one of them")
				}
				hasDefault, r.DefaultMemberAccess, r.DefaultPos = true, acc, q.keyPos
			},
		})
		r.unsure = len(*d.diags) > before
		if it.kind == mapNode {
			e.Access = append(e.Access, r)
		}
	})
}

func (d *decoder) access(n *node) (Access, bool) {
	v, ok := d.oneOf(n, "None", "ReadOnly", "ReadWrite")
	if !ok {
		return None, false
	}
	return map[string]Access{"None": None, "ReadOnly": ReadOnly, "ReadWrite": ReadWrite}[v], true
}

func (l *loader) pages(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "page", func(name string, p pair) {
		pg := &Page{Module: m, Name: name, Pos: p.keyPos}
		kinds := 0
		d.fields(p.value, "page "+name, map[string]func(pair){
			"title": func(q pair) { pg.Title, _ = d.str(q.value) },
			"allowedRoles": func(q pair) {
				before := len(*d.diags)
				pg.AllowedRoleNames = d.names(q.value, "module roles")
				pg.unsure = len(*d.diags) > before
			},
			"url": func(q pair) {
				pg.URL, _ = d.str(q.value)
				pg.URLPos = q.value.pos
			},
			"list": func(q pair) {
				kinds++
				lp := &ListPage{}
				var hasEntity bool
				d.fields(q.value, "the list of page "+name, map[string]func(pair){
					"entity": func(r pair) { v, _ := d.nonEmpty(r.value); lp.EntityName, hasEntity = NameRef{v, r.value.pos}, true },
					"xpath": func(r pair) {
						if s, ok := d.scalar(r.value); ok && s.Text != "" {
							lp.XPath = s
						}
					},
					"sort": func(r pair) {
						for _, s := range d.names(r.value, "members") {
							k := SortKey{Member: s}
							if rest, ok := strings.CutPrefix(s.Name, "-"); ok {
								k.Member.Name, k.Descending = rest, true
							}
							lp.Sort = append(lp.Sort, k)
						}
					},
					"columns": func(r pair) { lp.Columns = d.names(r.value, "members or paths") },
					"search":  func(r pair) { lp.Search = d.names(r.value, "String members") },
					"open":    func(r pair) { lp.Open = d.pageRef(r.value) },
					"new":     func(r pair) { lp.New = d.pageRef(r.value) },
				})
				if !hasEntity && q.value.kind == mapNode {
					d.required(q.keyPos, "entity", "the list of page "+name)
				}
				pg.List = lp
			},
			"form": func(q pair) {
				kinds++
				fp := &FormPage{}
				var hasEntity bool
				d.fields(q.value, "the form of page "+name, map[string]func(pair){
					"entity":  func(r pair) { v, _ := d.nonEmpty(r.value); fp.EntityName, hasEntity = NameRef{v, r.value.pos}, true },
					"fields":  func(r pair) { fp.Fields = d.names(r.value, "members") },
					"actions": func(r pair) { fp.Actions = d.names(r.value, "actions") },
				})
				if !hasEntity && q.value.kind == mapNode {
					d.required(q.keyPos, "entity", "the form of page "+name)
				}
				pg.Form = fp
			},
		})
		if kinds > 1 {
			d.errorf(p.keyPos, CodePageKind, "page %s.%s has both `list` and `form`; a page is one or the other, so remove one", m.Name, name)
			pg.Form = nil
		}
		m.Pages = append(m.Pages, pg)
	})
}

func (d *decoder) pageRef(n *node) *PageRef {
	if v, ok := d.str(n); ok && v != "" {
		return &PageRef{Name: v, Pos: n.pos}
	}
	return nil
}

func (l *loader) microflows(d *decoder, m *Module, n *node) {
	d.eachNamed(n, "microflow", func(name string, p pair) {
		mf := &Microflow{Module: m, Name: name, Pos: p.keyPos}
		d.fields(p.value, "microflow "+name, map[string]func(pair){
			"allowedRoles":      func(q pair) { mf.AllowedRoleNames = d.names(q.value, "module roles") },
			"applyEntityAccess": func(q pair) { mf.ApplyEntityAccess, _ = d.boolean(q.value) },
			"url": func(q pair) {
				mf.URL, _ = d.str(q.value)
				mf.URLPos = q.value.pos
			},
			"description": func(q pair) { d.str(q.value) },
			"parameters": func(q pair) {
				d.eachNamed(q.value, "parameter", func(pn string, r pair) {
					v, _ := d.str(r.value)
					mf.Parameters = append(mf.Parameters, Parameter{Name: pn, TypeName: NameRef{v, r.value.pos}, Pos: r.keyPos})
				})
			},
		})
		m.Microflows = append(m.Microflows, mf)
	})
}
