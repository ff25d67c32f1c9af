package mendix

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/rampart/rampart/internal/diag"
	"github.com/rampart/rampart/internal/model"
)

// converter reads a project into the importer's types.
type converter struct {
	p     *Project
	lang  string // language of captions and titles
	notes []note

	modules  []*module // the project's modules, sorted by Rampart name
	sys      *module   // Rampart's System module
	modNames scope

	entByOrig   map[string]*entity
	entByID     map[string]*entity
	attrByID    map[string]*attr
	attrByOrig  map[string]*attr // Module.Entity.Attribute
	assocByOrig map[string]*assoc
	enumByOrig  map[string]*enum
	roleByOrig  map[string]*role
	pageByOrig  map[string]*page

	userRoles      []*userRole
	userRoleByOrig map[string]*userRole

	settings settings
	sec      securitySettings
	nav      navigation

	// Project-level parts that are not converted: kind -> names.
	skipped map[string][]string
	stats   Summary

	// Positions in app.yaml.
	appPos, secPos, hashPos, adminPos, anonPos, navPos, skipPos diag.Pos
}

type settings struct {
	hash           string // Mendix name
	bcryptCost     int64
	multipleLogins bool
	multipleSet    bool
	timeZone       string
	urlPrefix      string
}

type securitySettings struct {
	found           bool
	level           string
	checkSecurity   bool
	strictMode      bool
	adminName       string
	adminRole       *userRole
	adminRoleName   string
	adminPassword   bool
	guest           bool
	guestRole       *userRole
	guestRoleName   string
	demoEnabled     bool
	demoUsers       []*demoUser
	minLength       int64
	requireDigit    bool
	requireMixed    bool
	requireSymbol   bool
	hasPolicy       bool
	fileAccessRules int
}

type navigation struct {
	found     bool
	home      *page
	roleHomes []roleHome
	menu      []*menuItem
}

type roleHome struct {
	role *userRole
	page *page
}

// noteAt records a warning about the element whose position at will hold.
func (c *converter) noteAt(at *diag.Pos, code, format string, args ...any) {
	c.notes = append(c.notes, note{at: at, code: code, msg: fmt.Sprintf(format, args...)})
}

// scope hands out names that are valid, not reserved and unique ignoring
// case within one scope.
type scope map[string]bool

var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedMembers are the member names model.md keeps for itself.
var reservedMembers = []string{"id", "createdDate", "changedDate", "and", "or", "not", "empty", "NULL", "true", "false"}

// claim returns the Rampart name for a Mendix name, and why it differs
// ("" when it does not).
func (s scope) claim(orig string, reserved []string) (string, string) {
	name, why := orig, ""
	if !nameRe.MatchString(name) {
		var b strings.Builder
		for i, r := range name {
			switch {
			case r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
				b.WriteRune(r)
			case r >= '0' && r <= '9':
				if i == 0 {
					b.WriteByte('_')
				}
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
		name = b.String()
		if name == "" {
			name = "_"
		}
		why = "is not a valid Rampart name (letters, digits and '_', not starting with a digit)"
	}
	for _, r := range reserved {
		if name == r || strings.EqualFold(name, r) && r == "System" {
			name += "_"
			why = "is reserved in Rampart"
			break
		}
	}
	if s[strings.ToLower(name)] {
		base := name
		for i := 2; s[strings.ToLower(name)]; i++ {
			name = fmt.Sprintf("%s_%d", base, i)
		}
		if why == "" {
			why = "repeats another name ignoring case"
		}
	}
	s[strings.ToLower(name)] = true
	return name, why
}

// rename records a renamed element.
func (c *converter) rename(at *diag.Pos, what, orig, name, why string) {
	if why == "" {
		return
	}
	tail := ""
	for _, k := range []string{"entity", "attribute", "association", "module %q", "key", "enumeration"} {
		if strings.HasPrefix(what, k) {
			tail = "; XPath constraints that use it must be changed by hand"
		}
	}
	what = strings.Replace(what, "%q", fmt.Sprintf("%q", orig), 1)
	c.noteAt(at, CodeRenamed, "%s is called %s here: the Mendix name %s%s", what, name, why, tail)
}

func (c *converter) skip(m *module, kind, name string) {
	if m == nil {
		c.skipped[kind] = append(c.skipped[kind], name)
		return
	}
	m.skipped[kind] = append(m.skipped[kind], name)
}

// text picks the caption of a Texts$Text in the project's language.
func (c *converter) text(d *Doc) string {
	if d == nil {
		return ""
	}
	var first, english string
	for _, t := range d.Docs("Items") {
		s := t.Str("Text")
		if s == "" {
			continue
		}
		switch t.Str("LanguageCode") {
		case c.lang:
			return s
		case "en_US":
			english = s
		}
		if first == "" {
			first = s
		}
	}
	if english != "" {
		return english
	}
	return first
}

// kindNames name the documents the importer does not convert.
var kindNames = map[string]string{
	"Microflows$Nanoflow":                            "nanoflows",
	"Microflows$Rule":                                "rules",
	"Workflows$Workflow":                             "workflows",
	"Rest$PublishedRestService":                      "published REST services",
	"Rest$ConsumedRestService":                       "consumed REST services",
	"Rest$ConsumedODataService":                      "consumed OData services",
	"ODataPublish$PublishedODataService2":            "published OData services",
	"ODataPublish$PublishedODataService":             "published OData services",
	"WebServices$PublishedWebService":                "published web services",
	"WebServices$ImportedWebService":                 "consumed web services",
	"Forms$Snippet":                                  "snippets",
	"Forms$Layout":                                   "layouts",
	"Forms$BuildingBlock":                            "building blocks",
	"Forms$PageTemplate":                             "page templates",
	"JavaActions$JavaAction":                         "Java actions",
	"JavaScriptActions$JavaScriptAction":             "JavaScript actions",
	"Constants$Constant":                             "constants",
	"ScheduledEvents$ScheduledEvent":                 "scheduled events",
	"Images$ImageCollection":                         "image collections",
	"CustomIcons$CustomIconCollection":               "icon collections",
	"ImportMappings$ImportMapping":                   "import mappings",
	"ExportMappings$ExportMapping":                   "export mappings",
	"JsonStructures$JsonStructure":                   "JSON structures",
	"XmlSchemas$XmlSchema":                           "XML schemas",
	"Menus$MenuDocument":                             "menus",
	"DataSets$DataSet":                               "datasets",
	"RegularExpressions$RegularExpression":           "regular expressions",
	"Texts$SystemTextCollection":                     "system text collections",
	"MessageDefinitions$MessageDefinitionCollection": "message definitions",
	"BusinessEvents$BusinessEventService":            "business event services",
	"DatabaseConnector$DatabaseConnection":           "database connections",
	"Navigation$NavigationDocument":                  "navigation documents",
}

func kindName(t string) string {
	if n, ok := kindNames[t]; ok {
		return n
	}
	return "documents of type " + t
}

// ignored unit types are structure, not content.
var ignored = map[string]bool{
	"Projects$Project":           true,
	"Projects$Folder":            true,
	"Projects$ModuleImpl":        true,
	"Projects$ModuleSettings":    true,
	"Projects$ProjectConversion": true,
}

var systemOnce struct {
	sync.Once
	mod *model.Module
	err error
}

// rampartSystem is Rampart's built-in System module, as the model loader
// builds it.
func rampartSystem() (*model.Module, error) {
	systemOnce.Do(func() {
		app, _, err := model.LoadFS(fstest.MapFS{"app.yaml": {Data: []byte("name: system\n")}}, model.Options{Getenv: func(string) (string, bool) { return "", false }})
		if err != nil {
			systemOnce.err = err
			return
		}
		for _, m := range app.Modules {
			if m.System {
				systemOnce.mod = m
			}
		}
		if systemOnce.mod == nil {
			systemOnce.err = fmt.Errorf("the model has no System module")
		}
	})
	return systemOnce.mod, systemOnce.err
}

func newConverter(p *Project) (*converter, error) {
	c := &converter{
		p: p, lang: "en_US",
		modNames:  scope{},
		entByOrig: map[string]*entity{}, entByID: map[string]*entity{},
		attrByID: map[string]*attr{}, attrByOrig: map[string]*attr{},
		assocByOrig: map[string]*assoc{}, enumByOrig: map[string]*enum{},
		roleByOrig: map[string]*role{}, pageByOrig: map[string]*page{},
		userRoleByOrig: map[string]*userRole{}, skipped: map[string][]string{},
	}
	sys, err := rampartSystem()
	if err != nil {
		return nil, err
	}
	c.sys = &module{orig: "System", name: "System", system: true, skipped: map[string][]string{}}
	c.modNames["system"] = true
	for _, r := range sys.Roles {
		ro := &role{mod: c.sys, orig: r.Name, name: r.Name}
		c.sys.roles = append(c.sys.roles, ro)
		c.roleByOrig["System."+r.Name] = ro
	}
	byModel := map[*model.Entity]*entity{}
	for _, e := range sys.Entities {
		en := &entity{mod: c.sys, orig: e.Name, name: e.Name, system: true, persistable: e.Persistable}
		for _, a := range e.Attributes {
			at := &attr{ent: en, orig: a.Name, name: a.Name, typ: string(a.Type)}
			en.attrs = append(en.attrs, at)
			c.attrByOrig["System."+e.Name+"."+a.Name] = at
		}
		byModel[e] = en
		c.sys.entities = append(c.sys.entities, en)
		c.entByOrig["System."+e.Name] = en
	}
	for _, e := range sys.Entities {
		if e.Generalization != nil {
			byModel[e].gen = byModel[e.Generalization]
		}
	}
	for _, a := range sys.Associations {
		as := &assoc{mod: c.sys, orig: a.Name, name: a.Name, system: true, from: byModel[a.From], to: byModel[a.To], typ: string(a.Type)}
		c.sys.assocs = append(c.sys.assocs, as)
		c.assocByOrig["System."+a.Name] = as
	}
	return c, nil
}

// convert reads the whole project.
func (c *converter) convert() {
	p := c.p
	c.readSettings()

	// Modules, named in the order of their Mendix names.
	var modUnits []*Unit
	for _, u := range p.Units {
		if u.Type == "Projects$ModuleImpl" {
			modUnits = append(modUnits, u)
		}
	}
	sort.SliceStable(modUnits, func(i, j int) bool { return modUnits[i].Doc.Str("Name") < modUnits[j].Doc.Str("Name") })
	modByUnit := map[*Unit]*module{}
	for _, u := range modUnits {
		orig := u.Doc.Str("Name")
		m := &module{orig: orig, skipped: map[string][]string{}}
		var why string
		m.name, why = c.modNames.claim(orig, []string{"System"})
		c.rename(&m.pos, "module %q", orig, m.name, why)
		if u.Doc.Bool("FromAppStore", false) {
			m.marketplace = true
			m.version = u.Doc.Str("AppStoreVersion")
			m.packageID, _ = u.Doc.Int("AppStorePackageId")
		}
		modByUnit[u] = m
		c.modules = append(c.modules, m)
	}

	// Sort the documents by kind: what a module holds, and what the
	// project holds outside modules.
	var domainModels, pages, microflows, enums, security []*Unit
	unitModule := map[*Unit]*module{}
	for _, u := range p.Units {
		if ignored[u.Type] {
			continue
		}
		mu := p.Module(u)
		m := modByUnit[mu]
		unitModule[u] = m
		name := u.Doc.Str("Name")
		if m != nil && u.Doc.Bool("Excluded", false) {
			c.skip(m, "documents excluded from the project", name)
			continue
		}
		switch u.Type {
		case "DomainModels$DomainModel":
			if m != nil {
				domainModels = append(domainModels, u)
				continue
			}
		case "Security$ModuleSecurity":
			if m != nil {
				security = append(security, u)
				continue
			}
		case "Enumerations$Enumeration":
			if m != nil {
				enums = append(enums, u)
				continue
			}
		case "Forms$Page":
			if m != nil {
				pages = append(pages, u)
				continue
			}
		case "Microflows$Microflow":
			if m != nil {
				microflows = append(microflows, u)
				continue
			}
		case "Security$ProjectSecurity", "Settings$ProjectSettings":
			if m == nil {
				continue // read separately
			}
		case "Navigation$NavigationDocument":
			if m == nil {
				continue
			}
		case "Rest$PublishedRestService", "ODataPublish$PublishedODataService2", "ODataPublish$PublishedODataService", "WebServices$PublishedWebService":
			c.service(m, u)
		}
		if name == "" {
			name = u.ID
		}
		if m != nil {
			name = m.name + "." + name
		}
		c.skip(m, kindName(u.Type), name)
	}

	for _, u := range security {
		c.moduleRoles(unitModule[u], u)
	}
	for _, u := range enums {
		c.enumeration(unitModule[u], u)
	}
	for _, u := range domainModels {
		c.entities(unitModule[u], u)
	}
	for _, m := range c.modules {
		for _, e := range m.entities {
			c.entityDetails(e)
		}
	}
	for _, u := range domainModels {
		c.associations(unitModule[u], u)
	}
	for _, m := range c.modules {
		for _, e := range m.entities {
			c.accessRules(e)
		}
	}
	for _, u := range pages {
		c.page(unitModule[u], u)
	}
	for _, u := range microflows {
		c.microflow(unitModule[u], u)
	}
	c.projectSecurity()
	c.navigation()
	c.sortModules()
}

// sortModules orders what Mendix keeps in no meaningful order by name.
func (c *converter) sortModules() {
	for _, m := range c.modules {
		slices.SortStableFunc(m.entities, func(a, b *entity) int { return strings.Compare(a.name, b.name) })
		slices.SortStableFunc(m.enums, func(a, b *enum) int { return strings.Compare(a.name, b.name) })
		slices.SortStableFunc(m.assocs, func(a, b *assoc) int { return strings.Compare(a.name, b.name) })
		slices.SortStableFunc(m.pages, func(a, b *page) int { return strings.Compare(a.name, b.name) })
		slices.SortStableFunc(m.microflows, func(a, b *microflow) int { return strings.Compare(a.name, b.name) })
	}
	slices.SortStableFunc(c.modules, func(a, b *module) int { return strings.Compare(a.name, b.name) })
}

func (c *converter) readSettings() {
	s := &c.settings
	s.urlPrefix = "p"
	for _, u := range c.p.Units {
		if u.Type != "Settings$ProjectSettings" {
			continue
		}
		for _, part := range u.Doc.Docs("Settings") {
			switch part.Type() {
			case "Settings$ModelSettings":
				s.hash = part.Str("HashAlgorithm")
				s.bcryptCost, _ = part.Int("BcryptCost")
				if v, ok := part.Get("AllowUserMultipleSessions"); ok && v.Kind == KindBool {
					s.multipleLogins, s.multipleSet = v.Bool, true
				}
				s.timeZone = part.Str("DefaultTimeZoneCode")
			case "Settings$LanguageSettings":
				if l := part.Str("DefaultLanguageCode"); l != "" {
					c.lang = l
				}
			case "Forms$WebUIProjectSettingsPart":
				if v, ok := part.Get("UrlPrefix"); ok && v.Kind == KindString && v.Str != "" {
					s.urlPrefix = strings.Trim(v.Str, "/")
				}
			}
		}
	}
}

// service notes a published service, an entry point with its own allowed
// roles that the analyses cannot see.
func (c *converter) service(m *module, u *Unit) {
	roles := u.Doc.Strings("AllowedRoles")
	if len(roles) == 0 {
		roles = u.Doc.Strings("AllowedModuleRoles")
	}
	name := u.Doc.Str("Name")
	who := "no roles"
	if len(roles) > 0 {
		who = "allowed roles " + strings.Join(roles, ", ")
	}
	kind := strings.TrimSuffix(kindName(u.Type), "s")
	if m != nil {
		name = m.orig + "." + name
		c.noteAt(&m.skipPos, CodeService, "%s %s (%s) is not converted: the analyses do not see what it exposes", kind, name, who)
		return
	}
	c.noteAt(&c.skipPos, CodeService, "%s %s (%s) is not converted: the analyses do not see what it exposes", kind, name, who)
}

func (c *converter) moduleRoles(m *module, u *Unit) {
	names := scope{}
	for _, d := range u.Doc.Docs("ModuleRoles") {
		orig := d.Str("Name")
		r := &role{mod: m, orig: orig, desc: d.Str("Description")}
		if r.desc == "" {
			r.desc = d.Str("Documentation")
		}
		var why string
		r.name, why = names.claim(orig, nil)
		c.rename(&r.pos, "module role %q of module "+m.orig, orig, r.name, why)
		m.roles = append(m.roles, r)
		if _, dup := c.roleByOrig[m.orig+"."+orig]; !dup {
			c.roleByOrig[m.orig+"."+orig] = r
		}
		c.stats.ModuleRoles++
	}
}

func (c *converter) enumeration(m *module, u *Unit) {
	orig := u.Doc.Str("Name")
	e := &enum{mod: m, orig: orig}
	if m.enumNames == nil {
		m.enumNames = scope{}
	}
	var why string
	e.name, why = m.enumNames.claim(orig, nil)
	c.rename(&e.pos, "enumeration %q of module "+m.orig, orig, e.name, why)
	keys := scope{}
	for _, v := range u.Doc.Docs("Values") {
		ko := v.Str("Name")
		k, why := keys.claim(ko, nil)
		c.rename(&e.pos, "key %q of enumeration "+m.orig+"."+orig, ko, k, why)
		e.values = append(e.values, enumValue{orig: ko, key: k, caption: c.text(v.Sub("Caption"))})
	}
	if len(e.values) == 0 {
		c.noteAt(&m.skipPos, CodeNotConverted, "enumeration %s.%s has no values and is not converted", m.orig, orig)
		return
	}
	m.enums = append(m.enums, e)
	c.enumByOrig[m.orig+"."+orig] = e
	c.stats.Enumerations++
}

// entities creates the entities of a domain model with their attributes;
// what refers to other entities is read once all exist.
func (c *converter) entities(m *module, u *Unit) {
	names := scope{}
	for _, d := range u.Doc.Docs("Entities") {
		orig := d.Str("Name")
		e := &entity{mod: m, orig: orig, id: d.ID("$ID"), doc: d, persistable: true}
		var why string
		e.name, why = names.claim(orig, nil)
		c.rename(&e.pos, "entity %q of module "+m.orig, orig, e.name, why)
		gen := d.Sub("MaybeGeneralization")
		if gen == nil {
			gen = d.Sub("Generalization")
		}
		if gen != nil && gen.Type() != "DomainModels$Generalization" {
			e.persistable = gen.Bool("Persistable", true)
			e.owner = gen.Bool("HasOwnerAttr", false) || gen.Bool("HasOwner", false)
			e.changedBy = gen.Bool("HasChangedByAttr", false) || gen.Bool("HasChangedBy", false)
			e.createdDate = gen.Bool("HasCreatedDateAttr", false) || gen.Bool("HasCreatedDate", false)
			e.changedDate = gen.Bool("HasChangedDateAttr", false) || gen.Bool("HasChangedDate", false)
		}
		attrNames := scope{}
		for _, ad := range d.Docs("Attributes") {
			ao := ad.Str("Name")
			a := &attr{ent: e, orig: ao, id: ad.ID("$ID")}
			var why string
			a.name, why = attrNames.claim(ao, reservedMembers)
			c.rename(&a.pos, "attribute %q of "+m.orig+"."+orig, ao, a.name, why)
			e.attrs = append(e.attrs, a)
			if a.id != "" {
				c.attrByID[a.id] = a
			}
			c.attrByOrig[m.orig+"."+orig+"."+ao] = a
		}
		m.entities = append(m.entities, e)
		if e.id != "" {
			c.entByID[e.id] = e
		}
		if c.entByOrig[m.orig+"."+orig] == nil {
			c.entByOrig[m.orig+"."+orig] = e
		}
		c.stats.Entities++
	}
}

// entityDetails reads what refers to other elements: the generalization,
// attribute types and defaults, validation rules, indexes and events.
func (c *converter) entityDetails(e *entity) {
	d := e.doc
	m := e.mod
	gen := d.Sub("MaybeGeneralization")
	if gen == nil {
		gen = d.Sub("Generalization")
	}
	if gen != nil && gen.Type() == "DomainModels$Generalization" {
		g := gen.Str("Generalization")
		if g == "" {
			g = c.entityName(gen.ID("Generalization"))
		}
		switch ge := c.entByOrig[g]; {
		case ge != nil:
			e.gen = ge
		case strings.HasPrefix(g, "System."):
			c.noteAt(&e.pos, CodeMissingRef, "entity %s specializes %s, which Rampart's System module does not have; the generalization is left out", e.qualified(), g)
		default:
			c.noteAt(&e.pos, CodeMissingRef, "entity %s specializes %s, which the project does not contain; the generalization is left out", e.qualified(), g)
		}
	}
	if src := d.Sub("Source"); src != nil {
		c.noteAt(&e.pos, CodePartial, "entity %s has the source %s (an external or view entity); it is imported as a local entity", e.qualified(), src.Type())
	}
	attrDocs := d.Docs("Attributes")
	for i, a := range e.attrs {
		c.attribute(a, attrDocs[i])
	}
	for _, vr := range d.Docs("ValidationRules") {
		c.validationRule(e, vr)
	}
	for _, ix := range d.Docs("Indexes") {
		var cols []*attr
		for _, ia := range ix.Docs("Attributes") {
			id := ia.ID("AttributePointer")
			if id == "" {
				id = ia.ID("Attribute")
			}
			if a := c.attrByID[id]; a != nil && a.ent == e {
				cols = append(cols, a)
			}
		}
		if len(cols) > 0 {
			e.indexes = append(e.indexes, cols)
		}
	}
	var events []string
	for _, ev := range d.Docs("Events") {
		mf := ev.Str("Microflow")
		events = append(events, fmt.Sprintf("%s %s: %s", strings.ToLower(ev.Str("Moment")), strings.ToLower(ev.Str("Type")), mf))
	}
	if len(events) > 0 {
		c.noteAt(&e.pos, CodeNotConverted, "event handlers of entity %s are not converted (%s); the logic they run is not analysed", e.qualified(), strings.Join(events, "; "))
		m.skipped["entity event handlers"] = append(m.skipped["entity event handlers"], events...)
	}
}

// entityName finds the qualified Mendix name of an entity by id.
func (c *converter) entityName(id string) string {
	if e := c.entByID[id]; e != nil {
		return e.mod.orig + "." + e.orig
	}
	return id
}

func (c *converter) attribute(a *attr, d *Doc) {
	e := a.ent
	t := d.Sub("NewType")
	if t == nil {
		t = d.Sub("Type")
	}
	tt := ""
	if t != nil {
		tt = t.Type()
	}
	switch tt {
	case "DomainModels$StringAttributeType":
		a.typ = "String"
		n, _ := t.Int("Length")
		a.length = int(max(n, 0))
	case "DomainModels$IntegerAttributeType":
		a.typ = "Integer"
	case "DomainModels$LongAttributeType":
		a.typ = "Long"
	case "DomainModels$DecimalAttributeType":
		a.typ = "Decimal"
	case "DomainModels$FloatAttributeType", "DomainModels$CurrencyAttributeType":
		a.typ = "Decimal"
		c.noteAt(&a.pos, CodePartial, "attribute %s of %s has the retired Mendix type %s; it is imported as Decimal", a.orig, e.qualified(), strings.TrimPrefix(tt, "DomainModels$"))
	case "DomainModels$BooleanAttributeType":
		a.typ = "Boolean"
	case "DomainModels$DateTimeAttributeType":
		a.typ = "DateTime"
	case "DomainModels$AutoNumberAttributeType":
		a.typ = "AutoNumber"
	case "DomainModels$BinaryAttributeType":
		a.typ = "Binary"
	case "DomainModels$HashedStringAttributeType", "DomainModels$HashStringAttributeType":
		a.typ = "HashString"
	case "DomainModels$EnumerationAttributeType":
		a.typ = "Enumeration"
		ref := t.Str("Enumeration")
		if a.enum = c.enumByOrig[ref]; a.enum == nil {
			a.typ = "String"
			c.noteAt(&a.pos, CodeMissingRef, "attribute %s of %s is of enumeration %s, which the project does not contain; it is imported as a String", a.orig, e.qualified(), ref)
		}
	default:
		a.typ = "String"
		c.noteAt(&a.pos, CodePartial, "attribute %s of %s has the unknown type %q; it is imported as a String", a.orig, e.qualified(), tt)
	}
	v := d.Sub("Value")
	if v == nil {
		return
	}
	switch v.Type() {
	case "DomainModels$CalculatedValue":
		c.noteAt(&a.pos, CodePartial, "attribute %s of %s is calculated by microflow %s in Mendix; it is imported as a stored attribute", a.orig, e.qualified(), v.Str("Microflow"))
		return
	case "DomainModels$StoredValue", "":
	default:
		return
	}
	def := v.Str("DefaultValue")
	switch {
	case def == "":
		return
	case a.typ == "Boolean" && def == "false":
		return // Rampart's default
	case a.typ == "AutoNumber":
		if def != "1" {
			c.noteAt(&a.pos, CodePartial, "AutoNumber attribute %s of %s starts at %s in Mendix; Rampart starts at 1", a.orig, e.qualified(), def)
		}
		return
	case a.typ == "Binary" || a.typ == "HashString":
		return
	case a.typ == "Enumeration":
		for _, ev := range a.enum.values {
			if ev.orig == def {
				a.def, a.hasDef = ev.key, true
				return
			}
		}
		c.noteAt(&a.pos, CodeMissingRef, "the default %q of attribute %s of %s is no key of enumeration %s; it is left out", def, a.orig, e.qualified(), a.enum.mod.orig+"."+a.enum.orig)
		return
	}
	ma := &model.Attribute{Name: a.name, Type: model.AttrType(a.typ), Length: a.length}
	if err := model.CheckValue(ma, def); err != nil {
		c.noteAt(&a.pos, CodePartial, "the default %q of attribute %s of %s is left out: %v", def, a.orig, e.qualified(), err)
		return
	}
	a.def, a.hasDef = def, true
}

func (c *converter) validationRule(e *entity, vr *Doc) {
	ref := vr.Str("Attribute")
	var a *attr
	if strings.Contains(ref, ".") {
		a = c.attrByOrig[ref]
	} else {
		a = c.attrByID[vr.ID("Attribute")]
	}
	info := vr.Sub("RuleInfo")
	kind := strings.TrimSuffix(strings.TrimPrefix(info.Type(), "DomainModels$"), "RuleInfo")
	if a == nil || a.ent != e {
		c.noteAt(&e.pos, CodeMissingRef, "a %s validation rule of %s names attribute %s, which the entity does not have; it is left out", kind, e.qualified(), ref)
		return
	}
	switch kind {
	case "Required":
		a.required = true
		return
	case "Unique":
		if a.typ != "Boolean" && a.typ != "Binary" && a.typ != "HashString" {
			a.unique = true
			return
		}
	}
	e.mod.skipped["validation rules"] = append(e.mod.skipped["validation rules"], e.qualified()+"."+a.name)
	c.noteAt(&a.pos, CodeNotConverted, "the %s validation rule of attribute %s of %s is not converted: Rampart checks only required and unique", kind, a.orig, e.qualified())
}

// associations reads a domain model's associations and cross-module
// associations; the from entity is Mendix's parent (the owner).
func (c *converter) associations(m *module, u *Unit) {
	names := scope{}
	for _, e := range m.assocs {
		names[strings.ToLower(e.name)] = true
	}
	read := func(d *Doc, cross bool) {
		orig := d.Str("Name")
		a := &assoc{mod: m, orig: orig, typ: "Reference", onDelete: "keep"}
		var why string
		a.name, why = names.claim(orig, reservedMembers)
		c.rename(&a.pos, "association %q of module "+m.orig, orig, a.name, why)
		from := c.entByID[d.ID("ParentPointer")]
		var to *entity
		toName := ""
		if cross {
			toName = d.Str("Child")
			to = c.entByOrig[toName]
		} else {
			to = c.entByID[d.ID("ChildPointer")]
			toName = d.ID("ChildPointer")
		}
		if from == nil || to == nil {
			missing := "its owner (parent) entity (id " + d.ID("ParentPointer") + ")"
			if from != nil {
				missing = "its other (child) entity " + toName
				if !cross {
					missing = "its other (child) entity (id " + toName + ")"
				}
			}
			c.noteAt(&m.assocsPos, CodeMissingRef, "association %s.%s is left out: the project does not contain %s", m.orig, orig, missing)
			if to == nil && strings.HasPrefix(toName, "System.") {
				c.notes[len(c.notes)-1].msg += " (Rampart's System module does not have it)"
			}
			return
		}
		a.from, a.to = from, to
		if d.Str("Type") == "ReferenceSet" {
			a.typ = "ReferenceSet"
		}
		if d.Str("Owner") == "Both" {
			a.ownerBoth = true
			a.trailer = "Mendix owner: both ends"
			c.noteAt(&a.pos, CodePartial, "association %s.%s is owned by both ends in Mendix; Rampart stores it on its from side (%s) only, and rights given on the %s side are left out", m.orig, orig, from.qualified(), to.qualified())
		}
		if db := d.Sub("DeleteBehavior"); db != nil {
			// ParentDeleteBehavior: what deleting the child (to) object does
			// with the parent (from) objects that refer to it.
			switch db.Str("ParentDeleteBehavior") {
			case "DeleteMeAndReferences":
				a.onDelete = "cascade"
			case "DeleteMeIfNoReferences":
				a.onDelete = "prevent"
			}
			if a.onDelete == "cascade" && a.typ == "ReferenceSet" {
				a.onDelete = "keep"
				c.noteAt(&a.pos, CodePartial, "association %s.%s deletes the %s objects that refer to a deleted %s in Mendix; Rampart allows no cascade on a ReferenceSet, so it is imported as keep", m.orig, orig, from.qualified(), to.qualified())
			}
			switch db.Str("ChildDeleteBehavior") {
			case "DeleteMeAndReferences":
				c.noteAt(&a.pos, CodePartial, "association %s.%s also deletes the %s objects of a deleted %s in Mendix; Rampart has no such delete behavior, so it is left out", m.orig, orig, to.qualified(), from.qualified())
			case "DeleteMeIfNoReferences":
				c.noteAt(&a.pos, CodePartial, "association %s.%s lets a %s be deleted only while it refers to no %s in Mendix; Rampart has no such delete behavior, so it is left out", m.orig, orig, from.qualified(), to.qualified())
			}
		}
		m.assocs = append(m.assocs, a)
		if c.assocByOrig[m.orig+"."+orig] == nil {
			c.assocByOrig[m.orig+"."+orig] = a
		}
		c.stats.Associations++
	}
	for _, d := range u.Doc.Docs("Associations") {
		read(d, false)
	}
	for _, d := range u.Doc.Docs("CrossAssociations") {
		read(d, true)
	}
}

// moduleRoleRefs resolves the module roles of a document of module m.
func (c *converter) moduleRoleRefs(at *diag.Pos, what string, names []string) []*role {
	var out []*role
	for _, n := range names {
		r := c.roleByOrig[n]
		if r == nil {
			c.noteAt(at, CodeMissingRef, "%s names the module role %s, which the project does not contain; it is left out", what, n)
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (c *converter) accessRules(e *entity) {
	for i, d := range e.doc.Docs("AccessRules") {
		r := &rule{ent: e, create: d.Bool("AllowCreate", false), delete: d.Bool("AllowDelete", false)}
		what := fmt.Sprintf("access rule %d of %s", i+1, e.qualified())
		names := d.Strings("AllowedModuleRoles")
		if _, ok := d.Get("AllowedModuleRoles"); !ok {
			names = d.Strings("ModuleRoles")
		}
		r.roles = c.moduleRoleRefs(&r.pos, what, names)
		r.xpath = strings.TrimSpace(d.Str("XPathConstraint"))
		r.caption = strings.TrimSpace(d.Str("XPathConstraintCaption"))
		if r.caption == "" {
			r.caption = strings.Join(strings.Fields(d.Str("Documentation")), " ")
		}
		r.defAccess = rights(d.Str("DefaultMemberAccessRights"))
		seen := map[string]bool{}
		for _, ma := range d.Docs("MemberAccesses") {
			acc := rights(ma.Str("AccessRights"))
			name, problem := c.memberName(e, ma)
			if problem != "" {
				code := CodeMissingRef
				if strings.HasPrefix(problem, "!") {
					code, problem = CodePartial, problem[1:]
				}
				if code == CodePartial && acc == "None" {
					continue // nothing is lost
				}
				c.noteAt(&r.pos, code, "%s: %s; this entry (%s) is left out", what, problem, acc)
				continue
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			r.members = append(r.members, memberAccess{name: name, access: acc})
		}
		e.rules = append(e.rules, r)
		c.stats.AccessRules++
	}
}

func rights(s string) string {
	switch s {
	case "ReadOnly", "ReadWrite":
		return s
	}
	return "None"
}

// memberName is how a rule of e names the member of a Mendix member
// access; problem says why it cannot be converted (starting with "!" when
// the member exists but Rampart cannot grant it here).
func (c *converter) memberName(e *entity, ma *Doc) (string, string) {
	if ref := ma.Str("Attribute"); ref != "" {
		owner, name := ref, ""
		if i := strings.LastIndexByte(ref, '.'); i >= 0 {
			owner, name = ref[:i], ref[i+1:]
		}
		if (name == "createdDate" || name == "changedDate") && e.hasSystem(name) {
			return name, ""
		}
		oe := c.entByOrig[owner]
		switch {
		case oe == nil && strings.HasPrefix(owner, "System."):
			return "", fmt.Sprintf("it names attribute %s of %s, which Rampart's System module does not have", name, owner)
		case oe == nil:
			return "", fmt.Sprintf("it names attribute %s, which the project does not contain", ref)
		case !e.isA(oe):
			return "", fmt.Sprintf("it names attribute %s, but %s is not %s or one of its generalizations", ref, oe.qualified(), e.qualified())
		}
		for _, a := range oe.attrs {
			if a.orig == name {
				return a.name, ""
			}
		}
		if oe.system {
			return "", fmt.Sprintf("it names attribute %s, which Rampart's %s does not have", ref, owner)
		}
		return "", fmt.Sprintf("it names attribute %s, which the project does not contain", ref)
	}
	ref := ma.Str("Association")
	if ref == "" {
		return "", "it names no attribute and no association"
	}
	switch ref {
	case "System.owner", "System.changedBy":
		if e.hasSystem(strings.TrimPrefix(ref, "System.")) {
			return ref, ""
		}
		return "", fmt.Sprintf("it names %s, which %s does not have", ref, e.qualified())
	}
	a := c.assocByOrig[ref]
	switch {
	case a == nil && strings.HasPrefix(ref, "System."):
		return "", fmt.Sprintf("it names association %s, which Rampart's System module does not have", ref)
	case a == nil:
		return "", fmt.Sprintf("it names association %s, which the project does not contain", ref)
	case e.isA(a.from):
		if a.mod == e.mod {
			return a.name, ""
		}
		return a.qualified(), ""
	case e.isA(a.to):
		return "", fmt.Sprintf("!it names association %s on its %s side; Rampart grants an association in the rules of its from entity %s only", ref, a.to.qualified(), a.from.qualified())
	}
	return "", fmt.Sprintf("it names association %s, which does not start or end at %s", ref, e.qualified())
}

func (c *converter) page(m *module, u *Unit) {
	d := u.Doc
	orig := d.Str("Name")
	p := &page{mod: m, orig: orig, title: strings.TrimSpace(c.text(d.Sub("Title")))}
	var why string
	p.name, why = c.pageScope(m).claim(orig, nil)
	c.rename(&p.pos, "page %q of module "+m.orig, orig, p.name, why)
	p.roles = c.moduleRoleRefs(&p.pos, "page "+m.orig+"."+orig, d.Strings("AllowedModuleRoles"))
	p.url = c.url(&p.pos, "page "+m.orig+"."+orig, d.Str("Url"))
	m.pages = append(m.pages, p)
	c.pageByOrig[m.orig+"."+orig] = p
	c.stats.Pages++
	if n := countWidgets(d); n > 0 {
		m.skipped["widgets"] = append(m.skipped["widgets"], make([]string, n)...)
	}
}

// pageScope and mfScope keep the names of a module's pages and microflows.
func (c *converter) pageScope(m *module) scope {
	if m.pageNames == nil {
		m.pageNames = scope{}
	}
	return m.pageNames
}

func (c *converter) mfScope(m *module) scope {
	if m.mfNames == nil {
		m.mfNames = scope{}
	}
	return m.mfNames
}

// countWidgets counts the widgets of a page: the elements under it that
// have a name (data views, buttons, text boxes, custom widgets, …).
func countWidgets(d *Doc) int {
	n := 0
	d.Walk(func(typ, name []byte) {
		t := string(typ)
		if len(name) > 0 && t != "Forms$Page" && t != "Forms$PageParameter" && t != "Forms$PageVariable" &&
			(strings.HasPrefix(t, "Forms$") || strings.HasPrefix(t, "CustomWidgets$") || strings.HasPrefix(t, "Pages$")) {
			n++
		}
	})
	return n
}

// url converts a Mendix page or microflow URL, served under the project's
// URL prefix (/p/ by default).
func (c *converter) url(at *diag.Pos, what, u string) string {
	u = strings.Trim(strings.TrimSpace(u), "/")
	if u == "" {
		return ""
	}
	full := "/" + c.settings.urlPrefix + "/" + u
	if c.settings.urlPrefix == "" {
		full = "/" + u
	}
	if !plainPath(full) {
		c.noteAt(at, CodePartial, "%s has the URL %q, which is not a plain path (parameters such as {Id} are not supported); the URL is left out", what, "/"+u)
		return ""
	}
	return full
}

func plainPath(u string) bool {
	rest, ok := strings.CutPrefix(u, "/")
	if !ok || rest == "" {
		return false
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r)) {
				return false
			}
		}
	}
	for _, p := range []string{"/api", "/healthz", "/readyz", "/static", "/login"} {
		if strings.HasPrefix(u, p) {
			return false
		}
	}
	return true
}

var primitive = map[string]string{
	"DataTypes$StringType":   "String",
	"DataTypes$IntegerType":  "Integer",
	"DataTypes$LongType":     "Long",
	"DataTypes$DecimalType":  "Decimal",
	"DataTypes$FloatType":    "Decimal",
	"DataTypes$BooleanType":  "Boolean",
	"DataTypes$DateTimeType": "DateTime",
}

func (c *converter) microflow(m *module, u *Unit) {
	d := u.Doc
	orig := d.Str("Name")
	mf := &microflow{mod: m, orig: orig, applyEntityAccess: d.Bool("ApplyEntityAccess", false)}
	var why string
	mf.name, why = c.mfScope(m).claim(orig, nil)
	what := "microflow " + m.orig + "." + orig
	c.rename(&mf.pos, "microflow %q of module "+m.orig, orig, mf.name, why)
	mf.roles = c.moduleRoleRefs(&mf.pos, what, d.Strings("AllowedModuleRoles"))
	mf.url = c.url(&mf.pos, what, d.Str("Url"))
	params := scope{}
	var dropped []string
	activities := 0
	for _, o := range d.Sub("ObjectCollection").Docs("Objects") {
		switch o.Type() {
		case "Microflows$MicroflowParameter", "Microflows$MicroflowParameterObject":
		case "Microflows$StartEvent", "Microflows$EndEvent", "Microflows$Annotation":
			continue
		default:
			activities++
			continue
		}
		po := o.Str("Name")
		vt := o.Sub("VariableType")
		if vt == nil {
			vt = o.Sub("ParameterType")
		}
		pa := param{}
		switch t := vt.Type(); {
		case t == "DataTypes$ObjectType":
			ref := vt.Str("Entity")
			if pa.ent = c.entByOrig[ref]; pa.ent == nil {
				dropped = append(dropped, fmt.Sprintf("%s (entity %s, which is not in the project or Rampart's System module)", po, ref))
				continue
			}
		case primitive[t] != "":
			pa.typ = primitive[t]
		default:
			dropped = append(dropped, fmt.Sprintf("%s (%s)", po, strings.TrimPrefix(t, "DataTypes$")))
			continue
		}
		pa.name, _ = params.claim(po, nil)
		mf.params = append(mf.params, pa)
	}
	if len(dropped) > 0 {
		c.noteAt(&mf.pos, CodePartial, "%s: parameters of types Rampart does not have are left out: %s", what, strings.Join(dropped, ", "))
	}
	if activities > 0 {
		m.skipped["microflow activities"] = append(m.skipped["microflow activities"], make([]string, activities)...)
	}
	m.microflows = append(m.microflows, mf)
	c.stats.Microflows++
}

// hashAlgorithms maps Mendix's password hash algorithms.
var hashAlgorithms = map[string]string{"BCrypt": "bcrypt", "SSHA256": "ssha256", "SHA256": "sha256", "MD5": "md5"}

func (c *converter) projectSecurity() {
	var ps *Doc
	for _, u := range c.p.Units {
		if u.Type == "Security$ProjectSecurity" && c.p.Module(u) == nil {
			ps = u.Doc
			break
		}
	}
	s := &c.sec
	urNames := scope{}
	if ps == nil {
		c.noteAt(&c.appPos, CodeMissingRef, "the project has no security settings (Security$ProjectSecurity); Rampart's defaults apply")
		return
	}
	s.found = true
	s.level = map[string]string{"CheckNothing": "off", "CheckFormsAndMicroflows": "prototype", "CheckEverything": "production"}[ps.Str("SecurityLevel")]
	if s.level == "" {
		s.level = "production"
		c.noteAt(&c.secPos, CodePartial, "unknown security level %q; imported as production", ps.Str("SecurityLevel"))
	}
	s.checkSecurity = ps.Bool("CheckSecurity", true)
	s.strictMode = ps.Bool("StrictMode", false)
	s.adminName = ps.Str("AdminUserName")
	s.adminRoleName = ps.Str("AdminUserRole")
	s.adminPassword = ps.Str("AdminPassword") != ""
	s.guest = ps.Bool("EnableGuestAccess", false)
	s.guestRoleName = ps.Str("GuestUserRole")
	s.demoEnabled = ps.Bool("EnableDemoUsers", false)

	for _, d := range ps.Docs("UserRoles") {
		orig := d.Str("Name")
		ur := &userRole{orig: orig, desc: d.Str("Description"), checkSecurity: d.Bool("CheckSecurity", true),
			manageAll: d.Bool("ManageAllRoles", false), manageUsersWithoutRoles: d.Bool("ManageUsersWithoutRoles", false)}
		var why string
		ur.name, why = urNames.claim(orig, nil)
		c.rename(&ur.pos, "user role %q", orig, ur.name, why)
		ur.moduleRoles = c.moduleRoleRefs(&ur.pos, "user role "+orig, d.Strings("ModuleRoles"))
		slices.SortFunc(ur.moduleRoles, func(a, b *role) int { return strings.Compare(a.qualified(), b.qualified()) })
		ur.manageableNames = d.Strings("ManageableRoles")
		c.userRoles = append(c.userRoles, ur)
		if c.userRoleByOrig[orig] == nil {
			c.userRoleByOrig[orig] = ur
		}
		c.stats.UserRoles++
	}
	for _, ur := range c.userRoles {
		if ur.manageAll {
			continue
		}
		for _, n := range ur.manageableNames {
			if r := c.userRoleByOrig[n]; r != nil {
				if !slices.Contains(ur.manageable, r) {
					ur.manageable = append(ur.manageable, r)
				}
			} else {
				c.noteAt(&ur.pos, CodeMissingRef, "user role %s may manage the user role %s, which the project does not contain; it is left out", ur.orig, n)
			}
		}
	}
	if s.adminRoleName != "" {
		if s.adminRole = c.userRoleByOrig[s.adminRoleName]; s.adminRole == nil {
			c.noteAt(&c.adminPos, CodeMissingRef, "the administrator's user role %s is not in the project", s.adminRoleName)
		}
	}
	if s.guestRoleName != "" {
		if s.guestRole = c.userRoleByOrig[s.guestRoleName]; s.guestRole == nil {
			c.noteAt(&c.anonPos, CodeMissingRef, "the anonymous user role %s is not in the project; it is left out", s.guestRoleName)
		}
	}
	for _, d := range ps.Docs("DemoUsers") {
		du := &demoUser{name: d.Str("UserName")}
		for _, n := range d.Strings("UserRoles") {
			if r := c.userRoleByOrig[n]; r != nil {
				du.roles = append(du.roles, r)
			} else {
				c.noteAt(&du.pos, CodeMissingRef, "demo user %s has the user role %s, which the project does not contain; it is left out", du.name, n)
			}
		}
		if en := d.Str("Entity"); en != "" {
			if du.entity = c.entByOrig[en]; du.entity == nil {
				c.noteAt(&du.pos, CodeMissingRef, "demo user %s has the entity %s, which the project does not contain; the entity is left out", du.name, en)
			}
		}
		s.demoUsers = append(s.demoUsers, du)
		c.stats.DemoUsers++
	}
	if pp := ps.Sub("PasswordPolicySettings"); pp != nil {
		s.hasPolicy = true
		s.minLength, _ = pp.Int("MinimumLength")
		if s.minLength < 1 || s.minLength > 1024 {
			c.noteAt(&c.secPos, CodePartial, "the password policy's minimum length %d is outside what Rampart allows (1 to 1024); it is imported as %d", s.minLength, min(max(s.minLength, 1), 1024))
			s.minLength = min(max(s.minLength, 1), 1024)
		}
		s.requireDigit = pp.Bool("RequireDigit", false)
		s.requireMixed = pp.Bool("RequireMixedCase", false)
		s.requireSymbol = pp.Bool("RequireSymbol", false)
	}
	for _, k := range []string{"FileDocumentAccess", "ImageAccess"} {
		s.fileAccessRules += len(ps.Sub(k).Docs("AccessRules"))
	}
	for i := range s.fileAccessRules {
		c.skip(nil, "file and image access rules", fmt.Sprint(i+1))
	}
}

func (c *converter) navigation() {
	var nd *Doc
	for _, u := range c.p.Units {
		if u.Type == "Navigation$NavigationDocument" && c.p.Module(u) == nil {
			nd = u.Doc
			break
		}
	}
	if nd == nil {
		return
	}
	profiles := nd.Docs("Profiles")
	var prof *Doc
	for _, p := range profiles {
		if p.Str("Kind") == "Responsive" {
			prof = p
			break
		}
	}
	if prof == nil && len(profiles) > 0 {
		prof = profiles[0]
	}
	for _, p := range profiles {
		if p != prof {
			c.skip(nil, "navigation profiles other than the web one", p.Str("Name"))
		}
	}
	if prof == nil {
		return
	}
	n := &c.nav
	n.found = true
	pageRef := func(what, ref string) *page {
		if ref == "" {
			return nil
		}
		p := c.pageByOrig[ref]
		if p == nil {
			c.noteAt(&c.navPos, CodeMissingRef, "%s is the page %s, which the project does not contain (or excludes); it is left out", what, ref)
		}
		return p
	}
	if h := prof.Sub("HomePage"); h != nil {
		n.home = pageRef("the home page", h.Str("Page"))
		if mf := h.Str("Microflow"); mf != "" && h.Str("Page") == "" {
			c.noteAt(&c.navPos, CodeNotConverted, "the home page is opened by microflow %s, which Rampart cannot run; there is no home page", mf)
		}
	}
	for _, hi := range prof.Docs("HomeItems") {
		roleName := hi.Str("UserRole")
		r := c.userRoleByOrig[roleName]
		if r == nil {
			c.noteAt(&c.navPos, CodeMissingRef, "a role-based home page is for the user role %s, which the project does not contain; it is left out", roleName)
			continue
		}
		if mf := hi.Str("Microflow"); mf != "" && hi.Str("Page") == "" {
			c.noteAt(&c.navPos, CodeNotConverted, "the home page of user role %s is opened by microflow %s, which Rampart cannot run; it is left out", roleName, mf)
			continue
		}
		if p := pageRef("the home page of user role "+roleName, hi.Str("Page")); p != nil {
			n.roleHomes = append(n.roleHomes, roleHome{r, p})
		}
	}
	if lp := prof.Sub("LoginPageSettings"); lp != nil && lp.Str("Form") != "" {
		c.skip(nil, "custom sign-in pages", lp.Str("Form"))
	}
	var items func(d *Doc) []*menuItem
	items = func(d *Doc) []*menuItem {
		var out []*menuItem
		for _, it := range d.Docs("Items") {
			mi := &menuItem{caption: strings.TrimSpace(c.text(it.Sub("Caption")))}
			sub := items(it)
			act := it.Sub("Action")
			switch {
			case len(sub) > 0:
				mi.items = sub
			case act != nil && act.Type() == "Forms$FormAction":
				ref := act.Sub("FormSettings").Str("Form")
				if mi.page = pageRef("menu item "+strconvQuote(mi.caption), ref); mi.page == nil {
					continue
				}
				if mi.caption == "" {
					mi.caption = mi.page.title
				}
				if mi.caption == "" {
					mi.caption = mi.page.name
				}
			default:
				what := "menu items without a page"
				if act != nil {
					what = "menu items that " + map[string]string{
						"Forms$SignOutClientAction":      "sign out",
						"Forms$MicroflowAction":          "call a microflow",
						"Forms$CallNanoflowClientAction": "call a nanoflow",
						"Forms$OpenLinkClientAction":     "open a link",
					}[act.Type()]
					if strings.HasSuffix(what, "that ") {
						what = "menu items with the action " + act.Type()
					}
				}
				c.skip(nil, what, mi.caption)
				continue
			}
			if mi.caption == "" {
				mi.caption = "Menu"
			}
			out = append(out, mi)
		}
		return out
	}
	n.menu = items(prof.Sub("Menu"))
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// validZone reports whether a time zone name is an IANA zone Go knows.
func validZone(z string) bool {
	if z == "" || strings.EqualFold(z, "local") {
		return false
	}
	_, err := time.LoadLocation(z)
	return err == nil
}
