// Package model is the app model of model.md: the typed, linked form of
// app.yaml and modules/*.yaml, with the built-in System module, and the
// consistency checks that need nothing beyond the model itself.
package model

import (
	"time"

	"github.com/rampart/rampart/internal/diag"
)

// Pos is a place in a model file.
type Pos = diag.Pos

// App is a loaded app. After Load, references between elements are resolved
// where they could be; an element that could not be resolved is nil and has
// a diagnostic.
type App struct {
	Dir         string
	Name        string
	Version     string
	TimeZone    *time.Location
	TimeZoneID  string
	ModuleNames []string // as written in app.yaml; empty means all files
	Security    Security
	Navigation  Navigation

	// Modules in load order, the System module first.
	Modules []*Module

	// Keys records where each key of app.yaml was written, by dotted path
	// ("security.passwordPolicy.minLength"), for tools that point at settings.
	Keys map[string]Pos

	modules map[string]*Module
}

// Level is a security level.
type Level string

const (
	LevelOff        Level = "off"
	LevelPrototype  Level = "prototype"
	LevelProduction Level = "production"
)

// Security is the security section of app.yaml.
type Security struct {
	Level          Level
	CheckSecurity  bool
	StrictMode     bool
	HashAlgorithm  HashAlgorithm
	UserEntityName string
	UserEntity     *Entity
	AdminUser      AdminUser
	UserRoles      []*UserRole
	Anonymous      Anonymous
	DemoUsers      DemoUsers
	PasswordPolicy PasswordPolicy
	Lockout        Lockout
	SignInRate     SignInRateLimit
	Session        SessionSettings
}

// HashAlgorithm names how passwords are hashed.
type HashAlgorithm struct {
	Name string // bcrypt, argon2id, or (imports only) ssha256, sha256, md5
	Cost int    // bcrypt cost
}

func (h HashAlgorithm) String() string {
	if h.Name == "bcrypt" && h.Cost != DefaultBcryptCost {
		return "bcrypt:" + itoa(h.Cost)
	}
	return h.Name
}

// DefaultBcryptCost is the cost of plain `bcrypt`.
const DefaultBcryptCost = 12

// AdminUser is the administrator set up at start-up.
type AdminUser struct {
	Name     string
	RoleName string
	Role     *UserRole
	Password Secret
	Pos      Pos
}

// Secret is a value that may come from the environment. The model never keeps
// how a secret was resolved in messages; only whether and how it was given.
type Secret struct {
	Value string
	// Given: the key was present and resolved to a non-empty value.
	Given bool
	// Written: the key was present in the file.
	Written bool
	// EnvOnly: the scalar is exactly `${VAR}`, naming VAR.
	EnvOnly bool
	VarName string
	// Unset: the scalar named an environment variable that is not set.
	Unset bool
	Pos   Pos
}

// UserRole is a user role of the app.
type UserRole struct {
	Name                    string
	Description             string
	ModuleRoleNames         []NameRef
	ModuleRoles             []*ModuleRole
	ManageAll               bool
	ManageableRoleNames     []NameRef
	ManageableRoles         []*UserRole
	ManageUsersWithoutRoles bool
	CheckSecurity           bool
	Pos                     Pos

	unsure bool // some module role could not be resolved
}

// NameRef is a name written in the model, with where it was written.
type NameRef struct {
	Name string
	Pos  Pos
}

// Anonymous is the anonymous-user setting.
type Anonymous struct {
	Enabled  bool
	RoleName string
	Role     *UserRole
	Pos      Pos
}

// DemoUsers is the demo-user setting.
type DemoUsers struct {
	Enabled bool
	Users   []*DemoUser
	Pos     Pos
}

// DemoUser is one demo user.
type DemoUser struct {
	Name       string
	RoleNames  []NameRef
	Roles      []*UserRole
	EntityName string
	EntityPos  Pos
	Entity     *Entity
	Pos        Pos
}

// PasswordPolicy is the password policy.
type PasswordPolicy struct {
	MinLength          int
	MaxLength          int
	RequireDigit       bool
	RequireMixedCase   bool
	RequireSymbol      bool
	BlockCommon        bool
	NotContainUsername bool
}

// Lockout is the lockout setting.
type Lockout struct {
	Attempts int
	Duration time.Duration
}

// SignInRateLimit limits sign-in attempts per client address.
type SignInRateLimit struct {
	PerMinute int
	Burst     int
}

// SessionSettings are the session settings.
type SessionSettings struct {
	Timeout         time.Duration
	AbsoluteTimeout time.Duration
	MultiplePerUser bool
	SameSite        string // Strict, Lax or None
}

// Navigation is the navigation section of app.yaml.
type Navigation struct {
	Home      *PageRef
	RoleHomes []RoleHome
	Menu      []*MenuItem
}

// PageRef is a reference to a page.
type PageRef struct {
	Name string // qualified
	Pos  Pos
	Page *Page
}

// RoleHome is the home page of a user role.
type RoleHome struct {
	RoleName string
	RolePos  Pos
	Role     *UserRole
	Page     PageRef
}

// MenuItem is a leaf (Page set) or a group (Items set).
type MenuItem struct {
	Caption string
	Page    *PageRef
	Items   []*MenuItem
	Pos     Pos
}

// Module is one module file, or the built-in System module.
type Module struct {
	Name         string
	Version      string
	Description  string
	File         string // relative to the app directory; empty for System
	Pos          Pos
	Roles        []*ModuleRole
	Enumerations []*Enumeration
	Entities     []*Entity
	Associations []*Association
	Pages        []*Page
	Microflows   []*Microflow
	System       bool
}

// ModuleRole is a module role.
type ModuleRole struct {
	Module      *Module
	Name        string
	Description string
	Pos         Pos
}

// QualifiedName is Module.Name.
func (r *ModuleRole) QualifiedName() string { return r.Module.Name + "." + r.Name }

// Enumeration is an enumeration with its values in order.
type Enumeration struct {
	Module *Module
	Name   string
	Values []EnumValue
	Pos    Pos
}

// QualifiedName is Module.Name.
func (e *Enumeration) QualifiedName() string { return e.Module.Name + "." + e.Name }

// Has reports whether key is one of the enumeration's keys.
func (e *Enumeration) Has(key string) bool {
	for _, v := range e.Values {
		if v.Key == key {
			return true
		}
	}
	return false
}

// EnumValue is a key and its caption.
type EnumValue struct {
	Key     string
	Caption string
	Pos     Pos
}

// Entity is an entity of the domain model.
type Entity struct {
	Module             *Module
	Name               string
	Pos                Pos
	GeneralizationName *NameRef
	Generalization     *Entity
	Specializations    []*Entity
	Persistable        bool
	System             SystemMembers // as written on this entity
	Attributes         []*Attribute  // own attributes, in file order
	Indexes            []Index
	Access             []*AccessRule

	// Filled in by the loader: system members declared here, associations
	// whose from is this entity, and the cached member list.
	systemAttrs  []*Attribute
	systemAssocs []*Association
	assocs       []*Association
	members      []*Member
}

// QualifiedName is Module.Name.
func (e *Entity) QualifiedName() string { return e.Module.Name + "." + e.Name }

// SystemMembers says which optional system members an entity has.
type SystemMembers struct {
	Owner, ChangedBy, CreatedDate, ChangedDate bool
}

// Index is one index an entity asks for.
type Index struct {
	Members []NameRef
	Pos     Pos
}

// AttrType is an attribute type.
type AttrType string

const (
	TypeString      AttrType = "String"
	TypeInteger     AttrType = "Integer"
	TypeLong        AttrType = "Long"
	TypeDecimal     AttrType = "Decimal"
	TypeBoolean     AttrType = "Boolean"
	TypeDateTime    AttrType = "DateTime"
	TypeEnumeration AttrType = "Enumeration"
	TypeAutoNumber  AttrType = "AutoNumber"
	TypeHashString  AttrType = "HashString"
	TypeBinary      AttrType = "Binary"
)

// AttrTypes lists every attribute type.
var AttrTypes = []AttrType{TypeString, TypeInteger, TypeLong, TypeDecimal, TypeBoolean, TypeDateTime, TypeEnumeration, TypeAutoNumber, TypeHashString, TypeBinary}

// Attribute is an attribute of an entity.
type Attribute struct {
	Entity      *Entity
	Name        string
	Type        AttrType
	Length      int // String only; 0 = unlimited
	Required    bool
	Unique      bool
	Default     *Scalar
	EnumName    *NameRef
	Enum        *Enumeration
	Description string
	Pos         Pos
}

// Scalar is a YAML scalar kept as written, for values typed later.
type Scalar struct {
	Text   string
	Quoted bool
	Pos    Pos
}

// AssocType is Reference or ReferenceSet.
type AssocType string

const (
	Reference    AssocType = "Reference"
	ReferenceSet AssocType = "ReferenceSet"
)

// OnDelete says what deleting the `to` object does to `from` objects.
type OnDelete string

const (
	DeleteKeep    OnDelete = "keep"
	DeletePrevent OnDelete = "prevent"
	DeleteCascade OnDelete = "cascade"
)

// Association links objects of From to objects of To.
type Association struct {
	Module   *Module
	Name     string
	Pos      Pos
	FromName NameRef
	ToName   NameRef
	From     *Entity
	To       *Entity
	Type     AssocType
	OnDelete OnDelete
	// Owner and ChangedBy are the built-in System.owner and
	// System.changedBy, whose From is System.User's "any entity".
	Builtin bool
}

// QualifiedName is Module.Name.
func (a *Association) QualifiedName() string { return a.Module.Name + "." + a.Name }

// Access is a member right.
type Access int

const (
	None Access = iota
	ReadOnly
	ReadWrite
)

func (a Access) String() string { return [...]string{"None", "ReadOnly", "ReadWrite"}[a] }

// AccessRule is one item of an entity's `access` list.
type AccessRule struct {
	Entity              *Entity
	Index               int // position in the entity's list, from 0
	Pos                 Pos // the rule's first key
	RoleNames           []NameRef
	Roles               []*ModuleRole
	Caption             string
	Create              bool
	Delete              bool
	XPath               *Scalar
	Members             []MemberAccess // as written, in file order
	DefaultMemberAccess Access
	DefaultPos          Pos

	// unsure: the rule could not be read or linked in full (a reported
	// mistake), so what it grants and to whom is not known; checks that
	// depend on that stay silent rather than guess.
	unsure bool
}

// MemberAccess is one entry of a rule's `members`.
type MemberAccess struct {
	Name   string
	Access Access
	Pos    Pos
	Member *Member // nil when unknown
}

// Page is a page of a module.
type Page struct {
	Module           *Module
	Name             string
	Title            string
	AllowedRoleNames []NameRef
	AllowedRoles     []*ModuleRole
	URL              string
	URLPos           Pos
	List             *ListPage
	Form             *FormPage
	Pos              Pos

	unsure bool // some allowed role could not be resolved
}

// QualifiedName is Module.Name.
func (p *Page) QualifiedName() string { return p.Module.Name + "." + p.Name }

// ListPage is the `list` of a page.
type ListPage struct {
	EntityName NameRef
	Entity     *Entity
	XPath      *Scalar
	Sort       []SortKey
	Columns    []NameRef
	Search     []NameRef
	Open       *PageRef
	New        *PageRef
}

// SortKey is one member of a sort, descending when written with '-'.
type SortKey struct {
	Member     NameRef
	Descending bool
}

// FormPage is the `form` of a page.
type FormPage struct {
	EntityName NameRef
	Entity     *Entity
	Fields     []NameRef
	Actions    []NameRef
}

// Microflow is a microflow declaration.
type Microflow struct {
	Module            *Module
	Name              string
	AllowedRoleNames  []NameRef
	AllowedRoles      []*ModuleRole
	ApplyEntityAccess bool
	Parameters        []Parameter
	URL               string
	URLPos            Pos
	Pos               Pos
}

// QualifiedName is Module.Name.
func (m *Microflow) QualifiedName() string { return m.Module.Name + "." + m.Name }

// Parameter is a microflow parameter.
type Parameter struct {
	Name     string
	TypeName NameRef
	Entity   *Entity // nil for primitive types
	Pos      Pos
}
