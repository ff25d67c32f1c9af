package model

// The built-in System module of model.md. It is built in code, never read
// from a file, and its elements have no position.

// System entity and role names.
const (
	SystemModule       = "System"
	SystemUser         = "System.User"
	SystemUserRole     = "System.UserRole"
	SystemSession      = "System.Session"
	SystemFileDocument = "System.FileDocument"
	SystemImage        = "System.Image"
	SystemUserRoles    = "System.UserRoles"
	SystemSessionUser  = "System.Session_User"
	SystemOwner        = "System.owner"
	SystemChangedBy    = "System.changedBy"
	MemberCreatedDate  = "createdDate"
	MemberChangedDate  = "changedDate"
	RoleAdministrator  = "System.Administrator"
	RoleUser           = "System.User"
)

func systemModule() *Module {
	m := &Module{Name: SystemModule, System: true}
	m.Roles = []*ModuleRole{
		{Module: m, Name: "Administrator", Description: "Built-in administrator role"},
		{Module: m, Name: "User", Description: "Built-in user role"},
	}
	entity := func(name string, gen *Entity, attrs ...*Attribute) *Entity {
		e := &Entity{Module: m, Name: name, Persistable: true, Generalization: gen}
		for _, a := range attrs {
			a.Entity = e
		}
		e.Attributes = attrs
		if gen != nil {
			gen.Specializations = append(gen.Specializations, e)
		}
		m.Entities = append(m.Entities, e)
		return e
	}
	attr := func(name string, t AttrType, opts ...func(*Attribute)) *Attribute {
		a := &Attribute{Name: name, Type: t}
		for _, o := range opts {
			o(a)
		}
		return a
	}
	length := func(n int) func(*Attribute) { return func(a *Attribute) { a.Length = n } }
	required := func(a *Attribute) { a.Required = true }
	unique := func(a *Attribute) { a.Unique = true }
	defTrue := func(a *Attribute) { a.Default = &Scalar{Text: "true"} }

	user := entity("User", nil,
		attr("Name", TypeString, length(100), required, unique),
		attr("Password", TypeHashString),
		attr("Active", TypeBoolean, defTrue),
		attr("Blocked", TypeBoolean),
		attr("BlockedSince", TypeDateTime),
		attr("FailedLogins", TypeInteger),
		attr("LastLogin", TypeDateTime),
		attr("WebServiceUser", TypeBoolean),
		attr("IsAnonymous", TypeBoolean),
	)
	userRole := entity("UserRole", nil,
		attr("Name", TypeString, length(100), required, unique),
		attr("Description", TypeString, length(200)),
	)
	session := entity("Session", nil,
		attr("CreatedDate", TypeDateTime),
		attr("LastActive", TypeDateTime),
		attr("ExpiresAt", TypeDateTime),
	)
	file := entity("FileDocument", nil,
		attr("FileID", TypeAutoNumber),
		attr("Name", TypeString, length(400)),
		attr("Size", TypeLong),
		attr("HasContents", TypeBoolean),
		attr("DeleteAfterDownload", TypeBoolean),
		attr("Contents", TypeBinary),
	)
	entity("Image", file,
		attr("PublicThumbnailPath", TypeString, length(200)),
		attr("EnableCaching", TypeBoolean),
	)
	m.Associations = []*Association{
		{Module: m, Name: "UserRoles", From: user, To: userRole, Type: ReferenceSet, OnDelete: DeleteKeep},
		{Module: m, Name: "Session_User", From: session, To: user, Type: Reference, OnDelete: DeleteCascade},
	}
	for _, a := range m.Associations {
		a.FromName, a.ToName = NameRef{Name: a.From.QualifiedName()}, NameRef{Name: a.To.QualifiedName()}
	}
	return m
}
